// The Redis lock's fair queue: `acquire` waits in a per-key waiters queue and the releasing holder hands the
// lease straight to the first live waiter. Needs the Redis at REDIS_URL (fails without).
import type { DistributedLock } from '@kidsstories/mesh-core';
import { acquireLock, type LockLease } from '@kidsstories/mesh-core/ports';
import { expectMeshError } from '@kidsstories/mesh-core/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisConnection, createRedisLock, type RedisConnection, redisLockKeys } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

beforeAll(requireRedis);

describe('createRedisLock acquire (fair queue with hand-off)', () => {
  let prefix: string;
  let connections: RedisConnection[];
  let locks: DistributedLock[];
  let redis: Redis;

  beforeEach(async () => {
    prefix = uniquePrefix('lock-queue');
    connections = ['holder', 'w1', 'w2', 'w3'].map((instanceId) =>
      createRedisConnection({ url: REDIS_URL, keyPrefix: prefix, instanceId }),
    );
    await Promise.all(connections.map((connection) => connection.ready()));
    locks = connections.map((connection) => createRedisLock({ connection }));
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(locks.map((lock) => lock.close()));
    await Promise.all(connections.map((connection) => connection.close()));
    redis.disconnect();
    await deletePrefix(REDIS_URL, prefix);
  });

  const keysOf = (key: string) => redisLockKeys(connections[0]!, key);
  /** Waits until `count` waiters are queued on `key` (each `acquire` joins after its first busy attempt). */
  const queued = async (key: string, count: number) => {
    for (let tries = 0; tries < 500; tries += 1) {
      if ((await redis.zcard(keysOf(key).waiters)) === count) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`expected ${count} waiters on ${key}`);
  };

  it('hands the lease to waiters in FIFO order, one release each, with growing fencing tokens', async () => {
    const [holder, ...waiters] = locks as [DistributedLock, ...DistributedLock[]];
    const first = (await holder.tryAcquire('k', { ttlMs: 30_000 }))!;
    const order: string[] = [];
    const leases: LockLease[] = [];
    const pending: Promise<void>[] = [];
    for (const [index, waiter] of waiters.entries()) {
      pending.push(
        waiter.acquire!('k', { ttlMs: 30_000, timeoutMs: 10_000, owner: `w${index + 1}` }).then((lease) => {
          order.push(`w${index + 1}`);
          leases.push(lease!);
        }),
      );
      await queued('k', index + 1);
    }
    let holding = first;
    for (let step = 0; step < waiters.length; step += 1) {
      const count = order.length;
      expect(await locks[step]!.release(holding)).toBe(true);
      for (let tries = 0; order.length === count && tries < 500; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(order.length).toBe(count + 1);
      holding = leases[step]!;
      // The lease was set to the waiter's token by the release script itself: nobody saw the key free.
      expect(await holder.holder('k')).toBe(holding.ownerToken);
      expect(holding.expiresAt).toBeGreaterThan(Date.now() + 20_000);
    }
    await Promise.all(pending);
    expect(order).toEqual(['w1', 'w2', 'w3']);
    const tokens = [first, ...leases].map((lease) => lease.fencingToken);
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
    expect(new Set(tokens).size).toBe(4);
    expect(await locks[3]!.release(holding)).toBe(true);
    expect(await holder.holder('k')).toBeUndefined();
    expect(await redis.exists(keysOf('k').waiters)).toBe(0);
  });

  it('skips waiters that gave up (timeout or abort) and never lets them hold', async () => {
    const [holder, timedOut, aborted, patient] = locks as [
      DistributedLock,
      DistributedLock,
      DistributedLock,
      DistributedLock,
    ];
    const lease = (await holder.tryAcquire('k', { ttlMs: 30_000 }))!;
    expect(await timedOut.acquire!('k', { timeoutMs: 100 })).toBeUndefined();
    const controller = new AbortController();
    const abortedWait = aborted.acquire!('k', { timeoutMs: 10_000, signal: controller.signal });
    await queued('k', 1);
    const patientWait = patient.acquire!('k', { timeoutMs: 10_000, owner: 'patient' });
    await queued('k', 2);
    controller.abort();
    await expectMeshError(abortedWait, 'canceled');
    // Both that gave up left the queue.
    expect(await redis.zcard(keysOf('k').waiters)).toBe(1);
    expect(await holder.release(lease)).toBe(true);
    const next = (await patientWait)!;
    expect(next.ownerToken.startsWith('patient:')).toBe(true);
    expect(await holder.holder('k')).toBe(next.ownerToken);
    expect(next.fencingToken).toBe(lease.fencingToken + 1);
  });

  it('skips a queued waiter whose lock is gone (no live subscriber) and hands on to the next', async () => {
    const [holder, waiter] = locks as [DistributedLock, DistributedLock];
    const lease = (await holder.tryAcquire('k', { ttlMs: 30_000 }))!;
    const waiting = waiter.acquire!('k', { timeoutMs: 10_000 });
    await queued('k', 1);
    // A waiter of a crashed replica, first in line: its grant channel has no subscriber.
    const [live] = await redis.zrange(keysOf('k').waiters, 0, 0, 'WITHSCORES');
    const liveScore = Number((await redis.zscore(keysOf('k').waiters, live!))!);
    await redis.zadd(keysOf('k').waiters, liveScore - 1, '30000 nobody-listens crashed:1');
    expect(await redis.zrange(keysOf('k').waiters, 0, 0)).toEqual(['30000 nobody-listens crashed:1']);
    expect(await holder.release(lease)).toBe(true);
    const next = (await waiting)!;
    expect(next).toBeDefined();
    expect(await holder.holder('k')).toBe(next.ownerToken);
    expect(await redis.zcard(keysOf('k').waiters)).toBe(0);
  });

  it('gives back a lease handed to a waiter that timed out at the same moment', async () => {
    const [holder, , late] = locks as [DistributedLock, DistributedLock, DistributedLock];
    // No re-checks: the waiter's only timer is its deadline.
    const waiter = createRedisLock({ connection: connections[1]!, queuePollMs: 60_000 });
    locks.push(waiter);
    const lease = (await holder.tryAcquire('k', { ttlMs: 30_000 }))!;
    const waiting = waiter.acquire!('k', { timeoutMs: 150 });
    await queued('k', 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The release (sent now) hands the lease over while this process is blocked past the waiter's
    // deadline: its timeout fires before the grant message is read, so it gives up with the lease
    // already set to its token, and must give it back.
    // From the check phase, so the next loop turn runs its timers (the waiter's deadline) before reading
    // sockets (the grant).
    await new Promise((resolve) => setImmediate(resolve));
    const released = holder.release(lease);
    const blockedUntil = performance.now() + 120;
    while (performance.now() < blockedUntil) {
      // Busy-wait on purpose: keeps the grant message unread until the waiter's timer has fired.
    }
    expect(await released).toBe(true);
    expect(await waiting).toBeUndefined();
    for (let tries = 0; (await holder.holder('k')) !== undefined && tries < 500; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await holder.holder('k')).toBeUndefined();
    // The hand-off did happen (it used a fencing token) before the waiter gave the lease back.
    const next = (await late.tryAcquire('k'))!;
    expect(next.fencingToken).toBe(lease.fencingToken + 2);
  });

  it('rejects bad options and a closed lock, and takes a free key in one attempt', async () => {
    const [holder, waiter] = locks as [DistributedLock, DistributedLock];
    await expectMeshError(waiter.acquire!('k', { timeoutMs: -1 }), 'invalid_argument');
    await expectMeshError(waiter.acquire!('', {}), 'invalid_argument');
    await expectMeshError(waiter.acquire!('k', { ttlMs: 0 }), 'invalid_argument');
    const free = (await waiter.acquire!('free', { ttlMs: 5_000 }))!;
    expect(await holder.holder('free')).toBe(free.ownerToken);
    expect(await holder.acquire!('free', { timeoutMs: 0 })).toBeUndefined();
    await holder.close();
    await expectMeshError(holder.acquire!('k'), 'failed_precondition');
  });

  it('lets acquireLock use the queue: contenders on four replicas never overlap', async () => {
    let inside = 0;
    let overlaps = 0;
    let lastToken = 0;
    let staleTokens = 0;
    await Promise.all(
      locks.map(async (lock) => {
        for (let round = 0; round < 40; round += 1) {
          const lease = await acquireLock(lock, 'hot', { ttlMs: 10_000, acquireTimeoutMs: 5_000 });
          inside += 1;
          if (inside > 1) overlaps += 1;
          if (lease.fencingToken <= lastToken) staleTokens += 1;
          lastToken = lease.fencingToken;
          await new Promise((resolve) => setTimeout(resolve, 1));
          inside -= 1;
          expect(await lock.release(lease)).toBe(true);
        }
      }),
    );
    expect({ overlaps, staleTokens }).toEqual({ overlaps: 0, staleTokens: 0 });
    expect(await redis.exists(keysOf('hot').waiters)).toBe(0);
  });
});
