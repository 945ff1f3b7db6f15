import { abortError } from '../errors/abort-error.js';
import { MeshError } from '../errors/mesh-error.js';
import { checkNonNegative, checkPositive } from '../options/check-options.js';
import type { DistributedLock, LockLease } from '../ports/distributed-lock.js';
import {
  type BackoffOptions,
  backoffDelayMs,
  type ResolvedBackoffOptions,
  resolveBackoffOptions,
} from '../resilience/backoff.js';

/** Waits `ms` milliseconds; rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Options for {@link acquireLock}. The wait between tries is the shared {@link BackoffOptions} (defaults in
 * {@link DEFAULT_ACQUIRE_LOCK}: 50 ms doubling to 800 ms, full jitter).
 */
export interface AcquireLockOptions extends BackoffOptions {
  /**
   * Lease duration in milliseconds.
   * @default 300 000 (300 s)
   */
  ttlMs?: number;
  /**
   * Holder name recorded in the owner token.
   * @default the lock's own instance id
   */
  owner?: string;
  /**
   * Give up after this long, in milliseconds; 0 tries once.
   * @default 10 000 ({@link DEFAULT_LOCK_TIMEOUT_MS})
   */
  acquireTimeoutMs?: number;
  /**
   * First backoff cap, in milliseconds.
   * @deprecated Use `initialDelayMs` (the shared backoff vocabulary); still read when `initialDelayMs` is unset.
   */
  minDelayMs?: number;
  /**
   * Stops waiting; the call rejects with the signal's reason as a `MeshError` (`canceled` or `deadline_exceeded`).
   * @default none
   */
  signal?: AbortSignal;
  /**
   * Randomness for the jitter, in [0, 1).
   * @default `Math.random`
   */
  random?: () => number;
  /**
   * How to wait between attempts.
   * @default {@link createTimerSleep}
   */
  sleep?: Sleep;
  /**
   * Clock for the acquire timeout, in milliseconds.
   * @default `Date.now`
   */
  now?: () => number;
}

/**
 * How long a lock acquisition waits for a held key by default, in milliseconds: the one place of this default for
 * {@link acquireLock}, `withLock` and the Redis lock's queued `acquire`.
 */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** Defaults of {@link acquireLock}, `withLock` and the generation lock. */
export const DEFAULT_ACQUIRE_LOCK = Object.freeze({
  /** @default 300 000 ms */
  ttlMs: 300_000,
  /** @default 10 000 ms */
  acquireTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
  /** @default 50 ms */
  initialDelayMs: 50,
  /** @default 800 ms */
  maxDelayMs: 800,
  /** @default 2 */
  multiplier: 2,
  /** @default 1 (full jitter) */
  jitter: 1,
});

/**
 * A {@link Sleep} on `setTimeout`: the timer is cleared, and the promise rejected, when the signal aborts.
 * With `ref: false` the timer does not keep Node running (for watchdogs).
 */
export function createTimerSleep(ref = true): Sleep {
  return (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal as AbortSignal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      if (!ref) timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
}

/** {@link AcquireLockOptions} with every default applied and every value checked. */
export interface ResolvedAcquireLockOptions {
  ttlMs: number;
  owner: string | undefined;
  acquireTimeoutMs: number;
  /** The wait between tries; its first cap never above its largest. */
  backoff: ResolvedBackoffOptions;
  signal: AbortSignal | undefined;
  random: () => number;
  sleep: Sleep;
  now: () => number;
}

/**
 * Applies {@link DEFAULT_ACQUIRE_LOCK} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: a `ttlMs` not above 0, an `acquireTimeoutMs` below 0, a bad
 *   backoff option.
 * @example
 * ```ts
 * resolveAcquireLockOptions({ acquireTimeoutMs: 5_000 }).ttlMs; // 300000
 * ```
 */
export function resolveAcquireLockOptions(options: AcquireLockOptions = {}): ResolvedAcquireLockOptions {
  const given = resolveBackoffOptions(
    { ...options, initialDelayMs: options.initialDelayMs ?? options.minDelayMs },
    DEFAULT_ACQUIRE_LOCK,
  );
  return {
    ttlMs: checkPositive(options.ttlMs ?? DEFAULT_ACQUIRE_LOCK.ttlMs, 'ttlMs'),
    owner: options.owner,
    acquireTimeoutMs: checkNonNegative(
      options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_LOCK.acquireTimeoutMs,
      'acquireTimeoutMs',
    ),
    // The first cap is never above the largest one here: a maxDelayMs below initialDelayMs is raised to it.
    backoff: { ...given, maxDelayMs: Math.max(given.initialDelayMs, given.maxDelayMs) },
    signal: options.signal,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? createTimerSleep(),
    now: options.now ?? Date.now,
  };
}

/**
 * Takes `key` on `lock`, retrying with exponential backoff and full jitter (caps from 50 ms doubling to
 * 800 ms) until `acquireTimeoutMs` has passed. When the lock offers `acquire` (the Redis lock does), the
 * whole wait is delegated to it: a fair queue where the releasing holder hands the lease straight to the
 * next waiter (the backoff options are then unused). Otherwise, when it offers `waitForRelease` (the
 * in-memory lock does), each wait ends as soon as the holder releases the key, so a contended lock is
 * handed on within about one round trip instead of after a sleep of up to 800 ms; the backoff remains the
 * fallback.
 *
 * @throws {MeshError} `aborted` (details `key`, `waitedMs`, `reason: 'lock_busy'`) when the key stayed held past the
 *   timeout; `canceled` or `deadline_exceeded` when `signal` aborts; whatever the lock rejects with.
 * @example
 * ```ts
 * const lease = await acquireLock(lock, 'generation:2026-11-24:6-8', { acquireTimeoutMs: 5_000 });
 * ```
 */
export async function acquireLock(
  lock: DistributedLock,
  key: string,
  options: AcquireLockOptions = {},
): Promise<LockLease> {
  const { ttlMs, owner, acquireTimeoutMs, backoff, signal, random, sleep, now } =
    resolveAcquireLockOptions(options);
  const startedAt = now();
  const acquireOptions = owner === undefined ? { ttlMs } : { ttlMs, owner };

  if (lock.acquire) {
    // The lock queues waiters itself and hands the lease over on release (no backoff needed).
    if (signal?.aborted) throw abortError(signal);
    const lease = await lock.acquire(key, {
      ...acquireOptions,
      timeoutMs: acquireTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    if (lease) return lease;
    const waitedMs = now() - startedAt;
    throw new MeshError(`lock "${key}" is held by another owner; gave up after ${waitedMs} ms`, 'aborted', {
      details: { key, waitedMs, reason: 'lock_busy' },
    });
  }
  for (let attempt = 0; ; attempt += 1) {
    if (signal?.aborted) throw abortError(signal);
    const lease = await lock.tryAcquire(key, acquireOptions);
    if (lease) return lease;
    const waitedMs = now() - startedAt;
    const leftMs = acquireTimeoutMs - waitedMs;
    if (leftMs <= 0) {
      throw new MeshError(`lock "${key}" is held by another owner; gave up after ${waitedMs} ms`, 'aborted', {
        details: { key, waitedMs, reason: 'lock_busy' },
      });
    }
    await pause(lock, key, Math.min(leftMs, backoffDelayMs(attempt, backoff, random)), sleep, signal);
  }
}

const ignore = () => {};

/**
 * Waits out one backoff delay, cut short when the lock reports a release of `key`
 * ({@link DistributedLock.waitForRelease}, when the implementation has it). The timed sleep always runs as
 * the fallback, because release notifications are hints that can be lost (pub/sub is at most once).
 * A failing `waitForRelease` (such as Redis refusing the subscription) just leaves the sleep in charge.
 */
async function pause(
  lock: DistributedLock,
  key: string,
  delayMs: number,
  sleep: Sleep,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!lock.waitForRelease) return sleep(delayMs, signal);
  const done = new AbortController();
  const both = signal ? AbortSignal.any([signal, done.signal]) : done.signal;
  const timed = sleep(delayMs, both);
  // Once the other side won, `done` aborts the loser: its rejection is expected and dropped.
  timed.catch(ignore);
  const woken = lock.waitForRelease(key, { signal: both }).then(ignore, () => timed);
  try {
    await Promise.race([timed, woken]);
  } finally {
    done.abort();
  }
}
