import { checkPositive } from '@kidsstories/mesh-core/ports';

/**
 * Checks a duration is a finite number of milliseconds above 0 and rounds it up to whole milliseconds, as Redis's
 * `PX`/`PEXPIRE` take them (a lease never lives shorter than asked).
 *
 * @throws MeshError `invalid_argument` naming `field`.
 * @example
 * ```ts
 * const ttlMs = checkDuration(options.ttlMs ?? 300_000, 'ttlMs'); // 1.2 -> 2
 * ```
 */
export function checkDuration(value: unknown, field: string): number {
  return Math.ceil(checkPositive(value, field));
}
