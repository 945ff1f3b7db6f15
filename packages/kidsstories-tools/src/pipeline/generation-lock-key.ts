import { MeshError } from '@kidsstories/mesh-core';

/**
 * The key of the KidsStories story-generation lock (one bundle per date and age band): `generation:{date}:{ageBand}`, with the date as `YYYY-MM-DD` (UTC).
 *
 * @throws {MeshError} `invalid_argument` for an invalid date or an age band that is not `[A-Za-z0-9_+-]+`.
 * @example
 * ```ts
 * generationLockKey('2026-11-24', '6-8'); // 'generation:2026-11-24:6-8'
 * ```
 */
export function generationLockKey(date: string | Date, ageBand: string): string {
  const day =
    date instanceof Date ? (Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10)) : date;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new MeshError(
      `invalid generation date "${String(date)}": expected YYYY-MM-DD`,
      'invalid_argument',
      {
        details: { field: 'date' },
      },
    );
  }
  if (typeof ageBand !== 'string' || !/^[A-Za-z0-9_+-]+$/.test(ageBand)) {
    throw new MeshError(
      `invalid age band "${String(ageBand)}": expected something like 4-6`,
      'invalid_argument',
      {
        details: { field: 'ageBand' },
      },
    );
  }
  return `generation:${day}:${ageBand}`;
}
