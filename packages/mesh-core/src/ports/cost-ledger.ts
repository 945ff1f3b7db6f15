/**
 * The cost-ledger port: reserve the worst case before a model call, settle to the actual usage after, and
 * never let concurrent callers spend past a budget. Budgets apply per scope (`global`, `day`, `server:media`,
 * `tool:generate_image`…) over a time window. The pure helpers in `ledger/pricing.ts` (`costOf`,
 * `adviseTier`) are shared by every implementation so their answers are identical.
 * Every implementation must pass `costLedgerContract` from `@kidsstories/mesh-core/testing`.
 */

/** Prices of one model. Every field is optional; a usage is charged for each unit it reports. */
export interface ModelPrice {
  /** USD per million input (prompt) tokens. */
  inputPerMillionTokensUsd?: number;
  /** USD per million output (completion) tokens. */
  outputPerMillionTokensUsd?: number;
  /** USD per generated image. */
  perImageUsd?: number;
  /** USD per second of generated audio or video. */
  perSecondUsd?: number;
  /** USD per million characters of input (speech synthesis). */
  perMillionCharactersUsd?: number;
  /** USD per request, on top of the rest. */
  perRequestUsd?: number;
}

/** Prices per model name (`gpt-4o`, `dall-e-3`, `runware:kling-2.1`…). */
export type PriceTable = Record<string, ModelPrice>;

/** What a call consumed (or, for a reservation, may consume at most). */
export interface Usage {
  /** The model; must be in the price table unless {@link Usage.costUsd} is given. */
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
  seconds?: number;
  characters?: number;
  requests?: number;
  /** An explicit cost in USD, overriding the price table. */
  costUsd?: number;
}

/** A budget on one scope. */
export interface Budget {
  /** Most USD that may be spent (settled plus reserved) in one window. */
  limitUsd: number;
  /** Length of the sliding window in milliseconds. Default 3 600 000 (the brief's 1 h accumulator). */
  windowMs?: number;
}

/** Where a scope stands now. */
export interface BudgetStatus {
  scope: string;
  /** `Infinity` when the scope has no budget. */
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  /** `limitUsd - spentUsd - reservedUsd`, never below 0. */
  remainingUsd: number;
  windowMs: number;
}

/** Model tier the ledger advises for the next call, from the remaining share of the tightest budget. */
export type TierAdvice = 'premium' | 'standard' | 'economy' | 'halt';

/** Options for {@link CostLedger.reserve}. */
export interface ReserveOptions {
  /**
   * Scopes charged; `global` is always charged too.
   * @default [] (`global` only)
   */
  scopes?: readonly string[];
  /**
   * A reservation not settled or released within this time is dropped.
   * @default 300 000 ms
   */
  ttlMs?: number;
  /** Budget id carried by the request, recorded with the entry. */
  budgetId?: string;
}

/** A held reservation. */
export interface Reservation {
  id: string;
  /** Every scope charged, `global` included. */
  scopes: readonly string[];
  /** The reserved worst case, in USD. */
  amountUsd: number;
  /** When the reservation lapses, in epoch milliseconds. */
  expiresAt: number;
}

/** The result of settling a reservation. */
export interface Settlement {
  reservationId: string;
  /** The actual cost, in USD (may exceed the reservation; it is recorded anyway). */
  costUsd: number;
}

/** The cost ledger shared by every node. */
export interface CostLedger {
  /** The price table in force (`EMPTY_PRICE_TABLE` when the ledger was given none). */
  readonly prices: PriceTable;
  /** Sets (or with `undefined` removes) the budget of a scope. */
  setBudget(scope: string, budget: Budget | undefined): Promise<void>;
  /**
   * Atomically reserves the cost of `worstCase` on every scope. Rejects with a `MeshError`
   * `resource_exhausted` (details `scope`, `remainingUsd`) when any scope would go over its budget.
   */
  reserve(worstCase: Usage, options?: ReserveOptions): Promise<Reservation>;
  /** Replaces a reservation by the actual usage. Settling twice, or after expiry, records the cost once. */
  settle(reservation: Reservation, actual: Usage): Promise<Settlement>;
  /** Drops a reservation without charging (the call did not happen). */
  release(reservation: Reservation): Promise<void>;
  /** Records usage that was not reserved (never rejected; may overshoot). */
  record(actual: Usage, options?: Pick<ReserveOptions, 'scopes' | 'budgetId'>): Promise<Settlement>;
  /** Where a scope stands. */
  status(scope?: string): Promise<BudgetStatus>;
  /** The tier advice for the tightest of `scopes` (and `global`). */
  advise(scopes?: readonly string[]): Promise<TierAdvice>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
