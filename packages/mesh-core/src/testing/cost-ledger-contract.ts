import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { adviseTier, costOf } from '../ledger/pricing.js';
import type { CostLedger, Reservation, Usage } from '../ports/cost-ledger.js';
import { type ContractFactory, delay, expectMeshError, uniquePrefix } from './test-helpers.js';

// Amounts are powers of two (0.125, 0.25…) so sums are exact in binary floating point on every backend.
const usd = (costUsd: number): Usage => ({ model: 'contract-test', costUsd });

/**
 * The contract every {@link CostLedger} must pass: reserve-then-settle with no overshoot under 200
 * concurrent reservations, settle exactly once, release, reservation expiry, sliding windows, unreserved
 * records, tier advice matching {@link adviseTier} with the default thresholds, and prices through
 * {@link costOf}. Budgets are set on per-test scopes only (never on `global`), so suites can share a backend;
 * the ledger under test must start with no budget on `global`.
 *
 * @example
 * ```ts
 * costLedgerContract('memory', async () => {
 *   const subject = createMemoryCostLedger();
 *   return { subject, cleanup: () => subject.close() };
 * });
 * ```
 */
export function costLedgerContract(name: string, factory: ContractFactory<CostLedger>): void {
  describe(`CostLedger contract: ${name}`, () => {
    let ledger: CostLedger;
    let cleanup: () => Promise<void>;
    let scope: string;

    beforeEach(async () => {
      ({ subject: ledger, cleanup } = await factory());
      scope = `${uniquePrefix('ledger')}tool:generate_image`;
    });
    afterEach(async () => {
      await cleanup();
    });

    it('reserves on global and the given scopes, then settles to the actual cost exactly once', async () => {
      await ledger.setBudget(scope, { limitUsd: 10 });
      const reservation = await ledger.reserve(usd(2), { scopes: [scope] });
      expect(reservation.amountUsd).toBe(2);
      expect([...reservation.scopes].sort()).toEqual(['global', scope].sort());
      expect(reservation.expiresAt).toBeGreaterThan(Date.now());
      expect(await ledger.status(scope)).toMatchObject({
        limitUsd: 10,
        spentUsd: 0,
        reservedUsd: 2,
        remainingUsd: 8,
      });
      const settlement = await ledger.settle(reservation, usd(1.5));
      expect(settlement).toEqual({ reservationId: reservation.id, costUsd: 1.5 });
      expect(await ledger.status(scope)).toMatchObject({ spentUsd: 1.5, reservedUsd: 0, remainingUsd: 8.5 });
      await ledger.settle(reservation, usd(1.5));
      expect(await ledger.status(scope)).toMatchObject({ spentUsd: 1.5, reservedUsd: 0, remainingUsd: 8.5 });
    });

    it('drops a released reservation without charging', async () => {
      await ledger.setBudget(scope, { limitUsd: 1 });
      const reservation = await ledger.reserve(usd(1), { scopes: [scope] });
      await expectMeshError(ledger.reserve(usd(0.25), { scopes: [scope] }), 'resource_exhausted');
      await ledger.release(reservation);
      expect(await ledger.status(scope)).toMatchObject({ spentUsd: 0, reservedUsd: 0, remainingUsd: 1 });
      expect((await ledger.reserve(usd(1), { scopes: [scope] })).amountUsd).toBe(1);
    });

    it('rejects a reservation over budget with the scope, remaining amount and limit', async () => {
      await ledger.setBudget(scope, { limitUsd: 1 });
      await ledger.reserve(usd(0.75), { scopes: [scope] });
      const error = await expectMeshError(
        ledger.reserve(usd(0.5), { scopes: [scope] }),
        'resource_exhausted',
      );
      expect(error.details.scope).toBe(scope);
      expect(error.details.remainingUsd).toBe(0.25);
      expect(error.details.limit).toBe(1);
      expect((await ledger.status(scope)).reservedUsd).toBe(0.75);
    });

    it('never overshoots under 200 concurrent reservations', async () => {
      await ledger.setBudget(scope, { limitUsd: 10 });
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, () => ledger.reserve(usd(0.125), { scopes: [scope] })),
      );
      const granted = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result) => result.status === 'rejected');
      expect(granted).toHaveLength(80);
      for (const result of refused) {
        expect(MeshError.isInstance(result.reason) && result.reason.code).toBe('resource_exhausted');
      }
      expect(await ledger.status(scope)).toMatchObject({ reservedUsd: 10, remainingUsd: 0 });
    });

    it('stops counting a reservation once it expires, and a late settle still charges once', async () => {
      await ledger.setBudget(scope, { limitUsd: 1 });
      const leaked = await ledger.reserve(usd(1), { scopes: [scope], ttlMs: 100 });
      await expectMeshError(ledger.reserve(usd(0.5), { scopes: [scope] }), 'resource_exhausted');
      await delay(200);
      expect(await ledger.status(scope)).toMatchObject({ reservedUsd: 0, remainingUsd: 1 });
      await ledger.settle(leaked, usd(0.25));
      await ledger.settle(leaked, usd(0.25));
      expect(await ledger.status(scope)).toMatchObject({
        spentUsd: 0.25,
        reservedUsd: 0,
        remainingUsd: 0.75,
      });
    });

    it('records unreserved usage even past the budget, which then rejects reservations', async () => {
      await ledger.setBudget(scope, { limitUsd: 1 });
      const settlement = await ledger.record(usd(2), { scopes: [scope] });
      expect(settlement.costUsd).toBe(2);
      expect(typeof settlement.reservationId).toBe('string');
      expect(await ledger.status(scope)).toMatchObject({ spentUsd: 2, remainingUsd: 0 });
      await expectMeshError(ledger.reserve(usd(0.125), { scopes: [scope] }), 'resource_exhausted');
    });

    it('forgets spending that slides out of the window', async () => {
      await ledger.setBudget(scope, { limitUsd: 1, windowMs: 200 });
      await ledger.record(usd(1), { scopes: [scope] });
      await expectMeshError(ledger.reserve(usd(0.5), { scopes: [scope] }), 'resource_exhausted');
      await delay(300);
      expect(await ledger.status(scope)).toMatchObject({ spentUsd: 0, remainingUsd: 1, windowMs: 200 });
      expect((await ledger.reserve(usd(0.5), { scopes: [scope] })).amountUsd).toBe(0.5);
    });

    it('reports an unbudgeted scope as unlimited, and removes a budget', async () => {
      await ledger.record(usd(0.5), { scopes: [scope] });
      expect(await ledger.status(scope)).toMatchObject({ limitUsd: Number.POSITIVE_INFINITY, spentUsd: 0.5 });
      await ledger.setBudget(scope, { limitUsd: 0.5 });
      await expectMeshError(ledger.reserve(usd(0.125), { scopes: [scope] }), 'resource_exhausted');
      await ledger.setBudget(scope, undefined);
      expect((await ledger.reserve(usd(0.125), { scopes: [scope] })).amountUsd).toBe(0.125);
    });

    it('advises tiers from the remaining share, as adviseTier does with the default thresholds', async () => {
      await ledger.setBudget(scope, { limitUsd: 16 });
      const steps: Array<[number, string]> = [
        [0, 'premium'],
        [9, 'standard'],
        [4, 'economy'],
        [2.5, 'halt'],
      ];
      for (const [spend, tier] of steps) {
        if (spend > 0) await ledger.record(usd(spend), { scopes: [scope] });
        const status = await ledger.status(scope);
        expect(adviseTier(status.remainingUsd / status.limitUsd)).toBe(tier);
        expect(await ledger.advise([scope])).toBe(tier);
      }
    });

    it('prices usage with costOf and names an unknown model', async () => {
      const [model, price] = Object.entries(ledger.prices)[0] ?? [];
      expect(model, 'the ledger under test needs a price table with at least one model').toBeDefined();
      const usage: Usage = { model: model as string };
      if (price?.inputPerMillionTokensUsd !== undefined) usage.inputTokens = 1_000;
      if (price?.outputPerMillionTokensUsd !== undefined) usage.outputTokens = 500;
      if (price?.perImageUsd !== undefined) usage.images = 1;
      if (price?.perSecondUsd !== undefined) usage.seconds = 5;
      if (price?.perMillionCharactersUsd !== undefined) usage.characters = 2_000;
      const reservation: Reservation = await ledger.reserve(usage, { scopes: [scope] });
      expect(reservation.amountUsd).toBeCloseTo(costOf(ledger.prices, usage), 12);
      await ledger.release(reservation);
      const error = await expectMeshError(
        ledger.reserve({ model: `${scope}-no-such-model` }),
        'invalid_argument',
      );
      expect(error.message).toContain(`${scope}-no-such-model`);
    });
  });
}
