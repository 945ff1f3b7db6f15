// createRedisPorts: the five ports on one connection, against the Redis at REDIS_URL (fails without one).
import { createMemoryCostLedger, type MeshEvent } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, createRedisPorts } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

const prefix = uniquePrefix('create-redis-ports');

beforeAll(requireRedis);
afterAll(() => deletePrefix(REDIS_URL, prefix));

describe('createRedisPorts', () => {
  it('opens one connection with the five ports on it, and closes it all', async () => {
    const ports = createRedisPorts({
      url: REDIS_URL,
      keyPrefix: prefix,
      instanceId: 'ports-1',
      ledger: { budgets: { day: { limitUsd: 2, windowMs: 86_400_000 } } },
    });
    await ports.ready();
    expect(ports.connection.keyPrefix).toBe(prefix);
    expect(ports.connection.instanceId).toBe('ports-1');

    await ports.state.hashSet('k', { a: '1' });
    expect(await ports.state.hashGetAll('k')).toEqual({ a: '1' });

    const lease = await ports.lock.tryAcquire('job', { ttlMs: 10_000 });
    expect(lease?.ownerToken).toContain('ports-1');
    expect(await ports.lock.tryAcquire('job', { ttlMs: 10_000 })).toBeUndefined();
    if (lease) await ports.lock.release(lease);

    const seen: MeshEvent[] = [];
    const unsubscribe = await ports.events.subscribe('t', (event) => seen.push(event));
    await ports.events.publish('t', { type: 'x', source: 'ports-1', time: Date.now(), data: { n: 1 } });
    await expect.poll(() => seen.length).toBe(1);
    await unsubscribe();

    expect((await ports.ledger.status('day')).limitUsd).toBe(2);
    expect(await ports.circuitState.get('peer:x')).toBeUndefined();

    await ports.close();
    await expect.poll(() => ports.connection.isReady()).toBe(false);
    await ports.close();
  });

  it('builds on a given connection and a given ledger, and leaves both open on close', async () => {
    const connection = createRedisConnection({ url: REDIS_URL, keyPrefix: prefix, instanceId: 'ports-2' });
    const ledger = createMemoryCostLedger();
    try {
      const ports = createRedisPorts({ connection, ledger });
      await ports.ready();
      expect(ports.ledger).toBe(ledger);
      expect(ports.connection).toBe(connection);
      await ports.close();
      expect(connection.isReady()).toBe(true);
      expect((await ledger.status('global')).scope).toBe('global');
    } finally {
      await ledger.close();
      await connection.close();
    }
  });

  it('rejects a malformed URL with invalid_argument', () => {
    expect(() => createRedisPorts({ url: 'http://example.com' })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });
});
