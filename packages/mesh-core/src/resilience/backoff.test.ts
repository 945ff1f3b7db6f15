import { describe, expect, it } from 'vitest';
import { expectMeshError } from '../testing/index.js';
import { backoffCapMs, backoffDelayMs, DEFAULT_BACKOFF, resolveBackoffOptions } from './backoff.js';

const lock = { initialDelayMs: 50, maxDelayMs: 800, multiplier: 2, jitter: 1 };

describe('backoffCapMs', () => {
  it('grows by the multiplier from initialDelayMs and stops at maxDelayMs', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((retry) => backoffCapMs(retry, lock))).toEqual([
      50, 100, 200, 400, 800, 800, 800,
    ]);
    const triple = { ...lock, initialDelayMs: 10, multiplier: 3, maxDelayMs: 100 };
    expect([0, 1, 2, 3].map((retry) => backoffCapMs(retry, triple))).toEqual([10, 30, 90, 100]);
    const flat = { ...lock, multiplier: 1 };
    expect(backoffCapMs(9, flat)).toBe(50);
  });

  it('stays finite for any retry count, even without a cap', () => {
    expect(backoffCapMs(1_000_000, lock)).toBe(800);
    const uncapped = { ...lock, maxDelayMs: Number.POSITIVE_INFINITY };
    expect(backoffCapMs(3, uncapped)).toBe(400);
    expect(backoffCapMs(5_000, { ...uncapped, initialDelayMs: 0 })).toBe(0);
    expect(backoffCapMs(0, { ...lock, initialDelayMs: 500, maxDelayMs: 100 })).toBe(100);
  });
});

describe('backoffDelayMs', () => {
  it('draws from [cap * (1 - jitter), cap], growing with random()', () => {
    expect(backoffDelayMs(2, lock, () => 0)).toBe(0);
    expect(backoffDelayMs(2, lock, () => 0.5)).toBe(100);
    const equal = { ...lock, jitter: 0.5 };
    expect(backoffDelayMs(2, equal, () => 0)).toBe(100);
    expect(backoffDelayMs(2, equal, () => 0.5)).toBe(150);
    expect(backoffDelayMs(2, { ...lock, jitter: 0 }, () => 0.3)).toBe(200);
  });
});

describe('resolveBackoffOptions', () => {
  it('fills unset fields from the defaults given', () => {
    expect(resolveBackoffOptions(undefined)).toEqual(DEFAULT_BACKOFF);
    expect(resolveBackoffOptions({ initialDelayMs: 5, maxDelayMs: undefined }, lock)).toEqual({
      ...lock,
      initialDelayMs: 5,
    });
  });

  it('rejects bad fields with invalid_argument naming them', async () => {
    const cases = [
      [{ initialDelayMs: -1 }, 'retry.initialDelayMs'],
      [{ maxDelayMs: Number.NaN }, 'retry.maxDelayMs'],
      [{ multiplier: 0.5 }, 'retry.multiplier'],
      [{ jitter: 1.5 }, 'retry.jitter'],
    ] as const;
    for (const [options, field] of cases) {
      const error = await expectMeshError(
        Promise.resolve().then(() => resolveBackoffOptions(options, DEFAULT_BACKOFF, 'retry')),
        'invalid_argument',
      );
      expect(error.details.field).toBe(field);
    }
  });
});
