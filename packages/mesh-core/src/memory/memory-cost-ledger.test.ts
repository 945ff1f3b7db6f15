import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_TABLE } from '../ledger/pricing.js';
import { costLedgerContract, createManualClock, expectMeshError } from '../testing/index.js';
import {
  createMemoryCostLedger,
  DEFAULT_BUDGET_WINDOW_MS,
  DEFAULT_RESERVATION_TTL_MS,
} from './memory-cost-ledger.js';

costLedgerContract('memory', async () => {
  const subject = createMemoryCostLedger();
  return { subject, cleanup: () => subject.close() };
});

describe('createMemoryCostLedger', () => {
  it('charges global on every call and rejects when the global budget is spent', async () => {
    const ledger = createMemoryCostLedger({ budgets: { global: { limitUsd: 1 } } });
    await ledger.reserve({ model: 'x', costUsd: 0.5 }, { scopes: ['tool:a'] });
    await ledger.record({ model: 'x', costUsd: 0.25 }, { scopes: ['tool:b'] });
    const error = await expectMeshError(ledger.reserve({ model: 'x', costUsd: 0.5 }), 'resource_exhausted');
    expect(error.details).toMatchObject({ scope: 'global', remainingUsd: 0.25, limit: 1, limitUnit: 'usd' });
    expect(await ledger.status()).toMatchObject({ spentUsd: 0.25, reservedUsd: 0.5, remainingUsd: 0.25 });
  });

  it('prices with the default table, expires reservations and slides the 1 h window by the clock', async () => {
    const clock = createManualClock();
    let next = 0;
    const ledger = createMemoryCostLedger({
      now: clock.now,
      generateId: () => `r${++next}`,
      budgets: { day: { limitUsd: 0.1 } },
    });
    expect(ledger.prices).toBe(DEFAULT_PRICE_TABLE);
    const held = await ledger.reserve({ model: 'dall-e-3', images: 1 }, { scopes: ['day'] });
    expect(held).toEqual({
      id: 'r1',
      scopes: ['global', 'day'],
      amountUsd: 0.04,
      expiresAt: clock.now() + DEFAULT_RESERVATION_TTL_MS,
    });
    clock.advance(DEFAULT_RESERVATION_TTL_MS);
    expect((await ledger.status('day')).reservedUsd).toBe(0);
    await ledger.record(
      { model: 'gpt-4o-mini', inputTokens: 80_000, outputTokens: 80_000 },
      { scopes: ['day'] },
    );
    expect((await ledger.status('day')).spentUsd).toBeCloseTo(0.06, 12);
    expect(await ledger.advise(['day'])).toBe('standard');
    clock.advance(DEFAULT_BUDGET_WINDOW_MS);
    expect(await ledger.status('day')).toMatchObject({ spentUsd: 0, remainingUsd: 0.1 });
    expect(await ledger.advise(['day'])).toBe('premium');
  });

  it('uses custom tier thresholds and halts on a zero budget', async () => {
    const ledger = createMemoryCostLedger({
      budgets: { a: { limitUsd: 10 }, zero: { limitUsd: 0 } },
      tierThresholds: { premium: 0.9, standard: 0.5, economy: 0.1 },
    });
    await ledger.record({ model: 'x', costUsd: 2 }, { scopes: ['a'] });
    expect(await ledger.advise(['a'])).toBe('standard');
    expect(await ledger.advise(['zero'])).toBe('halt');
    expect(await ledger.advise()).toBe('premium');
  });

  it('rejects bad budgets and options', async () => {
    expect(() => createMemoryCostLedger({ budgets: { a: { limitUsd: -1 } } })).toThrow(/limitUsd/);
    expect(() =>
      createMemoryCostLedger({ tierThresholds: { premium: 0.1, standard: 0.5, economy: 0 } }),
    ).toThrow(/thresholds/);
    const ledger = createMemoryCostLedger();
    await expectMeshError(ledger.setBudget('a', { limitUsd: 1, windowMs: 0 }), 'invalid_argument');
    await expectMeshError(ledger.reserve({ model: 'x', costUsd: 1 }, { ttlMs: -1 }), 'invalid_argument');
    await expectMeshError(ledger.reserve({ model: 'x', costUsd: 1 }, { scopes: [''] }), 'invalid_argument');
  });
});
