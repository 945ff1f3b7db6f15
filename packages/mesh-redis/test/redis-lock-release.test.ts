// waitForRelease on the Redis lock: release notifications over pub/sub, lease-expiry wake-ups, and acquireLock
// handing a contended lock on at once instead of after its backoff. Needs the Redis at REDIS_URL (fails without).
import type { DistributedLock } from '@kidsstories/mesh-core';
import { acquireLock } from '@kidsstories/mesh-core/ports';
import { expectMeshError } from '@kidsstories/mesh-core/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisConnection, createRedisLock, type RedisConnection } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

beforeAll(requireRedis);

describe('createRedisLock waitForRelease', () => {
  let prefix: string;
  let connections: RedisConnection[];
  let locks: DistributedLock[];
  /** Two replicas: separate connections (and subscriber clients) on the same key prefix. */
  let first: DistributedLock;
  let second: DistributedLock;

  beforeEach(async () => {
    prefix = uniquePrefix('lock-release');
    connections = ['gateway-1', 'gateway-2'].map((instanceId) =>
      createRedisConnection({ url: REDIS_URL, keyPrefix: prefix, instanceId }),
    );
    await Promise.all(connections.map((connection) => connection.ready()));
    locks = connections.map((connection) => createRedisLock({ connection }));
    [first, second] = locks as [DistributedLock, DistributedLock];
  });
  afterEach(async () => {
    await Promise.all(locks.map((lock) => lock.close()));
    await Promise.all(connections.map((connection) => connection.close()));
    await deletePrefix(REDIS_URL, prefix);
  });

  it('wakes a waiter on another replica when the holder releases', async () => {
    const lease = (await first.tryAcquire('k', { ttlMs: 30_000 }))!;
    expect(await second.tryAcquire('k')).toBeUndefined();
    // The first wait starts the subscription and returns at once: a release may have gone by unseen.
    expect(await second.waitForRelease!('k')).toBe(true);
    expect(await second.tryAcquire('k')).toBeUndefined();
    let woken: boolean | undefined;
    const waiting = second.waitForRelease!('k', { timeoutMs: 10_000 }).then((value) => {
      woken = value;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(woken).toBeUndefined();
    const startedAt = performance.now();
    expect(await first.release(lease)).toBe(true);
    await waiting;
    expect(woken).toBe(true);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(await second.tryAcquire('k')).toBeDefined();
  });

  it('resolves false after timeoutMs, true when the blocking lease expires, and rejects on abort', async () => {
    await first.tryAcquire('k', { ttlMs: 30_000 });
    await second.waitForRelease!('k');
    expect(await second.tryAcquire('k')).toBeUndefined();
    expect(await second.waitForRelease!('k', { timeoutMs: 20 })).toBe(false);

    await first.tryAcquire('short', { ttlMs: 150 });
    expect(await second.tryAcquire('short')).toBeUndefined();
    const startedAt = performance.now();
    // No release ever comes: the wait ends when the lease the failed attempt saw runs out.
    expect(await second.waitForRelease!('short', { timeoutMs: 5_000 })).toBe(true);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(await second.tryAcquire('short')).toBeDefined();

    const controller = new AbortController();
    expect(await second.tryAcquire('k')).toBeUndefined();
    const aborted = second.waitForRelease!('k', { signal: controller.signal });
    controller.abort();
    await expectMeshError(aborted, 'canceled');
    await expectMeshError(second.waitForRelease!('k', { timeoutMs: Number.NaN }), 'invalid_argument');
    await expectMeshError(second.waitForRelease!(''), 'invalid_argument');
  });

  it('remembers releases for at most maxWatchedKeys keys, forgetting the oldest without waiters (issue 20)', async () => {
    const watcher = createRedisLock({ connection: connections[1]!, maxWatchedKeys: 3 });
    locks.push(watcher);
    const busy = (await first.tryAcquire('busy', { ttlMs: 30_000 }))!;
    // The first wait starts the subscription (and returns at once); from then on failed attempts watch their key.
    expect(await watcher.waitForRelease!('busy')).toBe(true);
    expect(await watcher.tryAcquire('busy')).toBeUndefined();
    const busyWait = watcher.waitForRelease!('busy', { timeoutMs: 20_000 });
    // Ten more keys watched: past the bound of 3, so the oldest without a waiter are forgotten.
    const leases = [];
    for (let index = 0; index < 10; index += 1) {
      leases.push((await first.tryAcquire(`k${index}`, { ttlMs: 30_000 }))!);
      expect(await watcher.tryAcquire(`k${index}`)).toBeUndefined();
    }
    for (const lease of leases) expect(await first.release(lease)).toBe(true);
    expect(await first.release(busy)).toBe(true);
    // 'busy' has a waiter, so it was never forgotten: its release wakes it (a forgotten key would time out).
    // Its message came last on the subscriber's socket, so every earlier release has been seen by now.
    expect(await busyWait).toBe(true);
    // The two newest keys without a waiter remember their release: a wait returns at once.
    expect(await watcher.waitForRelease!('k9', { timeoutMs: 50 })).toBe(true);
    expect(await watcher.waitForRelease!('k8', { timeoutMs: 50 })).toBe(true);
    // Older ones were forgotten before their release went by: the wait falls back to its timeout (the backoff).
    expect(await watcher.waitForRelease!('k7', { timeoutMs: 50 })).toBe(false);
    expect(await watcher.waitForRelease!('k0', { timeoutMs: 50 })).toBe(false);
  });

  it('lets acquireLock take a released lock at once even with a long backoff', async () => {
    const lease = (await first.tryAcquire('k', { ttlMs: 30_000 }))!;
    const acquiring = acquireLock(second, 'k', {
      minDelayMs: 20_000,
      maxDelayMs: 20_000,
      random: () => 0.99,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const releasedAt = performance.now();
    await first.release(lease);
    const next = await acquiring;
    // The backoff alone would have slept about 20 s.
    expect(performance.now() - releasedAt).toBeLessThan(2_000);
    expect(next.fencingToken).toBeGreaterThan(lease.fencingToken);
  });

  it('hands a contended key on with one holder at a time and growing fencing tokens', async () => {
    let inside = 0;
    let overlaps = 0;
    let lastToken = 0;
    let staleTokens = 0;
    const rounds = 40;
    await Promise.all(
      locks.map(async (lock) => {
        for (let round = 0; round < rounds; round += 1) {
          const lease = await acquireLock(lock, 'hot', { ttlMs: 10_000 });
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
  });
});
