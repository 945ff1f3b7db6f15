import { settledBuckets } from '../ledger/spend-window.js';
import { createFlatIdMap, createIdHasher, type FlatIdMap } from './flat-id-map.js';

/**
 * The in-memory cost ledger's record of settlements (issue 20): the cost each reservation id was settled at, so
 * a repeated settle within the retention returns the first cost and charges nothing. Settlements are grouped by
 * the retention bucket of their settle time (see `settledBuckets`), each bucket a {@link FlatIdMap}, and a whole
 * bucket is dropped two retentions after its start: each settlement is kept between one and two retentions,
 * and the record never holds more than two retentions' worth. Ids are compared exactly.
 */
export interface SettlementRecord {
  /** Settlements held, over every bucket. */
  readonly size: number;
  /** Bytes of the typed arrays holding them. */
  readonly byteLength: number;
  /** The cost `id` was settled at within the retention (current or previous bucket), else `undefined`. */
  find(id: string, nowMs: number): number | undefined;
  /**
   * Records that `id` was settled at `costUsd` now. Throws (a `resource_exhausted` `MeshError`, or a
   * `RangeError` when memory for a bigger bucket cannot be had) before recording anything.
   */
  remember(id: string, costUsd: number, nowMs: number): void;
  /** Drops the buckets that are two retentions old at `nowMs`: work bounded by the number of buckets held. */
  prune(nowMs: number): void;
  /** Forgets every settlement. */
  clear(): void;
}

/** Options for {@link createSettlementRecord}. */
export interface SettlementRecordOptions {
  /** How long a settlement is at least remembered, in milliseconds (a bucket's width). */
  retentionMs: number;
  /** Hash of an id for the buckets' maps. Default one {@link createIdHasher} with a random seed. */
  hash?: (id: string) => number;
}

/**
 * Makes an empty {@link SettlementRecord}.
 *
 * @example
 * ```ts
 * const record = createSettlementRecord({ retentionMs: 600_000 });
 * record.remember('r1', 0.002, Date.now());
 * record.find('r1', Date.now()); // 0.002
 * ```
 */
export function createSettlementRecord(options: SettlementRecordOptions): SettlementRecord {
  const { retentionMs } = options;
  // One hasher for every bucket: it remembers the last id, so a settle hashes its id once for both buckets.
  const hash = options.hash ?? createIdHasher();
  // By the start of their settle-time bucket, in epoch milliseconds: whole buckets are forgotten at once.
  const buckets = new Map<number, FlatIdMap>();

  return {
    get size() {
      let size = 0;
      for (const bucket of buckets.values()) size += bucket.size;
      return size;
    },
    get byteLength() {
      let bytes = 0;
      for (const bucket of buckets.values()) bytes += bucket.byteLength;
      return bytes;
    },
    find(id, nowMs) {
      const { currentStartMs, previousStartMs } = settledBuckets(nowMs, retentionMs);
      return buckets.get(currentStartMs)?.get(id) ?? buckets.get(previousStartMs)?.get(id);
    },
    remember(id, costUsd, nowMs) {
      const { currentStartMs } = settledBuckets(nowMs, retentionMs);
      let bucket = buckets.get(currentStartMs);
      if (!bucket) {
        bucket = createFlatIdMap({ hash });
        buckets.set(currentStartMs, bucket);
      }
      bucket.set(id, costUsd);
    },
    prune(nowMs) {
      for (const startMs of buckets.keys()) {
        if (startMs + 2 * retentionMs <= nowMs) buckets.delete(startMs);
      }
    },
    clear() {
      buckets.clear();
    },
  };
}
