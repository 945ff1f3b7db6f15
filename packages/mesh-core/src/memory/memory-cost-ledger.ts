import { randomUUID } from 'node:crypto';
import { MeshError } from '../errors/mesh-error.js';
import {
  adviseTier,
  costOf,
  DEFAULT_PRICE_TABLE,
  DEFAULT_TIER_THRESHOLDS,
  GLOBAL_SCOPE,
  resolveBudgetScopes,
  type TierThresholds,
} from '../ledger/pricing.js';
import type {
  Budget,
  BudgetStatus,
  CostLedger,
  PriceTable,
  Reservation,
  Settlement,
} from '../ports/cost-ledger.js';
import { checkKey, checkTtlMs, closedError } from './validate.js';

/** Options for {@link createMemoryCostLedger}. */
export interface MemoryCostLedgerOptions {
  /** Prices per model. Default {@link DEFAULT_PRICE_TABLE}. */
  prices?: PriceTable;
  /** Budgets per scope (`global`, `day`, `tool:generate_image`…). Default: none, so nothing is rejected. */
  budgets?: Record<string, Budget>;
  /** Clock for windows and reservation expiry, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Makes reservation and record ids. Default `crypto.randomUUID`. */
  generateId?: () => string;
  /** Thresholds behind {@link CostLedger.advise}. Default {@link DEFAULT_TIER_THRESHOLDS}. */
  tierThresholds?: TierThresholds;
}

/** Window of a budget that gives none, and of scopes without a budget, in milliseconds (1 h). */
export const DEFAULT_BUDGET_WINDOW_MS = 3_600_000;
/** Lifetime of a reservation that gives no `ttlMs`, in milliseconds (5 min). */
export const DEFAULT_RESERVATION_TTL_MS = 300_000;
/** Slack in budget comparisons, in USD, so float rounding never rejects a reservation that fits exactly. */
const TOLERANCE_USD = 1e-9;

interface Charge {
  at: number;
  costUsd: number;
  scopes: readonly string[];
}

function checkBudget(scope: string, budget: Budget): Required<Budget> {
  if (!Number.isFinite(budget.limitUsd) || budget.limitUsd < 0) {
    throw new MeshError(`budget of "${scope}": limitUsd must be a finite number >= 0`, 'invalid_argument', {
      details: { field: 'limitUsd', scope },
    });
  }
  return {
    limitUsd: budget.limitUsd,
    windowMs: checkTtlMs(budget.windowMs ?? DEFAULT_BUDGET_WINDOW_MS, 'windowMs'),
  };
}

/**
 * A {@link CostLedger} in this process's memory. Reserve-then-settle is atomic because every check and
 * update happens in one synchronous step. Spending counts in a sliding window per budget; reservations
 * count until settled, released or expired. A settled reservation id is remembered for the longest window
 * after its expiry, so settling it again in that time records nothing more.
 *
 * @example
 * ```ts
 * const ledger = createMemoryCostLedger({ budgets: { global: { limitUsd: 5 } } });
 * const held = await ledger.reserve({ model: 'gpt-4o-mini', inputTokens: 2_000, outputTokens: 1_000 });
 * await ledger.settle(held, { model: 'gpt-4o-mini', inputTokens: 1_800, outputTokens: 420 });
 * ```
 */
export function createMemoryCostLedger(options: MemoryCostLedgerOptions = {}): CostLedger {
  const prices = options.prices ?? DEFAULT_PRICE_TABLE;
  const now = options.now ?? Date.now;
  const generateId = options.generateId ?? randomUUID;
  const thresholds = options.tierThresholds ?? DEFAULT_TIER_THRESHOLDS;
  adviseTier(1, thresholds);
  const budgets = new Map<string, Required<Budget>>();
  for (const [scope, budget] of Object.entries(options.budgets ?? {}))
    budgets.set(scope, checkBudget(scope, budget));
  const held = new Map<string, Reservation>();
  const settled = new Map<string, { settlement: Settlement; forgetAt: number }>();
  let charges: Charge[] = [];
  let closed = false;

  const retentionMs = () =>
    Math.max(DEFAULT_BUDGET_WINDOW_MS, ...[...budgets.values()].map((b) => b.windowMs));

  /** Drops what no longer counts at time `t`. */
  const prune = (t: number) => {
    for (const [id, reservation] of held) if (reservation.expiresAt <= t) held.delete(id);
    for (const [id, marker] of settled) if (marker.forgetAt <= t) settled.delete(id);
    const oldest = t - retentionMs();
    if (charges.length > 0 && (charges[0]?.at ?? t) <= oldest) charges = charges.filter((c) => c.at > oldest);
  };

  const statusAt = (scope: string, t: number): BudgetStatus => {
    const budget = budgets.get(scope);
    const windowMs = budget?.windowMs ?? DEFAULT_BUDGET_WINDOW_MS;
    let spentUsd = 0;
    for (const charge of charges)
      if (charge.at > t - windowMs && charge.scopes.includes(scope)) spentUsd += charge.costUsd;
    let reservedUsd = 0;
    for (const reservation of held.values())
      if (reservation.scopes.includes(scope)) reservedUsd += reservation.amountUsd;
    const limitUsd = budget?.limitUsd ?? Number.POSITIVE_INFINITY;
    const remainingUsd = Math.max(0, limitUsd - spentUsd - reservedUsd);
    return { scope, limitUsd, spentUsd, reservedUsd, remainingUsd, windowMs };
  };

  const begin = (): number => {
    if (closed) throw closedError('cost ledger');
    const t = now();
    prune(t);
    return t;
  };

  const charge = (t: number, costUsd: number, scopes: readonly string[]) => {
    charges.push({ at: t, costUsd, scopes });
  };

  return {
    prices,
    async setBudget(scope, budget) {
      checkKey(scope, 'scope');
      if (budget === undefined) budgets.delete(scope);
      else budgets.set(scope, checkBudget(scope, budget));
    },
    async reserve(worstCase, reserveOptions = {}) {
      const amountUsd = costOf(prices, worstCase);
      const scopes = resolveBudgetScopes(reserveOptions.scopes);
      const ttlMs = checkTtlMs(reserveOptions.ttlMs ?? DEFAULT_RESERVATION_TTL_MS);
      const t = begin();
      for (const scope of scopes) {
        const status = statusAt(scope, t);
        if (status.spentUsd + status.reservedUsd + amountUsd > status.limitUsd + TOLERANCE_USD) {
          throw new MeshError(
            `budget "${scope}" would be exceeded: ${amountUsd.toFixed(6)} USD needed, ${status.remainingUsd.toFixed(6)} USD remaining`,
            'resource_exhausted',
            {
              details: {
                scope,
                remainingUsd: status.remainingUsd,
                requestedUsd: amountUsd,
                limit: status.limitUsd,
                limitUnit: 'usd',
              },
            },
          );
        }
      }
      const reservation: Reservation = { id: generateId(), scopes, amountUsd, expiresAt: t + ttlMs };
      held.set(reservation.id, reservation);
      return { ...reservation, scopes: [...scopes] };
    },
    async settle(reservation, actual) {
      const costUsd = costOf(prices, actual);
      checkKey(reservation?.id, 'reservation.id');
      const t = begin();
      const previous = settled.get(reservation.id);
      if (previous) return { ...previous.settlement };
      const scopes = held.get(reservation.id)?.scopes ?? resolveBudgetScopes(reservation.scopes);
      held.delete(reservation.id);
      charge(t, costUsd, scopes);
      const settlement: Settlement = { reservationId: reservation.id, costUsd };
      const forgetAt = Math.max(reservation.expiresAt, t) + retentionMs();
      settled.set(reservation.id, { settlement, forgetAt });
      return { ...settlement };
    },
    async release(reservation) {
      checkKey(reservation?.id, 'reservation.id');
      begin();
      held.delete(reservation.id);
    },
    async record(actual, recordOptions = {}) {
      const costUsd = costOf(prices, actual);
      const scopes = resolveBudgetScopes(recordOptions.scopes);
      const t = begin();
      charge(t, costUsd, scopes);
      return { reservationId: generateId(), costUsd };
    },
    async status(scope = GLOBAL_SCOPE) {
      checkKey(scope, 'scope');
      return statusAt(scope, begin());
    },
    async advise(scopes) {
      const resolved = resolveBudgetScopes(scopes);
      const t = begin();
      let tightest = 1;
      for (const scope of resolved) {
        const status = statusAt(scope, t);
        if (!Number.isFinite(status.limitUsd)) continue;
        const ratio = status.limitUsd === 0 ? 0 : status.remainingUsd / status.limitUsd;
        tightest = Math.min(tightest, ratio);
      }
      return adviseTier(tightest, thresholds);
    },
    async close() {
      closed = true;
      held.clear();
    },
  };
}
