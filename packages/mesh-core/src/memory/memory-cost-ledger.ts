import { randomUUID } from 'node:crypto';
import { MeshError } from '../errors/mesh-error.js';
import {
  adviseTier,
  costOf,
  DEFAULT_TIER_THRESHOLDS,
  EMPTY_PRICE_TABLE,
  GLOBAL_SCOPE,
  resolveBudgetScopes,
  type TierThresholds,
} from '../ledger/pricing.js';
import {
  DEFAULT_SETTLED_RETENTION_MS,
  DEFAULT_WINDOW_BUCKETS,
  spendBucketEnd,
} from '../ledger/spend-window.js';
import { checkInteger } from '../options/check-options.js';
import type {
  Budget,
  BudgetStatus,
  CostLedger,
  PriceTable,
  Reservation,
  Settlement,
} from '../ports/cost-ledger.js';
import { createSettlementRecord } from './settlement-record.js';
import { checkKey, checkTtlMs, closedError } from './validate.js';

/** Options for {@link createMemoryCostLedger}. */
export interface MemoryCostLedgerOptions {
  /**
   * Prices per model. A ledger prices nothing by itself: without a table only usages that carry their own
   * `costUsd` can be charged, and any other is refused naming its model.
   * @default EMPTY_PRICE_TABLE (`{}`)
   */
  prices?: PriceTable;
  /**
   * Budgets per scope (`global`, `day`, `tool:generate_image`…).
   * @default {} (none, so nothing is rejected)
   */
  budgets?: Record<string, Budget>;
  /**
   * Clock for windows and reservation expiry, in epoch milliseconds.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Makes reservation and record ids.
   * @default crypto.randomUUID
   */
  generateId?: () => string;
  /**
   * Thresholds behind {@link CostLedger.advise}.
   * @default DEFAULT_TIER_THRESHOLDS ({ premium: 0.5, standard: 0.25, economy: 0.05 })
   */
  tierThresholds?: TierThresholds;
  /**
   * Buckets each budget window is cut into; the window's precision is `windowMs / windowBuckets` (spending
   * counts up to one bucket longer than the window, never shorter).
   * @default 60 (DEFAULT_WINDOW_BUCKETS)
   */
  windowBuckets?: number;
  /**
   * How long a settlement is remembered, in milliseconds, so a repeated settle records nothing more (records
   * live between one and two retentions).
   * @default 600_000 (10 min, DEFAULT_SETTLED_RETENTION_MS)
   */
  settledRetentionMs?: number;
}

/** Window of a budget that gives none, and of scopes without a budget, in milliseconds (1 h). */
export const DEFAULT_BUDGET_WINDOW_MS = 3_600_000;
/** Lifetime of a reservation that gives no `ttlMs`, in milliseconds (5 min). */
export const DEFAULT_RESERVATION_TTL_MS = 300_000;

/** The defaults of {@link createMemoryCostLedger}'s options (`now` and `generateId` default to `Date.now` and `crypto.randomUUID`). */
export const DEFAULT_MEMORY_COST_LEDGER = Object.freeze({
  prices: EMPTY_PRICE_TABLE,
  tierThresholds: DEFAULT_TIER_THRESHOLDS,
  windowBuckets: DEFAULT_WINDOW_BUCKETS,
  settledRetentionMs: DEFAULT_SETTLED_RETENTION_MS,
});

/** {@link MemoryCostLedgerOptions} with every default applied and checked. */
export interface ResolvedMemoryCostLedgerOptions {
  prices: PriceTable;
  budgets: Map<string, Required<Budget>>;
  now: () => number;
  generateId: () => string;
  tierThresholds: Readonly<TierThresholds>;
  windowBuckets: number;
  settledRetentionMs: number;
}

/**
 * Applies {@link DEFAULT_MEMORY_COST_LEDGER} to `options` and checks every field once.
 *
 * @throws {MeshError} `invalid_argument` naming the field: a budget's `limitUsd` below 0 or not finite, a
 *   `windowMs`, `settledRetentionMs` or `windowBuckets` that is not above 0, or tier thresholds out of order.
 */
export function resolveMemoryCostLedgerOptions(
  options: MemoryCostLedgerOptions = {},
): ResolvedMemoryCostLedgerOptions {
  const tierThresholds = options.tierThresholds ?? DEFAULT_MEMORY_COST_LEDGER.tierThresholds;
  adviseTier(1, tierThresholds);
  const budgets = new Map<string, Required<Budget>>();
  for (const [scope, budget] of Object.entries(options.budgets ?? {}))
    budgets.set(scope, checkBudget(scope, budget));
  return {
    prices: options.prices ?? DEFAULT_MEMORY_COST_LEDGER.prices,
    budgets,
    now: options.now ?? Date.now,
    generateId: options.generateId ?? randomUUID,
    tierThresholds,
    windowBuckets: checkInteger(
      options.windowBuckets ?? DEFAULT_MEMORY_COST_LEDGER.windowBuckets,
      'windowBuckets',
    ),
    settledRetentionMs: checkTtlMs(
      options.settledRetentionMs ?? DEFAULT_MEMORY_COST_LEDGER.settledRetentionMs,
      'settledRetentionMs',
    ),
  };
}
/** Slack in budget comparisons, in USD, so float rounding never rejects a reservation that fits exactly. */
const TOLERANCE_USD = 1e-9;

/** What an in-memory ledger holds, counted (for the bound tests). */
export interface MemoryCostLedgerSizes {
  /** Scopes with spending in their window or reservations in flight. */
  scopes: number;
  /** Spend buckets over every scope. */
  buckets: number;
  /** Reservations in flight. */
  reservations: number;
  /** Settlements remembered for idempotent settles. */
  settlements: number;
  /** Bytes of the typed arrays that hold the settlements (outside the heap the collector marks). */
  settlementBytes: number;
}

const sizesOf = new WeakMap<CostLedger, () => MemoryCostLedgerSizes>();

/**
 * @internal What an in-memory ledger holds now; `undefined` for any other ledger. Not in the package's barrel:
 * the tests use it to show memory is bounded by scopes, buckets and calls in flight, not by calls made.
 */
export function memoryCostLedgerSizes(ledger: CostLedger): MemoryCostLedgerSizes | undefined {
  return sizesOf.get(ledger)?.();
}

/**
 * Spending and holds of one scope, with their running sums so a status reads them without a loop; dropped once
 * it holds neither.
 */
interface ScopeBook {
  /** Spent USD per bucket end (epoch ms). */
  buckets: Map<number, number>;
  /** The sum of `buckets`: re-added from them whenever a bucket leaves the window. */
  spentUsd: number;
  /** The earliest bucket end in `buckets` (`Infinity` when none): no bucket has left the window before it. */
  firstEndMs: number;
  /**
   * Reservations in flight on this scope. A count, not a map of them: the ledger's one map of reservations
   * says which scopes each holds, and one map churned by every call instead of one per scope keeps a call's
   * cost flat (V8's map deletes grew dearer as the calls went by, issue 20).
   */
  heldCount: number;
  /** The sum of the amounts in flight (set back to 0 when none is, so rounding never accumulates). */
  reservedUsd: number;
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
 * update happens in one synchronous step. Spending is kept as a running sum per scope and time bucket (see
 * `spendBucketEnd`): a window's spending is the sum of at most `windowBuckets + 1` buckets, so the work of a
 * call and the ledger's memory depend on the number of scopes and reservations in flight, never on how many
 * calls came before. Reservations count until settled, released or expired. A settlement is remembered for at
 * least `settledRetentionMs`, so settling again in that time records nothing more.
 *
 * @example
 * ```ts
 * const ledger = createMemoryCostLedger({ budgets: { global: { limitUsd: 5 } } });
 * const held = await ledger.reserve({ model: 'gpt-4o-mini', inputTokens: 2_000, outputTokens: 1_000 });
 * await ledger.settle(held, { model: 'gpt-4o-mini', inputTokens: 1_800, outputTokens: 420 });
 * ```
 */
export function createMemoryCostLedger(options: MemoryCostLedgerOptions = {}): CostLedger {
  const {
    prices,
    now,
    generateId,
    tierThresholds: thresholds,
    budgets,
    windowBuckets,
    settledRetentionMs,
  } = resolveMemoryCostLedgerOptions(options);
  const held = new Map<string, Reservation>();
  // No reservation in `held` expires before this (it may be earlier than the true first expiry, never later):
  // the expiry scan runs only once it has passed, not on every call.
  let nextExpiryMs = Number.POSITIVE_INFINITY;
  const books = new Map<string, ScopeBook>();
  // Settled ids and costs in typed arrays, grouped by settle-time bucket and forgotten a bucket at a time. Not
  // a Map of strings: V8 marks every string a Map holds on each major collection, which made calls 3x dearer
  // with 200 000 settlements kept (issue 20); the bytes of a typed array are not marked.
  const settled = createSettlementRecord({ retentionMs: settledRetentionMs });
  let closed = false;

  const windowOf = (scope: string) => budgets.get(scope)?.windowMs ?? DEFAULT_BUDGET_WINDOW_MS;
  const bookOf = (scope: string): ScopeBook => {
    let book = books.get(scope);
    if (!book) {
      book = {
        buckets: new Map(),
        spentUsd: 0,
        firstEndMs: Number.POSITIVE_INFINITY,
        heldCount: 0,
        reservedUsd: 0,
      };
      books.set(scope, book);
    }
    return book;
  };
  const dropIfEmpty = (scope: string, book: ScopeBook) => {
    if (book.buckets.size === 0 && book.heldCount === 0) books.delete(scope);
  };

  const unhold = (id: string): Reservation | undefined => {
    const reservation = held.get(id);
    if (!reservation) return undefined;
    held.delete(id);
    for (const scope of reservation.scopes) {
      const book = books.get(scope);
      if (!book) continue;
      book.heldCount -= 1;
      book.reservedUsd = book.heldCount === 0 ? 0 : book.reservedUsd - reservation.amountUsd;
      dropIfEmpty(scope, book);
    }
    return reservation;
  };

  /**
   * Drops expired reservations and forgotten settlements. The reservations are walked only once the first
   * expiry has passed (at most once per reservation lifetime while calls settle), not on every call.
   */
  const prune = (t: number) => {
    if (t >= nextExpiryMs) {
      nextExpiryMs = Number.POSITIVE_INFINITY;
      for (const [id, reservation] of held) {
        if (reservation.expiresAt <= t) unhold(id);
        else nextExpiryMs = Math.min(nextExpiryMs, reservation.expiresAt);
      }
    }
    settled.prune(t);
  };

  /**
   * Spending of a scope in its window: the running sum, re-added from the at most `windowBuckets + 1` buckets
   * only when one of them has left the window (at most once per bucket width while calls come).
   */
  const spentIn = (book: ScopeBook, t: number, windowMs: number): number => {
    if (book.firstEndMs > t - windowMs) return book.spentUsd;
    let spentUsd = 0;
    let firstEndMs = Number.POSITIVE_INFINITY;
    for (const [endMs, usd] of book.buckets) {
      if (endMs > t - windowMs) {
        spentUsd += usd;
        firstEndMs = Math.min(firstEndMs, endMs);
      } else book.buckets.delete(endMs);
    }
    book.spentUsd = spentUsd;
    book.firstEndMs = firstEndMs;
    return spentUsd;
  };

  const statusAt = (scope: string, t: number): BudgetStatus => {
    const budget = budgets.get(scope);
    const windowMs = windowOf(scope);
    const book = books.get(scope);
    let spentUsd = 0;
    let reservedUsd = 0;
    if (book) {
      spentUsd = spentIn(book, t, windowMs);
      reservedUsd = book.reservedUsd;
      dropIfEmpty(scope, book);
    }
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
    for (const scope of scopes) {
      const windowMs = windowOf(scope);
      const book = bookOf(scope);
      const { endMs } = spendBucketEnd(t, windowMs, windowBuckets);
      // Buckets that left the window go first, so the running sum never counts them.
      spentIn(book, t, windowMs);
      book.buckets.set(endMs, (book.buckets.get(endMs) ?? 0) + costUsd);
      book.spentUsd += costUsd;
      book.firstEndMs = Math.min(book.firstEndMs, endMs);
    }
  };

  const ledger: CostLedger = {
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
      if (held.has(reservation.id)) {
        throw new MeshError(
          `generateId returned "${reservation.id}", the id of a reservation still in flight`,
          'internal',
          { details: { field: 'generateId' } },
        );
      }
      held.set(reservation.id, reservation);
      nextExpiryMs = Math.min(nextExpiryMs, reservation.expiresAt);
      for (const scope of scopes) {
        const book = bookOf(scope);
        book.heldCount += 1;
        book.reservedUsd += amountUsd;
      }
      return { ...reservation, scopes: [...scopes] };
    },
    async settle(reservation, actual) {
      const costUsd = costOf(prices, actual);
      checkKey(reservation?.id, 'reservation.id');
      const t = begin();
      // A reservation still in flight has not been settled (a settle ends it), so only one that is not can be
      // a repeat: the record is searched for those alone, and a settle in the usual order only writes to it.
      const inFlight = held.get(reservation.id);
      if (!inFlight) {
        const previous = settled.find(reservation.id, t);
        if (previous !== undefined) return { reservationId: reservation.id, costUsd: previous };
      }
      const scopes = inFlight?.scopes ?? resolveBudgetScopes(reservation.scopes);
      // Recorded before anything is charged: if the record cannot grow, the settle fails and charges nothing.
      settled.remember(reservation.id, costUsd, t);
      unhold(reservation.id);
      charge(t, costUsd, scopes);
      const settlement: Settlement = { reservationId: reservation.id, costUsd };
      return { ...settlement };
    },
    async release(reservation) {
      checkKey(reservation?.id, 'reservation.id');
      begin();
      unhold(reservation.id);
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
      books.clear();
      settled.clear();
    },
  };
  sizesOf.set(ledger, () => {
    let buckets = 0;
    for (const book of books.values()) buckets += book.buckets.size;
    return {
      scopes: books.size,
      buckets,
      reservations: held.size,
      settlements: settled.size,
      settlementBytes: settled.byteLength,
    };
  });
  return ledger;
}
