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
  /** Lease duration in milliseconds. Default 300 000 (the brief's 300 s). */
  ttlMs?: number;
  /** Name of the holder, recorded in the owner token (such as the gateway instance id). */
  owner?: string;
}

/** A lease-based lock shared by every replica. */
export interface DistributedLock {
  /** Takes the lock when free; resolves `undefined` when another holder has it. Never waits. */
  tryAcquire(key: string, options?: LockAcquireOptions): Promise<LockLease | undefined>;
  /** Extends a lease still held by this owner token; resolves `undefined` when it was lost. */
  extend(lease: LockLease, ttlMs: number): Promise<LockLease | undefined>;
  /** Releases a lease if still held by this owner token (compare-and-delete); resolves whether it was. */
  release(lease: LockLease): Promise<boolean>;
  /** The current holder's owner token, or `undefined` when the key is free. */
  holder(key: string): Promise<string | undefined>;
  /** Releases connections and timers (held leases are left to expire). */
  close(): Promise<void>;
}
