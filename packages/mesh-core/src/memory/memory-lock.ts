import { abortError } from '../errors/abort-error.js';
import { MeshError } from '../errors/mesh-error.js';
import type { DistributedLock, LockLease } from '../ports/distributed-lock.js';
import { checkKey, checkTtlMs, closedError } from './validate.js';

/** Options for {@link createMemoryLock}. */
export interface MemoryLockOptions {
  /**
   * Clock for lease expiry, in epoch milliseconds.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Source of randomness for owner tokens, returning a number in [0, 1).
   * @default Math.random
   */
  random?: () => number;
  /**
   * Holder name used when `tryAcquire` gets no `owner`.
   * @default `memory-<pid>`
   */
  instanceId?: string;
  /**
   * Lease duration when `tryAcquire` gets no `ttlMs`, in milliseconds.
   * @default 300_000 (300 s, DEFAULT_LOCK_TTL_MS)
   */
  defaultTtlMs?: number;
}

/** Default lease duration of a lock, in milliseconds: the brief's 300 s generation lock. */
export const DEFAULT_LOCK_TTL_MS = 300_000;

/** The defaults of {@link MemoryLockOptions} (`now`, `random` and `instanceId` default to `Date.now`, `Math.random` and `memory-<pid>`). */
export const DEFAULT_MEMORY_LOCK = Object.freeze({ defaultTtlMs: DEFAULT_LOCK_TTL_MS });

/** {@link MemoryLockOptions} with every default applied and checked. */
export type ResolvedMemoryLockOptions = Required<MemoryLockOptions>;

/**
 * Applies {@link DEFAULT_MEMORY_LOCK} to `options` and checks them once.
 *
 * @throws MeshError `invalid_argument` when `defaultTtlMs` is not a number of milliseconds above 0.
 */
export function resolveMemoryLockOptions(options: MemoryLockOptions = {}): ResolvedMemoryLockOptions {
  return {
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    instanceId: options.instanceId ?? `memory-${process.pid}`,
    defaultTtlMs: checkTtlMs(options.defaultTtlMs ?? DEFAULT_MEMORY_LOCK.defaultTtlMs, 'defaultTtlMs'),
  };
}

interface Held {
  ownerToken: string;
  expiresAt: number;
}

/** Leases held before the first sweep of expired, never-released ones. */
const MIN_SWEEP_LEASES = 1_024;

const keyCountOf = new WeakMap<DistributedLock, () => number>();

/**
 * How many keys a lock from {@link createMemoryLock} keeps a record of (leases, expired ones not yet swept
 * included, and keys with waiters), for tests and sizing; `undefined` for any other lock.
 */
export function memoryLockKeyCount(lock: DistributedLock): number | undefined {
  return keyCountOf.get(lock)?.();
}

interface Waiter {
  wake: () => void;
  fail: (error: MeshError) => void;
}

/**
 * A {@link DistributedLock} for the replicas of one process (and the double for unit tests). Leases expire
 * against the injected clock; fencing tokens come from one counter for the life of the lock object, so they
 * only grow per key and a token is never handed out twice, even after release or expiry. A released key leaves
 * nothing behind, and leases that expired unreleased are swept whenever the record has doubled (at least
 * 1 024), so memory follows the keys in use, not every key ever locked.
 *
 * `waitForRelease` resolves at once when the key is free and otherwise on the next `release` of it (every
 * local waiter wakes; only one wins the following `tryAcquire`). It does not watch expiry (the clock is
 * injected and may be manual), so callers keep their backoff as the fallback, as `acquireLock` does; its
 * optional `timeoutMs` runs on a real timer.
 *
 * @example
 * ```ts
 * const lock = createMemoryLock({ instanceId: 'gateway-1' });
 * const lease = await lock.tryAcquire('generation:2026-11-24:4-6', { ttlMs: 30_000 });
 * if (lease) await lock.release(lease);
 * ```
 */
export function createMemoryLock(options: MemoryLockOptions = {}): DistributedLock {
  const { now, random, instanceId, defaultTtlMs } = resolveMemoryLockOptions(options);
  const held = new Map<string, Held>();
  // One counter for every key (issue 20): tokens still only grow per key, and a lock used once per story or run
  // leaves nothing behind, where a counter per key would be kept forever.
  let lastFencingToken = 0;
  let sweepAt = MIN_SWEEP_LEASES;
  const waiters = new Map<string, Set<Waiter>>();
  let closed = false;

  const wakeWaiters = (key: string) => {
    const waiting = waiters.get(key);
    if (!waiting) return;
    waiters.delete(key);
    for (const waiter of waiting) waiter.wake();
  };

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

  const lock: DistributedLock = {
    async tryAcquire(key, acquireOptions = {}) {
      open(key);
      const ttlMs = checkTtlMs(acquireOptions.ttlMs ?? defaultTtlMs);
      if (current(key)) return undefined;
      const owner = acquireOptions.owner ?? instanceId;
      lastFencingToken += 1;
      const fencingToken = lastFencingToken;
      if (held.size >= sweepAt) {
        // Leases that expired unreleased on keys nobody asked about again: dropped once the map has doubled.
        const at = now();
        for (const [heldKey, lease] of held) if (lease.expiresAt <= at) held.delete(heldKey);
        sweepAt = Math.max(MIN_SWEEP_LEASES, 2 * held.size);
      }
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
      wakeWaiters(lease.key);
      return true;
    },
    async waitForRelease(key, waitOptions = {}) {
      open(key);
      const { signal, timeoutMs } = waitOptions;
      if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
        throw new MeshError('timeoutMs must be a finite number of milliseconds >= 0', 'invalid_argument', {
          details: { field: 'timeoutMs' },
        });
      }
      if (signal?.aborted) throw abortError(signal);
      if (!current(key)) return true;
      return new Promise<boolean>((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const cleanup = () => {
          const waiting = waiters.get(key);
          waiting?.delete(waiter);
          if (waiting?.size === 0) waiters.delete(key);
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const waiter: Waiter = {
          wake: () => {
            cleanup();
            resolve(true);
          },
          fail: (error) => {
            cleanup();
            reject(error);
          },
        };
        const onAbort = () => waiter.fail(abortError(signal as AbortSignal));
        let waiting = waiters.get(key);
        if (!waiting) {
          waiting = new Set();
          waiters.set(key, waiting);
        }
        waiting.add(waiter);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            cleanup();
            resolve(false);
          }, timeoutMs);
        }
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async holder(key) {
      open(key);
      return current(key)?.ownerToken;
    },
    async close() {
      closed = true;
      held.clear();
      for (const waiting of [...waiters.values()]) {
        for (const waiter of waiting) waiter.fail(closedError('lock'));
      }
      waiters.clear();
    },
  };
  keyCountOf.set(lock, () => held.size + waiters.size);
  return lock;
}
