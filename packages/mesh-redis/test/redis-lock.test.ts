import { type DistributedLock, withLock } from '@kidsstories/mesh-core';
import type { LockLease } from '@kidsstories/mesh-core/ports';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisLock, createRedisStateStore, type RedisConnection, redisLockKeys } from '../src/index.js';
import { FENCE_RETENTION_MS } from '../src/lock/lock-scripts.js';
import { openTestConnection } from './support/redis-test-env.js';

describe('createRedisLock (Redis specifics)', () => {
  let connection: RedisConnection;
  let lock: DistributedLock;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ connection, cleanup } = await openTestConnection('lock', { instanceId: 'gateway-1' }));
    lock = createRedisLock({ connection, now: () => 1_000 });
  });
  afterEach(async () => {
    await lock.close();
    await cleanup();
  });

  it('uses SET NX PX with an owner token naming the instance and a 300 s default TTL', async () => {
    const lease = await lock.tryAcquire('generation:2026-11-24:4-6');
    expect(lease?.ownerToken).toMatch(/^gateway-1:/);
    expect(lease?.expiresAt).toBe(301_000);
    const keys = redisLockKeys(connection, 'generation:2026-11-24:4-6');
    expect(keys.lease).toBe(`${connection.keyPrefix}lock:{generation:2026-11-24:4-6}`);
    expect(await connection.client.get(keys.lease)).toBe(lease?.ownerToken);
    const ttl = await connection.client.pttl(keys.lease);
    expect(ttl).toBeGreaterThan(299_000);
    expect(await lock.tryAcquire('generation:2026-11-24:4-6', { owner: 'gateway-2' })).toBeUndefined();
  });

  it('hands out fencing tokens that only grow, even after the counter is lost', async () => {
    const tokens: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      const lease = await lock.tryAcquire('k', { ttlMs: 5_000 });
      tokens.push(lease!.fencingToken);
      await lock.release(lease!);
    }
    // Simulates a Redis restart without persistence: the counter is gone.
    await connection.client.del(redisLockKeys(connection, 'k').fence);
    const after = await lock.tryAcquire('k', { ttlMs: 5_000 });
    tokens.push(after!.fencingToken);
    for (let index = 1; index < tokens.length; index += 1)
      expect(tokens[index]).toBeGreaterThan(tokens[index - 1]!);
  });

  it('lets a fencing counter expire 7 days after its last acquire or extend, tokens still growing (issue 20)', async () => {
    const fence = redisLockKeys(connection, 'story:2026-12-06').fence;
    const lease = (await lock.tryAcquire('story:2026-12-06', { ttlMs: 5_000 }))!;
    const retained = await connection.client.pttl(fence);
    expect(retained).toBeGreaterThan(FENCE_RETENTION_MS - 60_000);
    expect(retained).toBeLessThanOrEqual(FENCE_RETENTION_MS);
    // A lease longer than the retention keeps its counter at least as long.
    await lock.extend(lease, 2 * FENCE_RETENTION_MS);
    expect(await connection.client.pttl(fence)).toBeGreaterThan(FENCE_RETENTION_MS + 60_000);
    await lock.release(lease);
    // Past the retention (forced: nobody locked the key for 7 days), the counter is gone from Redis...
    await connection.client.pexpire(fence, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await connection.client.exists(fence)).toBe(0);
    // ...and the next token is still above every one handed out before.
    const next = (await lock.tryAcquire('story:2026-12-06', { ttlMs: 5_000 }))!;
    expect(next.fencingToken).toBeGreaterThan(lease.fencingToken);
    await lock.release(next);
  });

  it('extends and releases only with the owner token', async () => {
    const lease = (await lock.tryAcquire('k', { ttlMs: 5_000 }))!;
    const forged = { ...lease, ownerToken: 'gateway-9:x' };
    expect(await lock.extend(forged, 10_000)).toBeUndefined();
    expect(await lock.release(forged)).toBe(false);
    expect(await lock.extend(lease, 10_000)).toMatchObject({
      expiresAt: 11_000,
      fencingToken: lease.fencingToken,
    });
    expect(await lock.release(lease)).toBe(true);
    expect(await lock.holder('k')).toBeUndefined();
  });

  it('with withLock: aborts the work, calls onLost and writes a dead-letter record when the lease is lost', async () => {
    const realLock = createRedisLock({ connection });
    const store = createRedisStateStore({ connection });
    const lost: string[] = [];
    const error = await withLock(
      realLock,
      'generation:2026-11-24:7-9',
      async (signal, lease) => {
        // Another party takes the key over (as after an expiry): the watchdog's next extend finds it gone.
        await connection.client.set(redisLockKeys(connection, lease.key).lease, 'intruder:1');
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      },
      {
        ttlMs: 1_000,
        extendEveryMs: 50,
        onLost: (lease: LockLease, reason) => lost.push(`${lease.key}:${reason}`),
        deadLetter: { store, stream: 'dead-letter:generation' },
      },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'aborted', details: { reason: 'lost' } });
    expect(lost).toEqual(['generation:2026-11-24:7-9:lost']);
    const [record] = await store.streamRange('dead-letter:generation');
    expect(record?.fields).toMatchObject({ key: 'generation:2026-11-24:7-9', reason: 'lost' });
    expect(await realLock.holder('generation:2026-11-24:7-9')).toBe('intruder:1');
    await store.close();
  });
});
