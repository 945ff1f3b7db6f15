import { MeshError } from '../errors/mesh-error.js';

// Argument checks shared by the in-memory ports, so bad input gets a MeshError naming the problem.

/** Checks a key or name is a non-empty string. */
export function checkKey(value: unknown, field = 'key'): string {
  if (typeof value !== 'string' || value === '') {
    throw new MeshError(`${field} must be a non-empty string`, 'invalid_argument', { details: { field } });
  }
  return value;
}

/** Checks a time to live is a finite number of milliseconds above 0. */
export function checkTtlMs(value: unknown, field = 'ttlMs'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MeshError(
      `${field} must be a finite number of milliseconds > 0, got ${String(value)}`,
      'invalid_argument',
      {
        details: { field },
      },
    );
  }
  return value;
}

/** Checks a count is a whole number above 0. */
export function checkPositiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new MeshError(`${field} must be a whole number > 0, got ${String(value)}`, 'invalid_argument', {
      details: { field },
    });
  }
  return value;
}

/** The error of a call on a port that was closed. */
export function closedError(what: string): MeshError {
  return new MeshError(`the in-memory ${what} is closed`, 'failed_precondition', {
    details: { reason: 'closed' },
  });
}
