import { randomBytes } from 'node:crypto';
import { type DistributedLock, MeshError } from '@kidsstories/mesh-core';
import {
  checkInteger,
  checkNonEmptyString,
  checkNonNegative,
  checkPositive,
  DEFAULT_LOCK_TIMEOUT_MS,
  type LockAcquireOptions,
  type LockLease,
} from '@kidsstories/mesh-core/ports';
import { checkDuration } from '../connection/check-duration.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { redisCall } from '../connection/redis-script.js';
import { createLockReleaseListener } from './lock-release-listener.js';
import { ACQUIRE, EXTEND, RELEASE } from './lock-scripts.js';
import { createQueuedAcquire } from './queued-acquire.js';

/** Options for {@link createRedisLock}. */
export interface RedisLockOptions {
  /** The Redis connection (shared; the lock does not close it). */
  connection: RedisConnection;
  /** Lease duration when `tryAcquire` is given none, in milliseconds. Default 300 000 (the brief's 300 s). */
  defaultTtlMs?: number;
  /** Holder name used when `tryAcquire` is given no `owner`. Default: the connection's `instanceId`. */
  owner?: string;
  /** Clock for `expiresAt`, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * Unique part of owner tokens. Default: 12 random bytes (base64url) drawn once per lock, then `.` and a
   * counter in base 36, so tokens never repeat and no acquire pays for a fresh random draw.
   */
  generateId?: () => string;
  /**
   * After this client sees Redis come back as a *different server process* (its `run_id` changed: a restart
   * that may have lost every lease), `tryAcquire` grants nothing for this long, in milliseconds, so holders
   * from before the restart notice the loss (their next extend fails) before anyone else can hold the key.
   * This is the distlock spec's "delayed restart", done on the client. 0 disables it.
   * Default: `defaultTtlMs`.
   */
  restartQuarantineMs?: number;
  /**
   * How long the first `waitForRelease` may take to start the release subscription (a PSUBSCRIBE on a
   * dedicated subscriber client) before it fails `unavailable`, in milliseconds. Default 2 000.
   */
  subscribeTimeoutMs?: number;
  /** Most keys whose release this lock remembers for its waiters at once. Default 10 000. */
  maxWatchedKeys?: number;
  /**
   * How often a queued `acquire` re-checks Redis in case its grant message was lost, in milliseconds: the
   * first re-check after this long, doubling up to 16 times it (and never later than the blocking lease's
   * expiry). Default 50.
   */
  queuePollMs?: number;
}

/** Defaults of {@link RedisLockOptions}. */
export const DEFAULT_REDIS_LOCK = Object.freeze({
  defaultTtlMs: 300_000,
  subscribeTimeoutMs: 2_000,
  maxWatchedKeys: 10_000,
  queuePollMs: 50,
  acquireTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
});

/** {@link RedisLockOptions} with every default applied and every value checked. */
export interface ResolvedRedisLockOptions {
  connection: RedisConnection;
  now: () => number;
  generateId: () => string;
  /** Whole milliseconds (rounded up). */
  defaultTtlMs: number;
  owner: string;
  restartQuarantineMs: number;
  subscribeTimeoutMs: number;
  maxWatchedKeys: number;
  queuePollMs: number;
}

/**
 * Applies {@link DEFAULT_REDIS_LOCK} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: a `defaultTtlMs`, `subscribeTimeoutMs` or `queuePollMs` not
 *   above 0, a negative `restartQuarantineMs`, a `maxWatchedKeys` that is not a whole number above 0, an empty
 *   `owner`.
 * @example
 * ```ts
 * resolveRedisLockOptions({ connection }).defaultTtlMs; // 300000
 * ```
 */
export function resolveRedisLockOptions(options: RedisLockOptions): ResolvedRedisLockOptions {
  const { connection } = options;
  const defaultTtlMs = checkDuration(options.defaultTtlMs ?? DEFAULT_REDIS_LOCK.defaultTtlMs, 'defaultTtlMs');
  return {
    connection,
    now: options.now ?? Date.now,
    generateId: options.generateId ?? createTokenIds(),
    defaultTtlMs,
    owner: checkNonEmptyString(options.owner ?? connection.instanceId, 'owner'),
    restartQuarantineMs: checkNonNegative(options.restartQuarantineMs ?? defaultTtlMs, 'restartQuarantineMs'),
    subscribeTimeoutMs: checkPositive(
      options.subscribeTimeoutMs ?? DEFAULT_REDIS_LOCK.subscribeTimeoutMs,
      'subscribeTimeoutMs',
    ),
    maxWatchedKeys: checkInteger(
      options.maxWatchedKeys ?? DEFAULT_REDIS_LOCK.maxWatchedKeys,
      'maxWatchedKeys',
    ),
    queuePollMs: checkPositive(options.queuePollMs ?? DEFAULT_REDIS_LOCK.queuePollMs, 'queuePollMs'),
  };
}

/** Owner-token ids: one random 96-bit stem per lock plus a counter (unique, which is all distlock asks). */
function createTokenIds(): () => string {
  const stem = randomBytes(12).toString('base64url');
  let counter = 0;
  return () => {
    counter += 1;
    return `${stem}.${counter.toString(36)}`;
  };
}

/**
 * The Redis keys of a lock: the lease, its fencing counter and its waiters queue (a sorted set) share the
 * hash tag `{key}` so every lock script stays on one cluster slot.
 */
export function redisLockKeys(
  connection: Pick<RedisConnection, 'key'>,
  key: string,
): { lease: string; fence: string; waiters: string } {
  const lease = connection.key(`lock:{${key}}`);
  return { lease, fence: `${lease}:fence`, waiters: `${lease}:waiters` };
}

/**
 * The mesh's {@link DistributedLock} on Redis, following the distlock protocol: SET NX PX with an owner token
 * naming the instance, release and extend only through compare-and-delete / compare-and-extend scripts, and a
 * fencing token that only grows per key. Combine with `withLock` from `@kidsstories/mesh-core` for
 * backoff, the watchdog and abort-on-loss.
 *
 * `expiresAt` is computed from the clock reading taken *before* the command was sent, so a lease is never
 * reported as living longer than it does.
 *
 * Cost per operation: one EVALSHA round trip each for acquire, extend and release (the acquire script sets
 * the lease, bumps the fencing counter and, when the key is taken, returns the blocking lease's PTTL; no
 * separate GET/INCR, no quorum or drift bookkeeping since there is one Redis).
 *
 * `acquire` (used by `acquireLock`) waits in a fair queue: a busy attempt adds the caller to a per-key
 * waiters sorted set (scored by its wait deadline, so FIFO for equal timeouts), and the holder's release
 * script hands the lease straight to the first waiter whose grant channel has a live subscriber (a fresh
 * fencing token, its ttl, a PUBLISH to that waiter's lock only). One release wakes exactly one waiter, which
 * already holds the lease: no herd of failed retries, no second round trip. Waiters that give up leave the
 * queue and give back a lease handed to them meanwhile; lost grant messages are caught by re-checks (see
 * `queuePollMs`). A grant's `expiresAt` is counted from the waiter's last attempt, so it is never later than
 * the real expiry. With nobody queued, release is the plain compare-and-delete.
 *
 * `waitForRelease` is the Redisson-style unlock notification for `tryAcquire` loops: the release script
 * PUBLISHes on `{prefix}lock-released:{key}` when it frees the key and one lazily opened subscriber client
 * per lock wakes one local waiter per release, or all of them when the lease they saw expires or the
 * subscriber reconnected.
 *
 * @example
 * ```ts
 * const lock = createRedisLock({ connection, owner: 'gateway-1' });
 * const lease = await lock.tryAcquire('generation:2026-11-24:4-6');
 * if (lease) try { await generate(lease.fencingToken); } finally { await lock.release(lease); }
 * ```
 */
export function createRedisLock(options: RedisLockOptions): DistributedLock {
  const resolved = resolveRedisLockOptions(options);
  const { connection, now, generateId, defaultTtlMs, restartQuarantineMs, queuePollMs } = resolved;
  const defaultOwner = resolved.owner;
  const redis = connection.client;
  const releases = createLockReleaseListener({
    connection,
    now,
    subscribeTimeoutMs: resolved.subscribeTimeoutMs,
    maxKeys: resolved.maxWatchedKeys,
  });
  let closed = false;
  // Which Redis server process granted our view of the locks; a new run_id means its memory was wiped.
  let serverRunId: string | undefined;
  let quarantineUntil = 0;
  let runIdCheck: Promise<void> | undefined;
  // True once the current link's run_id was read, so tryAcquire skips even the await on the cached check.
  let serverChecked = false;
  let checkRound = 0;
  const checkServer = (): Promise<void> => {
    const round = checkRound;
    runIdCheck ??= redisCall(() => redis.info('server'))
      .then((info) => {
        // A check started before a reconnect does not vouch for the new link.
        if (round === checkRound) serverChecked = true;
        const runId = /run_id:([0-9a-f]+)/.exec(info)?.[1];
        if (runId && serverRunId && runId !== serverRunId && restartQuarantineMs > 0) {
          quarantineUntil = now() + restartQuarantineMs;
        }
        if (runId) serverRunId = runId;
      })
      .catch((error: unknown) => {
        runIdCheck = undefined;
        serverChecked = false;
        throw error;
      });
    return runIdCheck;
  };
  const stopWatching = connection.onStatus((status) => {
    if (status === 'ready') {
      checkRound += 1;
      runIdCheck = undefined;
      serverChecked = false;
      void checkServer().catch(() => {});
    }
  });
  const checkKey = (key: string) => {
    if (typeof key !== 'string' || key.length === 0) {
      throw new MeshError('lock key must be a non-empty string', 'invalid_argument', {
        details: { field: 'key' },
      });
    }
  };
  const checkLease = (lease: LockLease) => {
    if (typeof lease?.ownerToken !== 'string' || lease.ownerToken.length === 0) {
      throw new MeshError('lease has no ownerToken', 'invalid_argument', {
        details: { field: 'ownerToken' },
      });
    }
    checkKey(lease.key);
  };

  const prepare = (key: string, acquireOptions: LockAcquireOptions) => {
    checkKey(key);
    const ttlMs = checkDuration(acquireOptions.ttlMs ?? defaultTtlMs, 'ttlMs');
    return { ttlMs, ownerToken: `${acquireOptions.owner ?? defaultOwner}:${generateId()}` };
  };
  const acquire = createQueuedAcquire({
    redis,
    releases,
    now,
    keys: (key) => redisLockKeys(connection, key),
    prepare,
    async beforeAttempt() {
      if (closed) throw new MeshError('the redis lock is closed', 'failed_precondition');
      if (!serverChecked) await checkServer();
      return quarantineUntil === 0 ? 0 : quarantineUntil - now();
    },
    queuePollMs,
    defaultTimeoutMs: DEFAULT_REDIS_LOCK.acquireTimeoutMs,
  });

  return {
    async tryAcquire(key, acquireOptions = {}) {
      const { ttlMs, ownerToken } = prepare(key, acquireOptions);
      const keys = redisLockKeys(connection, key);
      if (!serverChecked) await checkServer();
      if (quarantineUntil !== 0 && now() < quarantineUntil) return undefined;
      releases.beforeAttempt(key);
      const startedAt = now();
      const reply = await ACQUIRE.run(
        redis,
        [keys.lease, keys.fence, keys.waiters],
        [ownerToken, ttlMs, '', 0],
      );
      if (Array.isArray(reply)) {
        releases.attemptFailed(key, Number(reply[1]));
        return undefined;
      }
      releases.attemptSucceeded(key);
      return { key, ownerToken, fencingToken: Number(reply), expiresAt: startedAt + ttlMs };
    },
    acquire,
    async extend(lease, ttlMs) {
      checkLease(lease);
      const leaseMs = checkDuration(ttlMs, 'ttlMs');
      const startedAt = now();
      const keys = redisLockKeys(connection, lease.key);
      const held = await EXTEND.run(redis, [keys.lease, keys.fence], [lease.ownerToken, leaseMs]);
      if (Number(held) !== 1) return undefined;
      return { ...lease, expiresAt: startedAt + leaseMs };
    },
    async release(lease) {
      checkLease(lease);
      const keys = redisLockKeys(connection, lease.key);
      const released = await RELEASE.run(
        redis,
        [keys.lease, keys.fence, keys.waiters],
        [lease.ownerToken, releases.channel(lease.key), releases.grantChannelPrefix, ''],
      );
      return Number(released) !== 0;
    },
    waitForRelease(key, waitOptions = {}) {
      try {
        checkKey(key);
      } catch (error) {
        return Promise.reject(error);
      }
      return releases.wait(key, waitOptions);
    },
    async holder(key) {
      checkKey(key);
      const value = await redisCall(() => redis.get(redisLockKeys(connection, key).lease));
      return value ?? undefined;
    },
    async close() {
      // The connection is shared and held leases are left to expire; stop watching the link and releases.
      closed = true;
      stopWatching();
      await releases.close();
    },
  };
}
