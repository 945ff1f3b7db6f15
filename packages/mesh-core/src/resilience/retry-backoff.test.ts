import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { retryDelayMs } from './retry-backoff.js';

const base = { initialDelayMs: 500, maxDelayMs: 3000, jitter: 0, random: () => 0.5 };

describe('retryDelayMs', () => {
  it('doubles from the initial delay and caps at maxDelayMs', () => {
    const error = new MeshError('down', 'unavailable');
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, error, base))).toEqual([
      500, 1000, 2000, 3000, 3000,
    ]);
  });

  it('draws jittered delays from [base * (1 - jitter), base]', () => {
    const error = new MeshError('down', 'unavailable');
    expect(retryDelayMs(2, error, { ...base, jitter: 0.5, random: () => 0 })).toBe(1000);
    expect(retryDelayMs(2, error, { ...base, jitter: 0.5, random: () => 0.9 })).toBe(550);
    expect(retryDelayMs(2, error, { ...base, jitter: 1, random: () => 0.5 })).toBe(500);
  });

  it("waits at least a resource_exhausted error's retryAfterMs, even beyond the cap", () => {
    const busy = new MeshError('slow down', 'resource_exhausted', { details: { retryAfterMs: 4500 } });
    expect(retryDelayMs(1, busy, base)).toBe(4500);
    const soon = new MeshError('slow down', 'resource_exhausted', { details: { retryAfterMs: 10 } });
    expect(retryDelayMs(2, soon, base)).toBe(1000);
    // Only resource_exhausted carries a server's pacing; other codes keep the exponential delay.
    const other = new MeshError('down', 'unavailable', { details: { retryAfterMs: 9000 } });
    expect(retryDelayMs(1, other, base)).toBe(500);
  });
});
