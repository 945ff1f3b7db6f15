import type { DistributedLock, LockLease } from '../ports/distributed-lock.js';
import { checkKey, checkTtlMs, closedError } from './validate.js';

/** Options for {@link createMemoryLock}. */
export interface MemoryLockOptions {
  /** Clock for lease expiry, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Source of randomness for owner tokens, returning a number in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Holder name used when `tryAcquire` gets no `owner`. Default `memory-<pid>`. */
  instanceId?: string;
  /** Lease duration when `tryAcquire` gets no `ttlMs`, in milliseconds. Default 300 000 (300 s). */
  defaultTtlMs?: number;
}

/** Default lease duration of a lock, in milliseconds: the brief's 300 s generation lock. */
export const DEFAULT_LOCK_TTL_MS = 300_000;

interface Held {
  ownerToken: string;
  expiresAt: number;
}

/**
 * A {@link DistributedLock} for the replicas of one process (and the double for unit tests). Leases expire
 * against the injected clock; fencing tokens count up per key for the life of the lock object, so a
 * token is never handed out twice for a key even after release or expiry.
 *
 * @example
 * ```ts
 * const lock = createMemoryLock({ instanceId: 'gateway-1' });
 * const lease = await lock.tryAcquire('generation:2026-11-24:4-6', { ttlMs: 30_000 });
 * if (lease) await lock.release(lease);
 * ```
 */
export function createMemoryLock(options: MemoryLockOptions = {}): DistributedLock {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const instanceId = options.instanceId ?? `memory-${process.pid}`;
  const defaultTtlMs = checkTtlMs(options.defaultTtlMs ?? DEFAULT_LOCK_TTL_MS, 'defaultTtlMs');
  const held = new Map<string, Held>();
  const fencing = new Map<string, number>();
  let closed = false;

  const current = (key: string): Held | undefined => {
    const lease = held.get(key);
    if (lease && lease.expiresAt <= now()) {
      held.delete(key);
      return undefined;
    }
    return lease;
  };

  const randomPart = () =>
    Array.from({ length: 4 }, () =>
      Math.floor(random() * 0x10000)
        .toString(16)
        .padStart(4, '0'),
    ).join('');

  const open = (key: string) => {
    if (closed) throw closedError('lock');
    checkKey(key);
  };

  return {
    async tryAcquire(key, acquireOptions = {}) {
      open(key);
      const ttlMs = checkTtlMs(acquireOptions.ttlMs ?? defaultTtlMs);
      if (current(key)) return undefined;
      const owner = acquireOptions.owner ?? instanceId;
      const fencingToken = (fencing.get(key) ?? 0) + 1;
      fencing.set(key, fencingToken);
      const lease: LockLease = {
        key,
        ownerToken: `${owner}:${randomPart()}`,
        fencingToken,
        expiresAt: now() + ttlMs,
      };
      held.set(key, { ownerToken: lease.ownerToken, expiresAt: lease.expiresAt });
      return lease;
    },
    async extend(lease, ttlMs) {
      open(lease.key);
      checkTtlMs(ttlMs);
      const holding = current(lease.key);
      if (holding?.ownerToken !== lease.ownerToken) return undefined;
      holding.expiresAt = now() + ttlMs;
      return { ...lease, expiresAt: holding.expiresAt };
    },
    async release(lease) {
      open(lease.key);
      const holding = current(lease.key);
      if (holding?.ownerToken !== lease.ownerToken) return false;
      held.delete(lease.key);
      return true;
    },
    async holder(key) {
      open(key);
      return current(key)?.ownerToken;
    },
    async close() {
      closed = true;
      held.clear();
    },
  };
}
