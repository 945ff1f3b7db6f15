import { MeshError } from '../errors/mesh-error.js';

// The one set of option and argument checks of the mesh packages, used by every `resolveXOptions` so that bad
// input gets the same `MeshError` (`invalid_argument`, `details.field`) everywhere. Every check takes
// `(value, field, ...)` in that order and returns the value, so a resolver reads
// `ttlMs: checkPositive(options.ttlMs ?? DEFAULT_X.ttlMs, 'ttlMs')`.

function invalid(field: string, rule: string, value: unknown): MeshError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new MeshError(`${field} must be ${rule}, got ${shown}`, 'invalid_argument', { details: { field } });
}

/** Limits of {@link checkFinite}. */
export interface FiniteRange {
  /** Smallest value allowed (inclusive). Default: none. */
  min?: number;
  /** Largest value allowed (inclusive). Default: none. */
  max?: number;
}

/**
 * Checks `value` is a finite number within `range`.
 *
 * @throws {MeshError} `invalid_argument` naming `field`.
 * @example
 * ```ts
 * const jitter = checkFinite(options.jitter ?? 0.5, 'retry.jitter', { min: 0, max: 1 });
 * ```
 */
export function checkFinite(value: unknown, field: string, range: FiniteRange = {}): number {
  const { min, max } = range;
  const valid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (min === undefined || value >= min) &&
    (max === undefined || value <= max);
  if (!valid) {
    const rule =
      min !== undefined && max !== undefined
        ? `a number from ${min} to ${max}`
        : min !== undefined
          ? `a finite number >= ${min}`
          : max !== undefined
            ? `a finite number <= ${max}`
            : 'a finite number';
    throw invalid(field, rule, value);
  }
  return value as number;
}

/**
 * Checks `value` is a finite number >= 0 (such as a delay in milliseconds).
 *
 * @throws {MeshError} `invalid_argument` naming `field`.
 */
export function checkNonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(field, 'a finite number >= 0', value);
  }
  return value;
}

/**
 * Checks `value` is a finite number > 0 (such as a timeout in milliseconds).
 *
 * @throws {MeshError} `invalid_argument` naming `field`.
 */
export function checkPositive(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(field, 'a finite number > 0', value);
  }
  return value;
}

/**
 * Checks `value` is a whole number >= `min` (default 1), such as a count or a whole number of milliseconds.
 *
 * @throws {MeshError} `invalid_argument` naming `field`.
 */
export function checkInteger(value: unknown, field: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(field, `a whole number >= ${min}`, value);
  }
  return value;
}

/**
 * Checks `value` is a non-empty string (a key, a name, an id).
 *
 * @throws {MeshError} `invalid_argument` naming `field`.
 */
export function checkNonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'a non-empty string', value);
  return value;
}
