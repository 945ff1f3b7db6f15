// Fault tests: each starts its own `redis-server --save '' --appendonly no` on a free port and kills it
// (SIGKILL, so every key is lost as in a crash) and restarts it mid-run.
import { MeshError, withLock } from '@kidsstories/mesh-core';
import { createStreamConsumer } from '@kidsstories/mesh-core/ports';
import { delay, eventually } from '@kidsstories/mesh-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRedisCircuitStateStore,
  createRedisCostLedger,
  createRedisEventBus,
  createRedisLock,
  createRedisStateStore,
  type RedisConnection,
  type ResilienceEvent,
} from '../src/index.js';
import { connectToOwnServer, type OwnRedisServer, startOwnRedisServer } from './support/redis-test-env.js';
import { createTestResilientPorts } from './support/resilient-test-ports.js';

describe('Redis faults (own redis-server, killed and restarted)', () => {
  let server: OwnRedisServer;
  const connections: RedisConnection[] = [];
  const connect = (instanceId: string) => connectToOwnServer(server, instanceId, connections);

  beforeEach(async () => {
    server = await startOwnRedisServer();
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await server.stop();
  });

  it('fails fast while Redis is down, reconnects, and a stream consumer recovers from NOGROUP', async () => {
    const connection = await connect('consumer-host');
    const store = createRedisStateStore({ connection });
    const processed: string[] = [];
    const consumer = createStreamConsumer({
      store,
      stream: 'story.complete',
      group: 'media',
      consumer: 'media-1',
      blockMs: 50,
      errorBackoffMs: 30,
      handler: async (entry) => {
        processed.push(entry.fields.n ?? '');
      },
    });
    await consumer.start();
    try {
      for (let n = 0; n < 10; n += 1) await store.streamAppend('story.complete', { n: `before-${n}` });
      await eventually(() => expect(processed).toHaveLength(10));

      await server.kill();
      const started = Date.now();
      const error = await store
        .streamAppend('story.complete', { n: 'during' })
        .catch((caught: unknown) => caught);
      expect(MeshError.isInstance(error) && error.code).toBe('unavailable');
      expect(Date.now() - started).toBeLessThan(500);

      await server.start();
      await eventually(() => expect(connection.isReady()).toBe(true), { timeoutMs: 5_000 });
      for (let n = 0; n < 10; n += 1) await store.streamAppend('story.complete', { n: `after-${n}` });
      // The restarted server lost the group: the consumer sees NOGROUP, recreates it from '0' and goes on.
      await eventually(() => expect(processed.filter((n) => n.startsWith('after-'))).toHaveLength(10), {
        timeoutMs: 5_000,
      });
    } finally {
      await consumer.close();
      await store.close();
    }
  });

  it('re-subscribes the event bus after Redis restarts', async () => {
    const connection = await connect('bus-host');
    const bus = createRedisEventBus({ connection });
    const event = (n: number) => ({
      type: 'story.complete',
      source: 'bus-host',
      time: Date.now(),
      data: { n },
    });
    const received: number[] = [];
    await bus.subscribe('story.complete', (got) => received.push(Number(got.data.n)));
    await bus.publish('story.complete', event(1));
    await eventually(() => expect(received).toEqual([1]));
    await server.kill();
    await server.start();
    await eventually(() => expect(connection.isReady()).toBe(true), { timeoutMs: 5_000 });
    // Pub/sub is at most once: publish until the re-subscribed listener hears one.
    await eventually(
      async () => {
        await bus.publish('story.complete', event(2)).catch(() => {});
        expect(received).toContain(2);
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    await bus.close();
  });

  it('never lets two holders overlap across a crash, and fencing tokens keep growing', {
    timeout: 20_000,
  }, async () => {
    const ttlMs = 600;
    const contenders = await Promise.all(
      [1, 2, 3].map(async (index) => {
        const connection = await connect(`gateway-${index}`);
        return createRedisLock({ connection, restartQuarantineMs: ttlMs });
      }),
    );
    const intervals: Array<{ start: number; end: number; token: number; who: number }> = [];
    const deadline = performance.now() + 3_200;
    const run = async (who: number) => {
      const lock = contenders[who]!;
      while (performance.now() < deadline) {
        try {
          await withLock(
            lock,
            'generation:2026-11-24:4-6',
            async (signal, lease) => {
              const start = performance.now();
              // Work that may outlive the crash; it stops as soon as the watchdog says the lease is lost.
              await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, 100 + Math.random() * 300);
                signal.addEventListener('abort', () => {
                  clearTimeout(timer);
                  resolve();
                });
              });
              intervals.push({ start, end: performance.now(), token: lease.fencingToken, who });
            },
            { ttlMs, extendEveryMs: 100, acquireTimeoutMs: 300, minDelayMs: 5, maxDelayMs: 40 },
          );
        } catch {
          await delay(5);
        }
      }
    };
    const running = Promise.all([0, 1, 2].map(run));
    await delay(900);
    const before = intervals.length;
    await server.kill();
    await delay(300);
    await server.start();
    await running;

    expect(before).toBeGreaterThan(0);
    expect(intervals.length).toBeGreaterThan(before);
    const sorted = [...intervals].sort((a, b) => a.start - b.start);
    for (let index = 1; index < sorted.length; index += 1) {
      const previous = sorted[index - 1]!;
      const current = sorted[index]!;
      expect(
        current.start,
        `holder ${current.who} started before holder ${previous.who} ended`,
      ).toBeGreaterThanOrEqual(previous.end);
      expect(current.token).toBeGreaterThan(previous.token);
    }
  });

  it('a circuit watcher re-reads shared state missed while its subscriber was cut off', async () => {
    const first = createRedisCircuitStateStore({ connection: await connect('gw-1') });
    const secondConnection = await connect('gw-2');
    const second = createRedisCircuitStateStore({ connection: secondConnection });
    const seen: string[] = [];
    await second.watch((snapshot) => seen.push(`${snapshot.state}@${snapshot.version}`));
    await first.transition(
      'peer:media',
      { state: 'open', openedAt: 1, halfOpenAt: Date.now() + 60_000, updatedBy: 'gw-1' },
      0,
    );
    await eventually(() => expect(seen).toEqual(['open@1']));
    // Cut gw-2's subscriber off, change the state meanwhile, and let it reconnect.
    const admin = connections[0]!.client;
    await admin.client('KILL', 'TYPE', 'pubsub');
    await first.transition('peer:media', { state: 'half_open', openedAt: 1, updatedBy: 'gw-1' }, 1);
    await eventually(() => expect(seen.at(-1)).toBe('half_open@2'), { timeoutMs: 5_000 });
    await first.close();
    await second.close();
  });

  it('resilient ports keep serving on memory, fail locks closed, spend a leased slice, then resynchronise', {
    timeout: 20_000,
  }, async () => {
    const connection = await connect('gateway-1');
    const events: ResilienceEvent['type'][] = [];
    const counted: string[] = [];
    const ledger = createRedisCostLedger({ connection });
    await ledger.setBudget('global', { limitUsd: 10 });
    const ports = createTestResilientPorts(connection, ledger, {
      ledgerSliceUsd: 1,
      resyncCheckMs: 50,
      metrics: { countTransition: (type) => counted.push(type), setDegraded: () => {} },
    });
    ports.onEvent((event) => events.push(event.type));
    const processed: string[] = [];
    const consumer = createStreamConsumer({
      store: ports.state,
      stream: 'story.complete',
      group: 'media',
      consumer: 'media-1',
      blockMs: 50,
      errorBackoffMs: 30,
      handler: async (entry) => {
        processed.push(entry.fields.n ?? '');
      },
    });
    await consumer.start();
    try {
      await eventually(async () => expect((await ports.ledger.status('global')).reservedUsd).toBe(1));
      for (let n = 0; n < 5; n += 1) await ports.state.streamAppend('story.complete', { n: `before-${n}` });
      await eventually(() => expect(processed).toHaveLength(5));

      await server.kill();
      await eventually(() => expect(ports.mode()).toBe('fallback'));
      // Acknowledged while Redis is away: journalled, delivered after the resync.
      for (let n = 0; n < 5; n += 1) await ports.state.streamAppend('story.complete', { n: `during-${n}` });
      await ports.state.hashSet('character-guide', { hero: 'Mila' });
      expect(await ports.state.hashGet('character-guide', 'hero')).toBe('Mila');
      await expect(ports.lock.tryAcquire('generation:2026-11-24:4-6')).rejects.toMatchObject({
        code: 'unavailable',
        details: { reason: 'LOCK_FAIL_CLOSED' },
      });
      const held = await ports.ledger.reserve({ model: 'test', costUsd: 0.75 });
      await expect(ports.ledger.reserve({ model: 'test', costUsd: 0.5 })).rejects.toMatchObject({
        code: 'resource_exhausted',
      });
      await ports.ledger.settle(held, { model: 'test', costUsd: 0.5 });
      expect(
        (
          await ports.circuitState.transition(
            'peer:media',
            { state: 'open', openedAt: 1, halfOpenAt: Date.now() + 60_000, updatedBy: 'gateway-1' },
            0,
          )
        )?.state,
      ).toBe('open');

      await server.start();
      await eventually(() => expect(ports.mode()).toBe('redis'), { timeoutMs: 8_000 });
      expect(events).toEqual(['redis.lost', 'redis.resyncing', 'redis.restored']);
      expect(counted).toEqual(events);
      await eventually(() => expect(processed.filter((n) => n.startsWith('during-'))).toHaveLength(5), {
        timeoutMs: 5_000,
      });
      expect(await connection.client.hget('character-guide', 'hero')).toBe('Mila');
      // The restarted Redis lost the budget and spending; the slice settlement was replayed into it.
      expect((await ledger.status('global')).spentUsd).toBe(0.5);
      expect((await createRedisCircuitStateStore({ connection }).get('peer:media'))?.state).toBe('open');
      const lease = await ports.lock.tryAcquire('generation:2026-11-24:4-6', { ttlMs: 1_000 });
      expect(lease).toBeDefined();
    } finally {
      await consumer.close();
      await ports.close();
    }
  });

  it("with lockFailMode 'open', grants leases from the in-memory lock while Redis is away", async () => {
    const connection = await connect('gateway-open');
    const ports = createTestResilientPorts(connection, createRedisCostLedger({ connection }), {
      lockFailMode: 'open',
      resyncCheckMs: 50,
    });
    try {
      await server.kill();
      const local = await ports.lock.tryAcquire('k', { ttlMs: 5_000 });
      expect(ports.mode()).toBe('fallback');
      expect(local).toBeDefined();
      expect(await ports.lock.tryAcquire('k', { ttlMs: 5_000 })).toBeUndefined();
      expect(await ports.lock.release(local!)).toBe(true);
      // Ledger without a slice: nothing may be spent while degraded.
      await expect(ports.ledger.reserve({ model: 'test', costUsd: 0.01 })).rejects.toMatchObject({
        code: 'resource_exhausted',
      });
      await server.start();
      await eventually(() => expect(ports.mode()).toBe('redis'), { timeoutMs: 8_000 });
      const shared = await ports.lock.tryAcquire('k', { ttlMs: 5_000 });
      expect(await connection.client.get('lock:{k}')).toBe(shared?.ownerToken);
    } finally {
      await ports.close();
    }
  });
});
