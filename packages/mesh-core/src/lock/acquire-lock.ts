import { MeshError } from '../errors/mesh-error.js';
import type { DistributedLock, LockLease } from '../ports/distributed-lock.js';

/** Waits `ms` milliseconds; rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options for {@link acquireLock}. */
export interface AcquireLockOptions {
  /** Lease duration in milliseconds. Default 300 000 (300 s). */
  ttlMs?: number;
  /** Holder name recorded in the owner token. Default: the lock's own instance id. */
  owner?: string;
  /** Give up after this long, in milliseconds; 0 tries once. Default 10 000. */
  acquireTimeoutMs?: number;
  /** First backoff cap, in milliseconds. Default 50. */
  minDelayMs?: number;
  /** Largest backoff cap, in milliseconds. Default 800. */
  maxDelayMs?: number;
  /** Stops waiting; the call rejects with the signal's reason as a `MeshError` (`canceled` or `deadline_exceeded`). */
  signal?: AbortSignal;
  /** Randomness for the jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** How to wait between attempts. Default: {@link createTimerSleep}. */
  sleep?: Sleep;
  /** Clock for the acquire timeout, in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Defaults of {@link acquireLock}, `withLock` and the generation lock. */
export const DEFAULT_ACQUIRE_LOCK = Object.freeze({
  ttlMs: 300_000,
  acquireTimeoutMs: 10_000,
  minDelayMs: 50,
  maxDelayMs: 800,
});

/** The `MeshError` for an aborted signal: `canceled`, or `deadline_exceeded` for a timeout. */
export function abortError(signal: AbortSignal): MeshError {
  return MeshError.from(
    signal.reason ?? new DOMException('the operation was aborted', 'AbortError'),
    'canceled',
  );
}

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

/**
 * The wait before retry number `attempt` (0-based): "full jitter", a uniform draw between 0 and
 * `min(maxDelayMs, minDelayMs * 2^attempt)`, so contenders spread out instead of retrying in lockstep.
 */
export function backoffDelayMs(
  attempt: number,
  random: () => number,
  minDelayMs = 50,
  maxDelayMs = 800,
): number {
  const cap = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt, 30));
  return random() * cap;
}

function checkNonNegative(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new MeshError(`${field} must be a finite number >= 0`, 'invalid_argument', { details: { field } });
  }
  return value;
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
 * const lease = await acquireLock(lock, generationLockKey('2026-11-24', '4-6'), { acquireTimeoutMs: 5_000 });
 * ```
 */
export async function acquireLock(
  lock: DistributedLock,
  key: string,
  options: AcquireLockOptions = {},
): Promise<LockLease> {
  const ttlMs = options.ttlMs ?? DEFAULT_ACQUIRE_LOCK.ttlMs;
  const acquireTimeoutMs = checkNonNegative(
    options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_LOCK.acquireTimeoutMs,
    'acquireTimeoutMs',
  );
  const minDelayMs = checkNonNegative(options.minDelayMs ?? DEFAULT_ACQUIRE_LOCK.minDelayMs, 'minDelayMs');
  const maxDelayMs = Math.max(
    minDelayMs,
    checkNonNegative(options.maxDelayMs ?? DEFAULT_ACQUIRE_LOCK.maxDelayMs, 'maxDelayMs'),
  );
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? createTimerSleep();
  const now = options.now ?? Date.now;
  const { signal } = options;
  const startedAt = now();
  const acquireOptions = options.owner === undefined ? { ttlMs } : { ttlMs, owner: options.owner };

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
    await pause(
      lock,
      key,
      Math.min(leftMs, backoffDelayMs(attempt, random, minDelayMs, maxDelayMs)),
      sleep,
      signal,
    );
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
