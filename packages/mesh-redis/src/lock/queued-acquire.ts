import {
  abortError,
  checkNonNegative,
  type LockLease,
  type LockQueueOptions,
} from '@kidsstories/mesh-core/ports';
import { backoffDelayMs } from '@kidsstories/mesh-core/resilience';
import type { Redis } from 'ioredis';
import type { LockReleaseListener } from './lock-release-listener.js';
import { ACQUIRE, RELEASE } from './lock-scripts.js';

/** What the queued acquire needs from `createRedisLock` (private). */
export interface QueuedAcquireContext {
  redis: Redis;
  releases: LockReleaseListener;
  now: () => number;
  /** The Redis keys of `key`. */
  keys(key: string): { lease: string; fence: string; waiters: string };
  /** Checks the key, ttl and owner and returns the ttl in whole milliseconds and a fresh owner token. */
  prepare(key: string, options: LockQueueOptions): { ttlMs: number; ownerToken: string };
  /** Runs before every attempt; resolves how long no lease may be granted (restart quarantine), in ms. */
  beforeAttempt(): Promise<number>;
  /** First re-check delay in milliseconds (doubles up to 16 times it). */
  queuePollMs: number;
  /** Default of `timeoutMs`, in milliseconds. */
  defaultTimeoutMs: number;
}

/**
 * `DistributedLock.acquire` for the Redis lock: a fair queue with direct hand-off.
 *
 * Each attempt is one ACQUIRE script: it takes a free lease, or reports the lease already handed to this
 * token, or (once the grant subscription is up) puts the token in the key's waiters queue, scored by its
 * wait deadline. The holder's RELEASE script hands the lease to the first live waiter and publishes the
 * grant to that waiter's lock only, so one release wakes one waiter, which already holds the lease: no
 * herd, no second round trip. Grants are hints checked against the fencing counter: a grant is taken only
 * when its fencing token is above the counter the last attempt saw (so it was made after that attempt,
 * whose send time then bounds the expiry from below); anything else is re-checked with another attempt.
 * Lost grants are covered by re-checks (`queuePollMs` doubling to 16x, never past the blocking lease's
 * expiry) and by a re-check of every waiter when the subscriber reconnects. A waiter that gives up (timeout,
 * abort, error) runs RELEASE with its queue member: it leaves the queue and passes on a lease handed to it
 * meanwhile; when that fails, a grant still arriving later is released by the grant handler.
 */
export function createQueuedAcquire(
  context: QueuedAcquireContext,
): (key: string, options?: LockQueueOptions) => Promise<LockLease | undefined> {
  const { redis, releases, now } = context;
  // Re-checks for a lost grant: `queuePollMs` doubling up to 16 times it, no jitter (the shared backoff).
  const recheckBackoff = {
    initialDelayMs: context.queuePollMs,
    maxDelayMs: context.queuePollMs * 16,
    multiplier: 2,
    jitter: 0,
  };
  const releaseArgs = (key: string, ownerToken: string, member: string) => [
    ownerToken,
    releases.channel(key),
    releases.grantChannelPrefix,
    member,
  ];

  /** After a failed give-up, a grant that still arrives for `ownerToken` is released (for at most `ttlMs`). */
  const releaseLateGrants = (key: string, ownerToken: string, ttlMs: number) => {
    const stop = releases.onGrant(ownerToken, (fencingToken) => {
      if (fencingToken === undefined) return;
      stop();
      clearTimeout(timer);
      RELEASE.run(redis, Object.values(context.keys(key)), releaseArgs(key, ownerToken, '')).catch(() => {});
    });
    const timer = setTimeout(stop, ttlMs);
    timer.unref();
  };

  return async (key, options = {}) => {
    const { ttlMs, ownerToken } = context.prepare(key, options);
    const timeoutMs = checkNonNegative(options.timeoutMs ?? context.defaultTimeoutMs, 'timeoutMs');
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal);
    const keys = context.keys(key);
    const keyList = [keys.lease, keys.fence, keys.waiters];
    // No spaces in the ttl or the channel id, so the script splits the member unambiguously.
    const member = `${ttlMs} ${releases.grantChannelId} ${ownerToken}`;
    const deadline = now() + timeoutMs;
    let grants: number[] = [];
    let wake: (() => void) | undefined;
    let recheck = false;
    const stopGrants = releases.onGrant(ownerToken, (fencingToken) => {
      if (fencingToken === undefined) recheck = true;
      else grants.push(fencingToken);
      wake?.();
    });
    // The latest attempt that found the key busy: its send time and the fencing counter it saw.
    let lastSentAt = 0;
    let lastFence = Number.POSITIVE_INFINITY;
    const takeGrant = (): LockLease | undefined => {
      const fencingToken = grants.find((token) => token > lastFence);
      grants = [];
      if (fencingToken === undefined) return undefined;
      return { key, ownerToken, fencingToken, expiresAt: lastSentAt + ttlMs };
    };
    let queued = false;
    let won = false;
    try {
      for (let attempt = 0; ; attempt += 1) {
        if (signal?.aborted) throw abortError(signal);
        let waitMs = await context.beforeAttempt();
        if (waitMs <= 0) {
          const joining = releases.listening;
          recheck = false;
          const sentAt = now();
          const reply = await ACQUIRE.run(redis, keyList, [
            ownerToken,
            ttlMs,
            joining ? member : '',
            Math.max(0, Math.ceil(deadline - sentAt)),
          ]);
          if (!Array.isArray(reply)) {
            won = true;
            return { key, ownerToken, fencingToken: Number(reply), expiresAt: sentAt + ttlMs };
          }
          if (Number(reply[0]) === 1) {
            won = true;
            const pttlMs = Math.max(0, Number(reply[2]));
            return { key, ownerToken, fencingToken: Number(reply[1]), expiresAt: sentAt + pttlMs };
          }
          queued ||= joining;
          lastSentAt = sentAt;
          lastFence = Number(reply[2]);
          const handed = takeGrant();
          if (handed) {
            won = true;
            return handed;
          }
          const pttlMs = Number(reply[1]);
          waitMs = backoffDelayMs(attempt, recheckBackoff);
          if (pttlMs >= 0) waitMs = Math.min(waitMs, pttlMs + 1);
          if (!releases.listening && timeoutMs > 0) {
            try {
              await releases.start();
              // Listening now: join the queue at once.
              continue;
            } catch {
              // No subscription: keep polling without queueing (a grant would go unseen until a re-check).
            }
          }
        }
        const leftMs = deadline - now();
        if (leftMs <= 0) return undefined;
        await new Promise<void>((resolve, reject) => {
          const done = () => {
            wake = undefined;
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
          };
          const onAbort = () => {
            done();
            reject(abortError(signal as AbortSignal));
          };
          const timer = setTimeout(
            () => {
              done();
              resolve();
            },
            Math.min(waitMs, leftMs),
          );
          wake = () => {
            done();
            resolve();
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          if (grants.length > 0 || recheck) wake();
        });
        const handed = takeGrant();
        if (handed) {
          won = true;
          return handed;
        }
        // Out of time: give up here (the `finally` gives back a lease handed over meanwhile).
        if (deadline - now() <= 0) return undefined;
      }
    } finally {
      stopGrants();
      if (!won && queued) {
        try {
          await RELEASE.run(redis, keyList, releaseArgs(key, ownerToken, member));
        } catch {
          releaseLateGrants(key, ownerToken, ttlMs);
        }
      }
    }
  };
}
