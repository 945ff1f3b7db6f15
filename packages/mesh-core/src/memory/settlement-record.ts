import { MeshError } from '../errors/mesh-error.js';
import { settledBuckets } from '../ledger/spend-window.js';
import { checkInteger } from '../options/check-options.js';
import { createFlatIdMap, createIdHasher, type FlatIdMap } from './flat-id-map.js';

/**
 * The in-memory cost ledger's record of settlements (issue 20): the cost each reservation id was settled at, so
 * a repeated settle within the retention returns the first cost and charges nothing. Settlements are grouped by
 * the retention bucket of their settle time (see `settledBuckets`), and a whole bucket is dropped two retentions
 * after its start: each settlement is kept between one and two retentions, and the record never holds more than
 * two retentions' worth. Ids are compared exactly.
 *
 * A bucket is a list of {@link FlatIdMap} chunks of at most `chunkEntries` ids each, not one table: a settle
 * writes into the newest chunk, a table of a few hundred kilobytes that stays in the processor's caches however
 * many settlements the record holds. One table per bucket grew to 12 MB at 200 000 settlements, and each insert
 * into it missed the caches: a call of the ledger cost up to a third more than with 1 000 (issue 20). A lookup,
 * which only a settle of a reservation no longer in flight makes, probes every chunk of the two buckets.
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
  /**
   * Ids a chunk holds before the next settle starts a new one.
   * @default 4096 (DEFAULT_SETTLEMENT_CHUNK_ENTRIES)
   */
  chunkEntries?: number;
}

/**
 * Ids in one chunk of a retention bucket: its slots take 64 KB and its entries 64 KB plus the ids' characters
 * (144 KB for UUIDs), small enough to stay in a core's caches between settles.
 */
export const DEFAULT_SETTLEMENT_CHUNK_ENTRIES = 4096;

/** The largest `chunkEntries`: the largest table a {@link FlatIdMap} makes at once. */
const MAX_CHUNK_ENTRIES = 2 ** 24;

/** A retention bucket's chunks, oldest first; only the last one is written to. */
type Bucket = FlatIdMap[];

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
  const chunkEntries = checkInteger(options.chunkEntries ?? DEFAULT_SETTLEMENT_CHUNK_ENTRIES, 'chunkEntries');
  // A chunk is made whole at once: the id maps take at most 2^24 entries, so say so under this option's name.
  if (chunkEntries > MAX_CHUNK_ENTRIES) {
    throw new MeshError(
      `chunkEntries must be at most ${MAX_CHUNK_ENTRIES}, got ${chunkEntries}`,
      'invalid_argument',
      { details: { field: 'chunkEntries', limit: MAX_CHUNK_ENTRIES } },
    );
  }
  // One hasher for every chunk: it remembers the last id, so a settle hashes its id once for all of them.
  const hash = options.hash ?? createIdHasher();
  // By the start of their settle-time bucket, in epoch milliseconds: whole buckets are forgotten at once.
  const buckets = new Map<number, Bucket>();
  const sum = (of: (chunk: FlatIdMap) => number) => {
    let total = 0;
    for (const bucket of buckets.values()) for (const chunk of bucket) total += of(chunk);
    return total;
  };
  /** The cost `id` was settled at in `bucket`, newest chunk first. */
  const findIn = (bucket: Bucket | undefined, id: string): number | undefined => {
    if (!bucket) return undefined;
    for (let index = bucket.length - 1; index >= 0; index -= 1) {
      const costUsd = bucket[index]!.get(id);
      if (costUsd !== undefined) return costUsd;
    }
    return undefined;
  };

  return {
    get size() {
      return sum((chunk) => chunk.size);
    },
    get byteLength() {
      return sum((chunk) => chunk.byteLength);
    },
    find(id, nowMs) {
      const { currentStartMs, previousStartMs } = settledBuckets(nowMs, retentionMs);
      return findIn(buckets.get(currentStartMs), id) ?? findIn(buckets.get(previousStartMs), id);
    },
    remember(id, costUsd, nowMs) {
      const { currentStartMs } = settledBuckets(nowMs, retentionMs);
      let bucket = buckets.get(currentStartMs);
      if (!bucket) {
        // The first chunk of a bucket starts small and doubles as it fills (a quiet ledger holds a few
        // kilobytes); once a bucket has filled a chunk, the next ones are made whole at once.
        bucket = [createFlatIdMap({ hash, initialCapacity: Math.min(64, chunkEntries) })];
        buckets.set(currentStartMs, bucket);
      }
      let chunk = bucket.at(-1)!;
      if (chunk.size >= chunkEntries) {
        chunk = createFlatIdMap({ hash, initialCapacity: chunkEntries });
        bucket.push(chunk);
      }
      chunk.set(id, costUsd);
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
