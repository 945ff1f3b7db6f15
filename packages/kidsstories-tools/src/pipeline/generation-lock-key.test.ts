import { describe, expect, it } from 'vitest';
import { generationLockKey } from './generation-lock-key.js';

describe('generationLockKey', () => {
  it('builds generation:{date}:{ageBand} and rejects bad parts', () => {
    expect(generationLockKey('2026-11-24', '4-6')).toBe('generation:2026-11-24:4-6');
    expect(generationLockKey(new Date('2026-11-24T23:30:00Z'), '7-9')).toBe('generation:2026-11-24:7-9');
    expect(() => generationLockKey('24/11/2026', '4-6')).toThrow(/YYYY-MM-DD/);
    expect(() => generationLockKey('2026-13-45', '4-6')).toThrow(/YYYY-MM-DD/);
    expect(() => generationLockKey(new Date(Number.NaN), '4-6')).toThrow(/YYYY-MM-DD/);
    expect(() => generationLockKey('2026-11-24', '4:6')).toThrow(/age band/);
  });
});
