import { MeshError } from '../errors/mesh-error.js';
import { checkNonEmptyString, checkPositive } from '../options/check-options.js';

// Argument checks shared by the in-memory ports, so bad input gets a MeshError naming the problem.

/** Checks a key or name is a non-empty string. */
export function checkKey(value: unknown, field = 'key'): string {
  return checkNonEmptyString(value, field);
}

/** Checks a time to live is a finite number of milliseconds above 0. */
export function checkTtlMs(value: unknown, field = 'ttlMs'): number {
  return checkPositive(value, field);
}

/** The error of a call on a port that was closed. */
export function closedError(what: string): MeshError {
  return new MeshError(`the in-memory ${what} is closed`, 'failed_precondition', {
    details: { reason: 'closed' },
  });
}
