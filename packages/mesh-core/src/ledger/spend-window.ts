/**
 * Time buckets of a cost ledger (issue 20): spending is kept as one running sum per scope and time bucket, so
 * the work of a reservation and the memory of a ledger do not depend on how many calls came before. Both
 * ledgers (in memory and on Redis) use these rules, so they give the same answers.
 *
 * A budget window of `windowMs` is cut into `windowBuckets` buckets of `ceil(windowMs / windowBuckets)` ms. A
 * charge made at time `t` lands in the bucket that ends at `spendBucketEnd(t, …)` and counts while that end is
 * later than `now - windowMs`: a charge counts for at least the window and at most one bucket longer. The
 * bucket width is therefore the precision of the window (1 minute for the default 1 h window in 60 buckets),
 * and it errs on the side of counting spending a little longer, never shorter.
 */

/** Buckets one budget window is cut into (1 minute each for a 1 h window). */
export const DEFAULT_WINDOW_BUCKETS = 60;

/**
 * How long a settlement is remembered, in milliseconds (10 min): settling the same reservation again within that
 * time (a retried call, a journal replayed after a Redis outage) records nothing more. Records are grouped in
 * buckets of this width by the time of the settlement, so each lives between one and two retentions, and the
 * ledger holds at most two retentions' worth of settlements, whatever the number of calls before.
 */
export const DEFAULT_SETTLED_RETENTION_MS = 600_000;

/** A spend bucket: where a charge lands and how long the bucket counts. */
export interface SpendBucket {
  /** End of the bucket (exclusive), in epoch milliseconds; the bucket counts while `endMs > now - windowMs`. */
  endMs: number;
  /** Width of the bucket, in milliseconds (the precision of the window). */
  widthMs: number;
}

/**
 * The bucket a charge made at `nowMs` lands in, for a window of `windowMs` cut into `windowBuckets` buckets.
 *
 * @example
 * ```ts
 * spendBucketEnd(125_000, 3_600_000); // { endMs: 180_000, widthMs: 60_000 }
 * ```
 */
export function spendBucketEnd(
  nowMs: number,
  windowMs: number,
  windowBuckets: number = DEFAULT_WINDOW_BUCKETS,
): SpendBucket {
  const widthMs = Math.max(1, Math.ceil(windowMs / windowBuckets));
  return { endMs: (Math.floor(nowMs / widthMs) + 1) * widthMs, widthMs };
}

/** Where a settlement made now is recorded, and where an earlier one may be found. */
export interface SettledBuckets {
  /** Start of the bucket a settlement made now goes into, in epoch milliseconds. */
  currentStartMs: number;
  /** Start of the bucket before it (still searched: it holds settlements younger than the retention). */
  previousStartMs: number;
  /** How much longer the current bucket is kept, in milliseconds (it is dropped two retentions after its start). */
  keepMs: number;
}

/**
 * The settlement-record buckets at `nowMs` for a retention of `retentionMs` (see
 * {@link DEFAULT_SETTLED_RETENTION_MS}): a settle looks in both, and records into the current one.
 *
 * @example
 * ```ts
 * settledBuckets(1_250_000, 600_000); // { currentStartMs: 1_200_000, previousStartMs: 600_000, keepMs: 1_150_000 }
 * ```
 */
export function settledBuckets(
  nowMs: number,
  retentionMs: number = DEFAULT_SETTLED_RETENTION_MS,
): SettledBuckets {
  const currentStartMs = Math.floor(nowMs / retentionMs) * retentionMs;
  return {
    currentStartMs,
    previousStartMs: currentStartMs - retentionMs,
    keepMs: Math.max(1, Math.ceil(currentStartMs + 2 * retentionMs - nowMs)),
  };
}
