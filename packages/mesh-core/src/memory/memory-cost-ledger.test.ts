import { describe, expect, it } from 'vitest';
import { EMPTY_PRICE_TABLE } from '../ledger/pricing.js';
import type { Reservation } from '../ports/cost-ledger.js';
import {
  costLedgerContract,
  costLedgerWindowContract,
  createManualClock,
  expectMeshError,
} from '../testing/index.js';
import {
  createMemoryCostLedger,
  DEFAULT_BUDGET_WINDOW_MS,
  DEFAULT_RESERVATION_TTL_MS,
  memoryCostLedgerSizes,
} from './memory-cost-ledger.js';

/** Two list prices, given to the ledgers below (a ledger prices nothing by itself). */
const PRICES = {
  'dall-e-3': { perImageUsd: 0.04 },
  'gpt-4o-mini': { inputPerMillionTokensUsd: 0.15, outputPerMillionTokensUsd: 0.6 },
};

costLedgerContract('memory', async () => {
  const subject = createMemoryCostLedger({ prices: PRICES });
  return { subject, cleanup: () => subject.close() };
});

costLedgerWindowContract('memory', async (now) => {
  const subject = createMemoryCostLedger({ now });
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

  it('prices nothing by itself and names the model of a usage it cannot price', async () => {
    const ledger = createMemoryCostLedger();
    expect(ledger.prices).toBe(EMPTY_PRICE_TABLE);
    expect(Object.keys(ledger.prices)).toEqual([]);
    const error = await expectMeshError(
      ledger.reserve({ model: 'gpt-4o', inputTokens: 1 }),
      'invalid_argument',
    );
    expect(error.message).toContain('"gpt-4o"');
    expect(error.message).toContain('price table is empty');
    expect((await ledger.record({ model: 'gpt-4o', costUsd: 0.25 })).costUsd).toBe(0.25);
  });

  it('prices with its table, expires reservations and slides the 1 h window by the clock', async () => {
    const clock = createManualClock();
    let next = 0;
    const ledger = createMemoryCostLedger({
      prices: PRICES,
      now: clock.now,
      generateId: () => `r${++next}`,
      budgets: { day: { limitUsd: 0.1 } },
    });
    expect(ledger.prices).toBe(PRICES);
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
    // Spending counts for the window plus at most one bucket (1 min of the 1 h window): the window's precision.
    clock.advance(DEFAULT_BUDGET_WINDOW_MS - 60_000);
    expect((await ledger.status('day')).spentUsd).toBeCloseTo(0.06, 12);
    clock.advance(2 * 60_000);
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

describe('createMemoryCostLedger memory bound (issue 20)', () => {
  it('holds scopes x buckets, calls in flight and 20 min of settlements at most, whatever the number of calls', async () => {
    const clock = createManualClock();
    const ledger = createMemoryCostLedger({ now: clock.now, budgets: { day: { limitUsd: 1e9 } } });
    const scopes = ['day', 'server:text', 'tool:generate_story'];
    const inFlight: Reservation[] = [];
    // 100 000 calls, 10 a second for about 2.8 hours of clock, 5 always in flight.
    for (let call = 0; call < 100_000; call += 1) {
      inFlight.push(await ledger.reserve({ model: 'x', costUsd: 0.001 }, { scopes, ttlMs: 30_000 }));
      if (inFlight.length > 5) await ledger.settle(inFlight.shift()!, { model: 'x', costUsd: 0.0005 });
      clock.advance(100);
    }
    const sizes = memoryCostLedgerSizes(ledger)!;
    // global + 3 scopes, each at most 61 buckets of its 1 h window.
    expect(sizes.scopes).toBe(4);
    expect(sizes.buckets).toBeLessThanOrEqual(4 * 61);
    expect(sizes.reservations).toBe(5);
    // Settlements of at most the last two 10 min retentions, at 10 a second.
    expect(sizes.settlements).toBeLessThanOrEqual(2 * 600 * 10);
    // The record's typed arrays: 68 bytes a UUID settlement (two 8-byte slots, offset, length, cost and 36
    // characters), each array at most twice what it holds, plus a new bucket's first 64 entries.
    expect(sizes.settlementBytes).toBeLessThanOrEqual(2 * 68 * sizes.settlements + 2 * 64 * 68);
    clock.advance(2 * 3_600_000);
    await ledger.status('day');
    expect(memoryCostLedgerSizes(ledger)).toMatchObject({
      reservations: 0,
      settlements: 0,
      settlementBytes: 0,
    });
  });
});

describe('createMemoryCostLedger settlement record (issue 20)', () => {
  it('tells every id from every other, with 30 000 settles kept: a settle is never taken for another', async () => {
    const clock = createManualClock();
    let next = 0;
    // Ids that differ from one another by a character, by case, by length or in a code unit above 255.
    const forms = [
      (n: number) => `r${n}`,
      (n: number) => `R${n}`,
      (n: number) => `r${n} `,
      (n: number) => `r${n}\u00e9`,
      (n: number) => `r${n}\u0100`,
      (n: number) => `r${n}\ud83d`,
    ];
    const ledger = createMemoryCostLedger({
      now: clock.now,
      generateId: () => {
        const n = next++;
        return forms[n % forms.length]!(Math.floor(n / forms.length));
      },
    });
    const held: Reservation[] = [];
    let firstCosts = 0;
    for (let call = 0; call < 30_000; call += 1) {
      const reservation = await ledger.reserve({ model: 'x', costUsd: 0.01 }, { scopes: ['day'] });
      held.push(reservation);
      const settlement = await ledger.settle(reservation, { model: 'x', costUsd: (call % 7) / 1_000 });
      // A first settle is charged at its own cost, never answered from another id's record.
      expect(settlement.costUsd).toBe((call % 7) / 1_000);
      firstCosts += (call % 7) / 1_000;
    }
    expect(new Set(held.map((reservation) => reservation.id)).size).toBe(30_000);
    expect(memoryCostLedgerSizes(ledger)?.settlements).toBe(30_000);
    const spent = (await ledger.status('day')).spentUsd;
    expect(spent).toBeCloseTo(firstCosts, 9);
    // Settled again, within the retention, at other costs: the first cost comes back and nothing is charged.
    clock.advance(60_000);
    for (const [index, reservation] of held.entries()) {
      const again = await ledger.settle(reservation, { model: 'x', costUsd: 1 });
      expect(again).toEqual({ reservationId: reservation.id, costUsd: (index % 7) / 1_000 });
    }
    expect((await ledger.status('day')).spentUsd).toBe(spent);
    await ledger.close();
    expect(memoryCostLedgerSizes(ledger)?.settlements).toBe(0);
  });

  it('remembers a settlement of an id it did not make, exactly, for the retention and no longer', async () => {
    const clock = createManualClock();
    const ledger = createMemoryCostLedger({ now: clock.now, settledRetentionMs: 1_000 });
    const foreign: Reservation = {
      id: 'journal:故事:\u0000:42',
      scopes: ['global'],
      amountUsd: 1,
      expiresAt: 0,
    };
    expect(await ledger.settle(foreign, { model: 'x', costUsd: 0.5 })).toEqual({
      reservationId: foreign.id,
      costUsd: 0.5,
    });
    clock.advance(999);
    expect((await ledger.settle(foreign, { model: 'x', costUsd: 9 })).costUsd).toBe(0.5);
    expect(
      (await ledger.settle({ ...foreign, id: 'journal:故事:\u0000:4' }, { model: 'x', costUsd: 0.25 }))
        .costUsd,
    ).toBe(0.25);
    expect((await ledger.status()).spentUsd).toBe(0.75);
    // Two retentions later the record is gone, so a settle then charges again.
    clock.advance(2_000);
    expect((await ledger.settle(foreign, { model: 'x', costUsd: 2 })).costUsd).toBe(2);
    expect((await ledger.status()).spentUsd).toBe(2.75);
  });
});

describe('createMemoryCostLedger running sums (issue 20)', () => {
  it('reads the same spending and holds as a recount of every charge, through expiries, releases and window changes', async () => {
    const clock = createManualClock();
    let next = 0;
    const ledger = createMemoryCostLedger({
      now: clock.now,
      generateId: () => `r${++next}`,
      budgets: { short: { limitUsd: 1e6, windowMs: 600_000 } },
    });
    const scopeSets = [['short'], ['long'], ['short', 'long'], []];
    const scopeNames = ['global', 'short', 'long'];
    const ttls = [500, 5_000, 60_000, 600_000];
    // The reference: every charge with the bucket end it landed in per scope, dropped once seen out of the window.
    const charges: Array<{ costUsd: number; ends: Map<string, number>; dropped: Set<string> }> = [];
    const windows = new Map([
      ['global', DEFAULT_BUDGET_WINDOW_MS],
      ['short', 600_000],
      ['long', DEFAULT_BUDGET_WINDOW_MS],
    ]);
    const inFlight: Reservation[] = [];
    const charge = (costUsd: number, scopes: readonly string[]) => {
      const ends = new Map<string, number>();
      for (const scope of scopes) {
        const widthMs = Math.ceil(windows.get(scope)! / 60);
        ends.set(scope, (Math.floor(clock.now() / widthMs) + 1) * widthMs);
      }
      charges.push({ costUsd, ends, dropped: new Set() });
    };
    const expected = (scope: string) => {
      const t = clock.now();
      let spentUsd = 0;
      for (const entry of charges) {
        const endMs = entry.ends.get(scope);
        if (endMs === undefined || entry.dropped.has(scope)) continue;
        if (endMs > t - windows.get(scope)!) spentUsd += entry.costUsd;
        else entry.dropped.add(scope);
      }
      let reservedUsd = 0;
      for (const reservation of inFlight) {
        if (reservation.expiresAt > t && reservation.scopes.includes(scope))
          reservedUsd += reservation.amountUsd;
      }
      return { spentUsd, reservedUsd };
    };

    for (let step = 0; step < 3_000; step += 1) {
      clock.advance(((step * 7_919) % 97) * 1_000 + (step % 3) * 17);
      const scopes = scopeSets[step % scopeSets.length]!;
      const resolved = ['global', ...scopes];
      const reservation = await ledger.reserve(
        { model: 'x', costUsd: ((step % 11) + 1) / 1_000 },
        { scopes, ttlMs: ttls[(step * 5) % ttls.length]! },
      );
      inFlight.push(reservation);
      if (step % 2 === 0 && inFlight.length > 3) {
        const oldest = inFlight.shift()!;
        const costUsd = (step % 5) / 1_000;
        await ledger.settle(oldest, { model: 'x', costUsd });
        charge(costUsd, oldest.scopes);
      }
      if (step % 5 === 0 && inFlight.length > 1) await ledger.release(inFlight.splice(1, 1)[0]!);
      if (step % 3 === 0) {
        await ledger.record({ model: 'x', costUsd: 0.002 }, { scopes });
        charge(0.002, resolved);
      }
      if (step % 400 === 399) {
        // The window of `long` moves between 10 min and 1 h: spending follows the window in force now.
        const windowMs =
          windows.get('long') === DEFAULT_BUDGET_WINDOW_MS ? 600_000 : DEFAULT_BUDGET_WINDOW_MS;
        await ledger.setBudget('long', { limitUsd: 1e6, windowMs });
        windows.set('long', windowMs);
      }
      for (const scope of scopeNames) {
        const status = await ledger.status(scope);
        const want = expected(scope);
        expect(status.spentUsd, `${scope} spent at step ${step}`).toBeCloseTo(want.spentUsd, 9);
        expect(status.reservedUsd, `${scope} reserved at step ${step}`).toBeCloseTo(want.reservedUsd, 9);
      }
    }
  });

  it('refuses a generated id that a reservation in flight already has, and holds nothing twice', async () => {
    const ledger = createMemoryCostLedger({ generateId: () => 'same' });
    await ledger.reserve({ model: 'x', costUsd: 1 });
    const error = await expectMeshError(ledger.reserve({ model: 'x', costUsd: 2 }), 'internal');
    expect(error.message).toContain('generateId');
    expect((await ledger.status()).reservedUsd).toBe(1);
  });
});
