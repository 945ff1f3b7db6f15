import { MeshError, type StateStore } from '@kidsstories/mesh-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisStateStore, type RedisConnection } from '../src/index.js';
import { openTestConnection } from './support/redis-test-env.js';

describe('createRedisStateStore (Redis specifics)', () => {
  let connection: RedisConnection;
  let store: StateStore;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ connection, cleanup } = await openTestConnection('state'));
    store = createRedisStateStore({ connection });
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it('stores hashes under the key prefix with a TTL', async () => {
    await store.hashSet('guide', { hero: 'Mila', colour: 'red' }, { ttlMs: 60_000 });
    expect(await connection.client.hget(`${connection.keyPrefix}guide`, 'hero')).toBe('Mila');
    const ttl = await store.ttl('guide');
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await store.hashGetAll('guide')).toEqual({ hero: 'Mila', colour: 'red' });
    expect(await store.ttl('missing')).toBeUndefined();
  });

  it('reports a missing group as not_found with reason NOGROUP, and recovers by recreating it', async () => {
    await store.streamAppend('events', { type: 'story.complete' });
    const error = await store.streamReadGroup('events', 'media', 'm1').catch((caught: unknown) => caught);
    expect(MeshError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'not_found', details: { reason: 'NOGROUP' } });
    await store.streamCreateGroup('events', 'media', { startId: '0' });
    await store.streamCreateGroup('events', 'media', { startId: '0' });
    const [entry] = await store.streamReadGroup('events', 'media', 'm1');
    expect(entry).toMatchObject({ fields: { type: 'story.complete' }, deliveryCount: 1 });
  });

  it('blocks on a dedicated connection without stalling other commands, and wakes on append', async () => {
    await store.streamCreateGroup('jobs', 'workers');
    const reading = store.streamReadGroup('jobs', 'workers', 'w1', { blockMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await store.hashSet('other', { a: '1' });
    expect(Date.now() - started).toBeLessThan(500);
    const id = await store.streamAppend('jobs', { n: '1' });
    const entries = await reading;
    expect(entries.map((entry) => entry.id)).toEqual([id]);
  });

  it('ends a blocking read early when its signal aborts', async () => {
    await store.streamCreateGroup('jobs', 'workers');
    const controller = new AbortController();
    const reading = store.streamReadGroup('jobs', 'workers', 'w1', {
      blockMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const error = await reading.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'canceled' });
    expect(Date.now() - started).toBeLessThan(2_000);
    // The store still works afterwards.
    await store.streamAppend('jobs', { n: '2' });
    expect(await store.streamReadGroup('jobs', 'workers', 'w2')).toHaveLength(1);
  });

  it('reclaims idle entries with their delivery count, and trims with maxLength', async () => {
    await store.streamCreateGroup('jobs', 'workers');
    await store.streamAppend('jobs', { n: '1' });
    await store.streamReadGroup('jobs', 'workers', 'crashed');
    const claimed = await store.streamClaimIdle('jobs', 'workers', 'rescuer', { minIdleMs: 0 });
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatchObject({ fields: { n: '1' }, deliveryCount: 2 });
    expect(await store.streamPending('jobs', 'workers')).toEqual({ count: 1, consumers: { rescuer: 1 } });
    for (let index = 0; index < 5; index += 1)
      await store.streamAppend('capped', { index: String(index) }, { maxLength: 3 });
    expect(await store.streamLength('capped')).toBe(3);
  });

  it('handles infinite scores in sorted sets', async () => {
    await store.sortedSetAdd('z', 'low', Number.NEGATIVE_INFINITY);
    await store.sortedSetAdd('z', 'mid', 1.5);
    await store.sortedSetAdd('z', 'high', Number.POSITIVE_INFINITY);
    expect(
      await store.sortedSetRangeByScore('z', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
    ).toEqual([
      { member: 'low', score: Number.NEGATIVE_INFINITY },
      { member: 'mid', score: 1.5 },
      { member: 'high', score: Number.POSITIVE_INFINITY },
    ]);
  });

  it('rejects bad input with invalid_argument', async () => {
    await expect(store.hashSet('', { a: '1' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(store.expire('k', -5)).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'ttlMs' },
    });
    await expect(store.streamAppend('s', {})).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
