import type { CircuitSnapshot } from '@kidsstories/mesh-core/ports';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisCircuitStateStore, createRedisConnection, type RedisConnection } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

describe('createRedisCircuitStateStore across two gateways', () => {
  const connections: RedisConnection[] = [];
  let prefix: string;
  const gateway = async (instanceId: string) => {
    const connection = createRedisConnection({ url: REDIS_URL, keyPrefix: prefix, instanceId });
    connections.push(connection);
    await connection.ready();
    return createRedisCircuitStateStore({ connection });
  };

  beforeEach(async () => {
    await requireRedis();
    prefix = uniquePrefix('circuit');
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await deletePrefix(REDIS_URL, prefix);
  });

  it("sees the other gateway's open within 100 ms, and a new gateway adopts the shared state", async () => {
    const first = await gateway('gw-1');
    const second = await gateway('gw-2');
    const seenAt: number[] = [];
    const seen: CircuitSnapshot[] = [];
    await second.watch((snapshot) => {
      seenAt.push(performance.now());
      seen.push(snapshot);
    });
    const latencies: number[] = [];
    let version = 0;
    for (let round = 0; round < 20; round += 1) {
      const state = round % 2 === 0 ? 'open' : 'closed';
      const before = performance.now();
      const stored = await first.transition(
        'peer:media',
        state === 'open'
          ? { state, openedAt: Date.now(), halfOpenAt: Date.now() + 60_000, updatedBy: 'gw-1' }
          : { state, updatedBy: 'gw-1' },
        version,
      );
      version = stored!.version;
      while (seen.length <= round) await new Promise((resolve) => setImmediate(resolve));
      latencies.push(seenAt[round]! - before);
    }
    expect(seen.map((snapshot) => snapshot.version)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    expect(Math.max(...latencies)).toBeLessThan(100);

    await first.transition(
      'peer:media',
      { state: 'open', openedAt: 1, halfOpenAt: Date.now() + 60_000, updatedBy: 'gw-1' },
      version,
    );
    const third = await gateway('gw-3');
    expect(await third.get('peer:media')).toMatchObject({
      state: 'open',
      updatedBy: 'gw-1',
      version: version + 1,
    });
  });

  it('keeps an open breaker at least until its half-open time, then the 30 s TTL', async () => {
    const store = await gateway('gw-1');
    const halfOpenAt = Date.now() + 120_000;
    await store.transition(
      'peer:video',
      { state: 'open', openedAt: Date.now(), halfOpenAt, updatedBy: 'gw-1' },
      0,
    );
    const ttl = await connections[0]!.client.pttl(`${prefix}circuit:{peer:video}`);
    expect(ttl).toBeGreaterThan(140_000);
    await store.transition('peer:video', { state: 'closed', updatedBy: 'gw-1' }, 1);
    const closedTtl = await connections[0]!.client.pttl(`${prefix}circuit:{peer:video}`);
    expect(closedTtl).toBeLessThanOrEqual(30_000);
    expect(closedTtl).toBeGreaterThan(29_000);
  });

  it('lets only one gateway probe a half-open breaker, and frees the probe on the next transition', async () => {
    const first = await gateway('gw-1');
    const second = await gateway('gw-2');
    await first.transition('peer:text', { state: 'half_open', openedAt: 1, updatedBy: 'gw-1' }, 0);
    const wins = await Promise.all([
      first.tryAcquireProbe('peer:text', 'gw-1', 5_000),
      second.tryAcquireProbe('peer:text', 'gw-2', 5_000),
    ]);
    expect(wins.filter(Boolean)).toHaveLength(1);
    await second.transition(
      'peer:text',
      { state: 'open', openedAt: 2, halfOpenAt: Date.now() + 1_000, updatedBy: 'gw-2' },
      1,
    );
    await first.transition('peer:text', { state: 'half_open', openedAt: 2, updatedBy: 'gw-1' }, 2);
    expect(await second.tryAcquireProbe('peer:text', 'gw-2', 5_000)).toBe(true);
  });
});
