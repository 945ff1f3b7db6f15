import { randomBytes } from 'node:crypto';
import { type DistributedLock, type LockLease, MeshError } from '@kidsstories/mesh-core';
import type { RedisConnection } from '../connection/redis-connection.js';
import { defineRedisScript, redisCall } from '../connection/redis-script.js';
import { createLockReleaseListener } from './lock-release-listener.js';

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
}

/** Defaults of {@link RedisLockOptions}. */
export const DEFAULT_REDIS_LOCK = {
  defaultTtlMs: 300_000,
  subscribeTimeoutMs: 2_000,
  maxWatchedKeys: 10_000,
} as const;

/**
 * SET NX PX and, only on success, the next fencing token from a per-key counter, atomically, in one round
 * trip. When the counter is missing (first use, or Redis lost its data) it is seeded from the server clock in
 * microseconds, so tokens keep growing across a restart without persistence as long as fewer than
 * 1 000 acquisitions per millisecond happen on one key (each needs a round trip, so far fewer do).
 * KEYS: lock, fence. ARGV: owner token, ttl ms. Returns the fencing token, or `{pttl}` of the lease in the
 * way (so a waiter can wake when it lapses).
 */
const ACQUIRE = defineRedisScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {redis.call('PTTL', KEYS[1])} end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[2], t[1] .. string.format('%06d', tonumber(t[2])))
end
return redis.call('INCR', KEYS[2])
`);

/** Compare-and-extend. KEYS: lock. ARGV: owner token, ttl ms. Returns 1 when still held. */
const EXTEND = defineRedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/**
 * Compare-and-delete, then a release notification for waiters (see `waitForRelease`) in the same script, so
 * no waiter can see the key held after the message. KEYS: lock. ARGV: owner token, release channel.
 * Returns 1 when it was held by this token.
 */
const RELEASE = defineRedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], '')
  return 1
end
return 0
`);

/** Owner-token ids: one random 96-bit stem per lock plus a counter (unique, which is all distlock asks). */
function createTokenIds(): () => string {
  const stem = randomBytes(12).toString('base64url');
  let counter = 0;
  return () => {
    counter += 1;
    return `${stem}.${counter.toString(36)}`;
  };
}

function requireTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new MeshError(
      `ttlMs must be a finite number of milliseconds > 0, got ${ttlMs}`,
      'invalid_argument',
      {
        details: { field: 'ttlMs' },
      },
    );
  }
  return Math.ceil(ttlMs);
}

/**
 * The Redis keys of a lock: the lease and its fencing counter share the hash tag `{key}` so the acquire
 * script stays on one cluster slot.
 */
export function redisLockKeys(
  connection: Pick<RedisConnection, 'key'>,
  key: string,
): { lease: string; fence: string } {
  return { lease: connection.key(`lock:{${key}}`), fence: connection.key(`lock:{${key}}:fence`) };
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
 * separate GET/INCR, no quorum or drift bookkeeping since there is one Redis). `waitForRelease` is the
 * Redisson-style unlock notification: the release script PUBLISHes on `{prefix}lock-released:{key}` and one
 * lazily opened PSUBSCRIBE client per lock wakes one local waiter per release, or all of them when the lease
 * they saw expires or the subscriber reconnected. `acquireLock` uses it, so a released lock is taken again
 * within about one round trip instead of after a backoff of up to 800 ms. Every waiter on other replicas is
 * woken too (one per replica), so a lock that is released and re-requested at once by many replicas costs a
 * failed attempt per waiting replica per release.
 *
 * @example
 * ```ts
 * const lock = createRedisLock({ connection, owner: 'gateway-1' });
 * const lease = await lock.tryAcquire('generation:2026-11-24:4-6');
 * if (lease) try { await generate(lease.fencingToken); } finally { await lock.release(lease); }
 * ```
 */
export function createRedisLock(options: RedisLockOptions): DistributedLock {
  const { connection } = options;
  const redis = connection.client;
  const now = options.now ?? Date.now;
  const generateId = options.generateId ?? createTokenIds();
  const defaultTtlMs = requireTtl(options.defaultTtlMs ?? DEFAULT_REDIS_LOCK.defaultTtlMs);
  const defaultOwner = options.owner ?? connection.instanceId;
  const restartQuarantineMs = options.restartQuarantineMs ?? defaultTtlMs;
  const releases = createLockReleaseListener({
    connection,
    now,
    subscribeTimeoutMs: options.subscribeTimeoutMs ?? DEFAULT_REDIS_LOCK.subscribeTimeoutMs,
    maxKeys: options.maxWatchedKeys ?? DEFAULT_REDIS_LOCK.maxWatchedKeys,
  });
  if (!Number.isFinite(restartQuarantineMs) || restartQuarantineMs < 0) {
    throw new MeshError('restartQuarantineMs must be a number of milliseconds >= 0', 'invalid_argument', {
      details: { field: 'restartQuarantineMs' },
    });
  }
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

  return {
    async tryAcquire(key, acquireOptions = {}) {
      checkKey(key);
      const ttlMs = requireTtl(acquireOptions.ttlMs ?? defaultTtlMs);
      const ownerToken = `${acquireOptions.owner ?? defaultOwner}:${generateId()}`;
      const keys = redisLockKeys(connection, key);
      if (!serverChecked) await checkServer();
      if (quarantineUntil !== 0 && now() < quarantineUntil) return undefined;
      releases.beforeAttempt(key);
      const startedAt = now();
      const reply = await ACQUIRE.run(redis, [keys.lease, keys.fence], [ownerToken, ttlMs]);
      if (Array.isArray(reply)) {
        releases.attemptFailed(key, Number(reply[0]));
        return undefined;
      }
      releases.attemptSucceeded(key);
      return { key, ownerToken, fencingToken: Number(reply), expiresAt: startedAt + ttlMs };
    },
    async extend(lease, ttlMs) {
      checkLease(lease);
      const leaseMs = requireTtl(ttlMs);
      const startedAt = now();
      const held = await EXTEND.run(
        redis,
        [redisLockKeys(connection, lease.key).lease],
        [lease.ownerToken, leaseMs],
      );
      if (Number(held) !== 1) return undefined;
      return { ...lease, expiresAt: startedAt + leaseMs };
    },
    async release(lease) {
      checkLease(lease);
      const released = await RELEASE.run(
        redis,
        [redisLockKeys(connection, lease.key).lease],
        [lease.ownerToken, releases.channel(lease.key)],
      );
      return Number(released) === 1;
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
      stopWatching();
      await releases.close();
    },
  };
}
