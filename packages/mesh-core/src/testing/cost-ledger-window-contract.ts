import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spendBucketEnd } from '../ledger/spend-window.js';
import type { CostLedger, Usage } from '../ports/cost-ledger.js';
import { createManualClock, expectMeshError, type ManualClock, uniquePrefix } from './test-helpers.js';

// Amounts are powers of two, so sums are exact in binary floating point on every backend.
const usd = (costUsd: number): Usage => ({ model: 'contract-test', costUsd });

/** Makes the ledger under test with an injected clock (epoch milliseconds). */
export type ClockedContractFactory<T> = (
  now: () => number,
) => Promise<{ subject: T; cleanup(): Promise<void> }>;

/**
 * The time-bucket contract of a {@link CostLedger} (issue 20), with an injected clock: windows that roll over
 * many buckets give exactly the spending of the buckets still in the window, a charge counts for at least the
 * window and at most one bucket (`windowMs / 60`) longer, and neither settles nor statuses change their
 * answers after hundreds of charges. Budgets are set on per-test scopes only, as in `costLedgerContract`.
 *
 * @example
 * ```ts
 * costLedgerWindowContract('memory', async (now) => {
 *   const subject = createMemoryCostLedger({ now });
 *   return { subject, cleanup: () => subject.close() };
 * });
 * ```
 */
export function costLedgerWindowContract(name: string, factory: ClockedContractFactory<CostLedger>): void {
  describe(`CostLedger window contract: ${name}`, () => {
    let ledger: CostLedger;
    let cleanup: () => Promise<void>;
    let clock: ManualClock;
    let scope: string;

    beforeEach(async () => {
      clock = createManualClock();
      ({ subject: ledger, cleanup } = await factory(clock.now));
      scope = `${uniquePrefix('window')}day`;
    });
    afterEach(async () => {
      await cleanup();
    });

    it('rolls a window over 40 windows of charges and counts exactly the buckets still in it', {
      timeout: 60_000,
    }, async () => {
      const windowMs = 60_000;
      await ledger.setBudget(scope, { limitUsd: 1_000, windowMs });
      const charges: Array<{ endMs: number; costUsd: number }> = [];
      for (let step = 0; step < 2_400; step += 1) {
        const costUsd = step % 3 === 0 ? 0.25 : 0.125;
        await ledger.record(usd(costUsd), { scopes: [scope] });
        charges.push({ endMs: spendBucketEnd(clock.now(), windowMs).endMs, costUsd });
        clock.advance(1_000);
        if (step % 200 === 199) {
          const expected = charges
            .filter((charge) => charge.endMs > clock.now() - windowMs)
            .reduce((sum, charge) => sum + charge.costUsd, 0);
          expect(await ledger.status(scope)).toMatchObject({ spentUsd: expected, reservedUsd: 0 });
        }
      }
      clock.advance(windowMs + 1_000);
      expect(await ledger.status(scope)).toMatchObject({ spentUsd: 0, remainingUsd: 1_000 });
    });

    it('counts a charge for at least the window and at most one bucket longer', async () => {
      const windowMs = 3_600_000;
      const bucketMs = windowMs / 60;
      await ledger.setBudget(scope, { limitUsd: 1, windowMs });
      clock.advance(bucketMs - 1);
      await ledger.record(usd(1), { scopes: [scope] });
      clock.advance(windowMs - 1);
      await expectMeshError(ledger.reserve(usd(0.125), { scopes: [scope] }), 'resource_exhausted');
      clock.advance(1);
      expect((await ledger.status(scope)).spentUsd).toBe(1);
      clock.advance(bucketMs);
      expect(await ledger.status(scope)).toMatchObject({ spentUsd: 0, remainingUsd: 1 });
    });

    it('keeps reserve, settle and release exact after hundreds of settled calls', {
      timeout: 60_000,
    }, async () => {
      await ledger.setBudget(scope, { limitUsd: 16, windowMs: 120_000 });
      for (let call = 0; call < 600; call += 1) {
        const held = await ledger.reserve(usd(0.25), { scopes: [scope], ttlMs: 10_000 });
        if (call % 10 === 0) await ledger.release(held);
        else await ledger.settle(held, usd(0.125));
        clock.advance(1_000);
      }
      // 120 s of 1 s calls, 9 in 10 settled at 0.125: the last two minutes hold 108 or 109 charges.
      const { spentUsd, reservedUsd } = await ledger.status(scope);
      expect(reservedUsd).toBe(0);
      expect(spentUsd).toBeGreaterThanOrEqual(13.5);
      expect(spentUsd).toBeLessThanOrEqual(13.75);
      clock.advance(130_000);
      const held = await ledger.reserve(usd(16), { scopes: [scope], ttlMs: 10_000 });
      await expectMeshError(ledger.reserve(usd(0.125), { scopes: [scope] }), 'resource_exhausted');
      await ledger.settle(held, usd(1));
      clock.advance(30_000);
      await ledger.settle(held, usd(1));
      expect(await ledger.status(scope)).toMatchObject({ spentUsd: 1, reservedUsd: 0, remainingUsd: 15 });
    });

    it('drops expired reservations by the clock and a late settle charges once', async () => {
      await ledger.setBudget(scope, { limitUsd: 1, windowMs: 600_000 });
      const leaked = await ledger.reserve(usd(1), { scopes: [scope], ttlMs: 5_000 });
      clock.advance(4_999);
      await expectMeshError(ledger.reserve(usd(0.125), { scopes: [scope] }), 'resource_exhausted');
      clock.advance(1);
      expect(await ledger.status(scope)).toMatchObject({ reservedUsd: 0, remainingUsd: 1 });
      clock.advance(120_000);
      await ledger.settle(leaked, usd(0.5));
      await ledger.settle(leaked, usd(0.5));
      expect((await ledger.status(scope)).spentUsd).toBe(0.5);
    });
  });
}
