import { randomBytes } from 'node:crypto';
import { MeshError } from '@kidsstories/mesh-core';
import { abortError, checkNonNegative, type LockWaitOptions } from '@kidsstories/mesh-core/ports';
import type { Redis } from 'ioredis';
import { quitQuietly, type RedisConnection } from '../connection/redis-connection.js';
import { redisCall } from '../connection/redis-script.js';

/** Milliseconds added to a blocking lease's remaining time before a wait treats it as lapsed. */
const EXPIRY_MARGIN_MS = 2;

/**
 * Release notifications for the Redis lock (private to `createRedisLock`), in the manner of Redisson's
 * unlock channel: the release script PUBLISHes on `{prefix}lock-released:{key}`, and one PSUBSCRIBE on a
 * dedicated subscriber client (opened on the first wait, kept until the lock closes) wakes one local waiter
 * per release.
 *
 * Missed wake-ups are the hazard, since the failed acquire's reply and the release message travel on two
 * sockets. So interest in a key is recorded *before* each acquire is sent (`beforeAttempt`); a message that
 * arrives after that marks the key released, and a later `wait` returns at once. Right after the listener
 * starts, or after its client reconnected, every waiter is woken because a message may have been lost.
 * Everything here is a hint: callers keep their backoff as the fallback.
 *
 * The same subscriber also SUBSCRIBEs to this listener's own grant channel, on which the release script
 * hands a lease to a queued waiter of this lock (`"<fencing token> <owner token>"`); `onGrant` routes it
 * to the waiter holding that owner token.
 */
export interface LockReleaseListener {
  /** The channel the release script publishes on for `key`. */
  channel(key: string): string;
  /** Whether the subscription is up (grants and releases from now on are seen). */
  readonly listening: boolean;
  /** This listener's grant channel id (the part after `grantChannelPrefix`; no spaces). */
  readonly grantChannelId: string;
  /** The prefix of every lock's grant channel, for the release script. */
  readonly grantChannelPrefix: string;
  /** Starts the subscription (once; later calls share it). Rejects `unavailable` after `subscribeTimeoutMs`. */
  start(): Promise<void>;
  /**
   * Routes grants for `ownerToken` to `handler` until the returned function is called: `handler(fencingToken)`
   * for a grant, `handler(undefined)` when a grant may have been missed (the subscriber reconnected, or the
   * listener closed).
   */
  onGrant(ownerToken: string, handler: (fencingToken: number | undefined) => void): () => void;
  /** Call before sending an acquire for `key`: releases from now on count for it. */
  beforeAttempt(key: string): void;
  /** Call after an acquire of `key` failed because a lease with `pttlMs` left holds it (-1: no expiry). */
  attemptFailed(key: string, pttlMs: number): void;
  /** Call after an acquire of `key` succeeded. */
  attemptSucceeded(key: string): void;
  /** Implements `DistributedLock.waitForRelease`. */
  wait(key: string, options: LockWaitOptions): Promise<boolean>;
  /** Closes the subscriber client; pending waits resolve `true` (later ones reject `failed_precondition`). */
  close(): Promise<void>;
}

/** Options for {@link createLockReleaseListener}. */
export interface LockReleaseListenerOptions {
  connection: RedisConnection;
  /** Clock for lease-expiry wake-ups, in epoch milliseconds. */
  now: () => number;
  /** How long starting the subscription may take before `wait` fails `unavailable`, in milliseconds. */
  subscribeTimeoutMs: number;
  /** Most keys remembered at once; the oldest without waiters are forgotten first. */
  maxKeys: number;
}

interface Interest {
  /** A release (or possible loss of one) was seen since the last attempt. */
  released: boolean;
  /** When the lease seen by the last failed attempt expires, in epoch milliseconds. */
  expiresAt: number | undefined;
  waiters: Set<(released: boolean) => void>;
}

const GLOB_SPECIAL = /[*?[\]\\]/g;

/** Creates the release listener of one Redis lock. */
export function createLockReleaseListener(options: LockReleaseListenerOptions): LockReleaseListener {
  const { connection, now } = options;
  const channelPrefix = connection.key('lock-released:');
  const pattern = `${channelPrefix.replace(GLOB_SPECIAL, '\\$&')}*`;
  const interest = new Map<string, Interest>();
  const grantChannelPrefix = connection.key('lock-granted:');
  const grantChannelId = randomBytes(9).toString('base64url');
  const grantChannel = grantChannelPrefix + grantChannelId;
  const grants = new Map<string, (fencingToken: number | undefined) => void>();
  let subscriber: Redis | undefined;
  let listening = false;
  let starting: Promise<void> | undefined;
  let closed = false;

  /** Wakes every waiter on `entry` (after a reconnect: any release may have been missed). */
  const wakeAll = (entry: Interest) => {
    entry.released = true;
    entry.expiresAt = undefined;
    const waiting = [...entry.waiters];
    entry.waiters.clear();
    for (const wake of waiting) wake(true);
  };

  /**
   * One release frees the key for one holder, so it wakes one local waiter, the longest waiting (Redisson
   * does the same); the rest are woken by later releases, or by their backoff. With nobody waiting yet, the
   * release is remembered for the next `wait` (the failed attempt's reply may still be on its way).
   */
  const wakeOne = (entry: Interest) => {
    entry.expiresAt = undefined;
    const first = entry.waiters.values().next();
    if (first.done) {
      entry.released = true;
      return;
    }
    entry.waiters.delete(first.value);
    first.value(true);
  };

  const forgetOldest = () => {
    for (const [key, entry] of interest) {
      if (interest.size < options.maxKeys) return;
      if (entry.waiters.size === 0) interest.delete(key);
    }
  };

  const entryFor = (key: string): Interest => {
    let entry = interest.get(key);
    if (!entry) {
      if (interest.size >= options.maxKeys) forgetOldest();
      entry = { released: false, expiresAt: undefined, waiters: new Set() };
      interest.set(key, entry);
    }
    return entry;
  };

  const start = (): Promise<void> => {
    starting ??= (async () => {
      if (!subscriber) {
        const client = connection.createClient('subscriber');
        client.on('pmessage', (_pattern: string, channel: string) => {
          const entry = interest.get(channel.slice(channelPrefix.length));
          if (entry) wakeOne(entry);
        });
        client.on('message', (channel: string, message: string) => {
          if (channel !== grantChannel) return;
          const space = message.indexOf(' ');
          grants.get(message.slice(space + 1))?.(Number(message.slice(0, space)));
        });
        // After a reconnect (ioredis re-subscribes by itself) releases and grants may have been missed:
        // wake everyone.
        client.on('ready', () => {
          if (!listening) return;
          for (const entry of interest.values()) wakeAll(entry);
          for (const handler of [...grants.values()]) handler(undefined);
        });
        subscriber = client;
      }
      const client = subscriber;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new MeshError(
                `lock release subscription did not start within ${options.subscribeTimeoutMs} ms`,
                'unavailable',
              ),
            ),
          options.subscribeTimeoutMs,
        );
      });
      try {
        await Promise.race([
          redisCall(() => Promise.all([client.psubscribe(pattern), client.subscribe(grantChannel)])),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
      if (closed) return;
      listening = true;
    })().catch((error: unknown) => {
      starting = undefined;
      throw error;
    });
    return starting;
  };

  return {
    channel: (key) => channelPrefix + key,
    get listening() {
      return listening;
    },
    grantChannelId,
    grantChannelPrefix,
    start,
    onGrant(ownerToken, handler) {
      grants.set(ownerToken, handler);
      return () => {
        if (grants.get(ownerToken) === handler) grants.delete(ownerToken);
      };
    },
    beforeAttempt(key) {
      if (listening) entryFor(key).released = false;
    },
    attemptFailed(key, pttlMs) {
      const entry = interest.get(key);
      // Wake a little after the lease's end: Redis expires a key once its clock is past the deadline, and a
      // Node timer may fire up to a millisecond early, so waking at `pttl` exactly can find the key still held.
      if (entry && !entry.released)
        entry.expiresAt = pttlMs >= 0 ? now() + pttlMs + EXPIRY_MARGIN_MS : undefined;
    },
    attemptSucceeded(key) {
      const entry = interest.get(key);
      if (entry && entry.waiters.size === 0) interest.delete(key);
    },
    async wait(key, waitOptions) {
      const { signal, timeoutMs } = waitOptions;
      if (timeoutMs !== undefined) checkNonNegative(timeoutMs, 'timeoutMs');
      if (closed) throw new MeshError('the redis lock is closed', 'failed_precondition');
      if (signal?.aborted) throw abortError(signal);
      if (!listening) {
        // Not listening when the last attempt failed: a release may already have gone by unseen.
        await start();
        return true;
      }
      const entry = entryFor(key);
      if (entry.released) {
        entry.released = false;
        return true;
      }
      const untilExpiryMs = entry.expiresAt === undefined ? undefined : entry.expiresAt - now();
      if (untilExpiryMs !== undefined && untilExpiryMs <= 0) return true;
      const limitMs =
        untilExpiryMs === undefined ? timeoutMs : Math.min(untilExpiryMs, timeoutMs ?? untilExpiryMs);
      const expiryFirst = untilExpiryMs !== undefined && limitMs === untilExpiryMs;
      return new Promise<boolean>((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const finish = (released: boolean) => {
          entry.waiters.delete(finish);
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(released);
        };
        const onAbort = () => {
          entry.waiters.delete(finish);
          if (timer !== undefined) clearTimeout(timer);
          reject(abortError(signal as AbortSignal));
        };
        entry.waiters.add(finish);
        // The lease lapsing frees the key without any message: wake then, as if released.
        if (limitMs !== undefined) timer = setTimeout(() => finish(expiryFirst), limitMs);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async close() {
      closed = true;
      listening = false;
      const waiting = [...interest.values()].flatMap((entry) => [...entry.waiters]);
      interest.clear();
      // A closed lock has nothing to wait for; waking makes the caller's next tryAcquire report the closure.
      for (const wake of waiting) wake(true);
      for (const handler of [...grants.values()]) handler(undefined);
      grants.clear();
      if (subscriber) await quitQuietly(subscriber);
      subscriber = undefined;
    },
  };
}
