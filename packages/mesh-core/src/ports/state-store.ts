/**
 * The state-store port: hashes with TTL, append-only streams with consumer groups, and sorted sets.
 * The in-memory implementation is the embedded default; `@kidsstories/mesh-redis` implements it on Redis.
 * Every implementation must pass `stateStoreContract` from `@kidsstories/mesh-core/testing`.
 */

/** One entry read from a stream through a consumer group. */
export interface StreamEntry {
  /** The entry id, ordered (`<ms>-<seq>`, as in Redis). */
  id: string;
  /** The entry's fields. */
  fields: Record<string, string>;
  /** How many times the entry has been delivered to a consumer of this group, this delivery included. */
  deliveryCount: number;
}

/** Options for {@link StateStore.streamAppend}. */
export interface StreamAppendOptions {
  /**
   * Trim the stream to about this many entries.
   * @default no trimming
   */
  maxLength?: number;
}

/** Options for {@link StateStore.streamReadGroup}. */
export interface StreamReadOptions {
  /**
   * Most entries to return.
   * @default 10
   */
  count?: number;
  /**
   * Wait up to this long for new entries when none are ready, in milliseconds.
   * @default 0 (do not wait)
   */
  blockMs?: number;
  /** Stops a blocking read early: the read rejects with a `MeshError` `canceled`. */
  signal?: AbortSignal;
}

/** Options for {@link StateStore.streamClaimIdle}. */
export interface StreamClaimOptions {
  /** Only entries pending (delivered, not acknowledged) for at least this long, in milliseconds. */
  minIdleMs: number;
  /**
   * Most entries to claim.
   * @default 10
   */
  count?: number;
}

/** Summary of a group's pending entries. */
export interface StreamPendingSummary {
  /** Entries delivered but not acknowledged. */
  count: number;
  /** Pending entries per consumer name. */
  consumers: Record<string, number>;
}

/** A member of a sorted set with its score. */
export interface ScoredMember {
  member: string;
  score: number;
}

/** Shared state for the mesh. All methods reject with a `MeshError` (`unavailable` when the backend is down). */
export interface StateStore {
  /** Sets fields of a hash. With `ttlMs`, (re)sets the key's time to live. */
  hashSet(key: string, fields: Record<string, string>, options?: { ttlMs?: number }): Promise<void>;
  /** One field of a hash, or `undefined` when the key or field is missing or expired. */
  hashGet(key: string, field: string): Promise<string | undefined>;
  /** All fields of a hash, or `undefined` when the key is missing or expired. */
  hashGetAll(key: string): Promise<Record<string, string> | undefined>;
  /** Deletes a key of any kind. Resolves `true` when it existed. */
  delete(key: string): Promise<boolean>;
  /** Sets a key's time to live. Resolves `false` when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining time to live in milliseconds, `undefined` when the key is missing, `Infinity` with no TTL. */
  ttl(key: string): Promise<number | undefined>;

  /** Appends an entry to a stream (creating it) and resolves its id. */
  streamAppend(
    stream: string,
    fields: Record<string, string>,
    options?: StreamAppendOptions,
  ): Promise<string>;
  /**
   * Creates a consumer group (and the stream when missing). Idempotent: an existing group is left as is.
   * `startId` `'0'` delivers the whole stream, `'$'` (default) only entries appended afterwards.
   */
  streamCreateGroup(stream: string, group: string, options?: { startId?: '0' | '$' }): Promise<void>;
  /**
   * Reads entries never delivered to the group, on behalf of `consumer`; they stay pending until acknowledged.
   * A missing group or stream rejects with a `MeshError` `not_found` whose `details.reason` is `'NOGROUP'`
   * (also from `streamClaimIdle` and `streamPending`); see `isNoGroupError` in `streams/stream-consumer.ts`.
   */
  streamReadGroup(
    stream: string,
    group: string,
    consumer: string,
    options?: StreamReadOptions,
  ): Promise<StreamEntry[]>;
  /** Acknowledges entries; resolves how many were pending. */
  streamAck(stream: string, group: string, ids: readonly string[]): Promise<number>;
  /**
   * Transfers entries pending longer than `minIdleMs` to `consumer` and returns them with their delivery
   * count incremented: how unacknowledged work is redelivered.
   */
  streamClaimIdle(
    stream: string,
    group: string,
    consumer: string,
    options: StreamClaimOptions,
  ): Promise<StreamEntry[]>;
  /** The group's pending entries. */
  streamPending(stream: string, group: string): Promise<StreamPendingSummary>;
  /** Entries of a stream in id order, regardless of groups (for inspection and dead-letter streams). */
  streamRange(
    stream: string,
    options?: { start?: string; end?: string; count?: number },
  ): Promise<StreamEntry[]>;
  /** Number of entries in a stream (0 when missing). */
  streamLength(stream: string): Promise<number>;

  /** Adds or updates a member's score. */
  sortedSetAdd(key: string, member: string, score: number): Promise<void>;
  /** Members with `min <= score <= max`, by ascending score. */
  sortedSetRangeByScore(key: string, min: number, max: number): Promise<ScoredMember[]>;
  /** Removes members with `min <= score <= max`; resolves how many. */
  sortedSetRemoveByScore(key: string, min: number, max: number): Promise<number>;
  /** Removes one member; resolves `true` when it was there. */
  sortedSetRemove(key: string, member: string): Promise<boolean>;

  /** Releases connections and timers. */
  close(): Promise<void>;
}
