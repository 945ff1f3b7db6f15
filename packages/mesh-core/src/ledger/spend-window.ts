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
 * How long after a reservation's expiry a settled reservation is remembered, in milliseconds (10 min): settling
 * it again within that time records nothing more. Later repeats are charged again.
 */
export const DEFAULT_SETTLED_RETENTION_MS = 600_000;

/** Width of the time buckets that group settled-reservation records by expiry, in milliseconds (1 min). */
export const SETTLED_BUCKET_MS = 60_000;

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

/**
 * The end of the bucket that records the settlement of a reservation expiring at `expiresAt`; the record is
 * kept until that end plus the retention. Both settle calls of one reservation carry the same `expiresAt`, so
 * they find the same bucket.
 */
export function settledBucketEnd(expiresAt: number): number {
  return (Math.floor(expiresAt / SETTLED_BUCKET_MS) + 1) * SETTLED_BUCKET_MS;
}
