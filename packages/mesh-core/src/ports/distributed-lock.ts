/**
 * The distributed-lock port: a lease on a key with an owner, a TTL, verified extend and release, and a
 * fencing token that only grows per key. `withLock` (in `lock/with-lock.ts`) adds acquisition with
 * backoff, a watchdog and abort-on-loss on top of any implementation.
 * Every implementation must pass `distributedLockContract` from `@kidsstories/mesh-core/testing`.
 */

/** A held lease. */
export interface LockLease {
  /** The locked key, such as `generation:2026-11-24:4-6`. */
  key: string;
  /** Unique token of this holding (owner instance id plus a random part); release and extend check it. */
  ownerToken: string;
  /**
   * Fencing token: strictly greater than any token handed out earlier for the same key. A protected
   * resource rejects writes that carry a smaller token than one it has seen.
   */
  fencingToken: number;
  /** When the lease expires unless extended, in epoch milliseconds (by the lock's clock). */
  expiresAt: number;
}

/** Options for {@link DistributedLock.tryAcquire}. */
export interface LockAcquireOptions {
  /**
   * Lease duration in milliseconds.
   * @default 300 000 (the brief's 300 s)
   */
  ttlMs?: number;
  /** Name of the holder, recorded in the owner token (such as the gateway instance id). */
  owner?: string;
}

/** Options for {@link DistributedLock.waitForRelease}. */
export interface LockWaitOptions {
  /** Stops waiting; the call rejects with the signal's reason as a `MeshError` (`canceled` or `deadline_exceeded`). */
  signal?: AbortSignal;
  /**
   * Resolve `false` after this long without a release, in milliseconds.
   * @default no limit (wait for a release, the lease's expiry or `signal`)
   */
  timeoutMs?: number;
}

/** Options for {@link DistributedLock.acquire}. */
export interface LockQueueOptions extends LockAcquireOptions {
  /**
   * Give up after this long, in milliseconds (the call resolves `undefined`); 0 tries once.
   * @default 10 000
   */
  timeoutMs?: number;
  /** Stops waiting; the call rejects with the signal's reason as a `MeshError` (`canceled` or `deadline_exceeded`). */
  signal?: AbortSignal;
}

/** A lease-based lock shared by every replica. */
export interface DistributedLock {
  /** Takes the lock when free; resolves `undefined` when another holder has it. Never waits. */
  tryAcquire(key: string, options?: LockAcquireOptions): Promise<LockLease | undefined>;
  /** Extends a lease still held by this owner token; resolves `undefined` when it was lost. */
  extend(lease: LockLease, ttlMs: number): Promise<LockLease | undefined>;
  /** Releases a lease if still held by this owner token (compare-and-delete); resolves whether it was. */
  release(lease: LockLease): Promise<boolean>;
  /**
   * Optional: resolves once `key` may have become free (a release was observed, the lease the last failed
   * `tryAcquire` saw has expired, or the implementation could have missed a release, such as right after it
   * started listening or reconnected), so a waiter retries at once instead of sleeping out a backoff
   * (Redisson's unlock notification). Resolves `true` for those, `false` when `timeoutMs` ran out first.
   * A hint only: the caller must still win `tryAcquire`, and must keep a backoff as the fallback since
   * notifications can be lost. `acquireLock` uses it when present.
   *
   * @throws {MeshError} `canceled` / `deadline_exceeded` when `signal` aborts; `unavailable` when the
   *   implementation cannot listen (callers fall back to their backoff).
   */
  waitForRelease?(key: string, options?: LockWaitOptions): Promise<boolean>;
  /**
   * Optional: takes `key`, waiting up to `timeoutMs` in a fair queue when it is held: the releasing holder
   * hands the lease straight to the first live waiter (FIFO by wait deadline), so a contended key is passed
   * on in one release instead of a wake-up herd and a race of retries. Resolves `undefined` when the time
   * ran out; a waiter that gives up leaves the queue, and gives back a lease handed to it meanwhile.
   * `acquireLock` uses it when present (the Redis lock has it).
   *
   * @throws {MeshError} `canceled` / `deadline_exceeded` when `signal` aborts; `invalid_argument` for a bad
   *   key, `ttlMs` or `timeoutMs`; whatever the backing store rejects with.
   */
  acquire?(key: string, options?: LockQueueOptions): Promise<LockLease | undefined>;
  /** The current holder's owner token, or `undefined` when the key is free. */
  holder(key: string): Promise<string | undefined>;
  /** Releases connections and timers (held leases are left to expire). */
  close(): Promise<void>;
}
