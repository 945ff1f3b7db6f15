// Issue 20 item 2: what the resilient ports hold for callers while Redis is away (leases from the in-memory lock,
// subscriptions waiting to be attached to Redis) has a bound and an expiry. Each test starts its own
// `redis-server` and kills it, so the outage is real: the connection reports the link lost and calls fall back.
import {
  createMemoryCircuitStateStore,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  type MeshEvent,
} from '@kidsstories/mesh-core';
import { eventually, expectMeshError } from '@kidsstories/mesh-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRedisCircuitStateStore,
  createRedisCostLedger,
  createRedisEventBus,
  createRedisLock,
  createRedisStateStore,
  createResilientPorts,
  type RedisConnection,
  type ResilientPorts,
  type ResilientPortsOptions,
} from '../src/index.js';
import { connectToOwnServer, type OwnRedisServer, startOwnRedisServer } from './support/redis-test-env.js';

describe('resilient ports: bounds of what they hold while Redis is away (own redis-server, killed)', () => {
  let server: OwnRedisServer;
  const connections: RedisConnection[] = [];
  const open: ResilientPorts[] = [];
  /** The clock of the ports and of their in-memory lock: real time plus what the test adds. */
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;

  beforeEach(async () => {
    offsetMs = 0;
    server = await startOwnRedisServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((ports) => ports.close()));
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await server.stop();
  });

  async function resilientPorts(
    instanceId: string,
    options: Omit<ResilientPortsOptions, 'connection' | 'redis' | 'fallback'>,
  ): Promise<{ ports: ResilientPorts; connection: RedisConnection }> {
    const connection = await connectToOwnServer(server, instanceId, connections);
    const ports = createResilientPorts({
      connection,
      redis: {
        state: createRedisStateStore({ connection }),
        lock: createRedisLock({ connection, restartQuarantineMs: 0 }),
        events: createRedisEventBus({ connection }),
        circuitState: createRedisCircuitStateStore({ connection }),
        ledger: createRedisCostLedger({ connection }),
      },
      fallback: {
        state: createMemoryStateStore(),
        lock: createMemoryLock({ instanceId, now }),
        events: createMemoryEventBus(),
        circuitState: createMemoryCircuitStateStore(),
      },
      resyncCheckMs: 50,
      now,
      ...options,
    });
    open.push(ports);
    return { ports, connection };
  }

  it('holds at most maxOutageLeases leases from the in-memory lock; a released or expired one frees its place', async () => {
    const { ports } = await resilientPorts('gateway-open', { lockFailMode: 'open', maxOutageLeases: 3 });
    await server.kill();
    await eventually(() => expect(ports.mode()).toBe('fallback'));

    const take = (key: string) => ports.lock.tryAcquire(key, { ttlMs: 1_000 });
    const [first, second, third] = await Promise.all([take('k0'), take('k1'), take('k2')]);
    expect([first, second, third].every((lease) => lease !== undefined)).toBe(true);
    // Past the bound: refused with the bound named, and nothing is granted.
    const full = await expectMeshError(take('k3'), 'resource_exhausted');
    expect(full.message).toContain('maxOutageLeases');
    expect(full.details).toMatchObject({
      reason: 'OUTAGE_LEASES_EXHAUSTED',
      bound: 'maxOutageLeases',
      limit: 3,
      limitUnit: 'leases',
    });
    expect(await ports.lock.holder('k3')).toBeUndefined();

    // A release frees a place at once.
    expect(await ports.lock.release(first!)).toBe(true);
    const fourth = await take('k3');
    expect(fourth).toBeDefined();
    await expectMeshError(take('k4'), 'resource_exhausted');

    // A lease its holder never releases counts until its TTL: k1 is extended, k2 and k3 expire.
    const extended = await ports.lock.extend(second!, 10_000);
    expect(extended).toBeDefined();
    offsetMs += 1_001;
    const again = await Promise.all([take('k2'), take('k3')]);
    expect(again.every((lease) => lease !== undefined)).toBe(true);
    // A lease that ran out was forgotten: releasing or extending it answers as for any lost lease, and leaves the
    // key's new holder alone.
    expect(await ports.lock.release(third!)).toBe(false);
    expect(await ports.lock.extend(fourth!, 1_000)).toBeUndefined();
    expect(await ports.lock.holder('k2')).toBe(again[0]!.ownerToken);
    await expectMeshError(take('k4'), 'resource_exhausted');
    // The extended lease is still the in-memory lock's: its release goes there.
    expect(await ports.lock.release(extended!)).toBe(true);
    expect(await take('k4')).toBeDefined();
  });

  it('defers at most maxDeferredSubscriptions subscriptions; an unsubscribed one is dropped at once, not at the resync', {
    timeout: 20_000,
  }, async () => {
    const { ports } = await resilientPorts('gateway-bus', { maxDeferredSubscriptions: 2 });
    await server.kill();
    await eventually(() => expect(ports.mode()).toBe('fallback'));

    const heard: Record<string, number[]> = { first: [], second: [], third: [], fourth: [] };
    const listener = (name: string) => (event: MeshEvent) => heard[name]!.push(Number(event.data.n));
    const event = (n: number): MeshEvent => ({
      type: 'story.complete',
      source: 'test',
      time: now(),
      data: { n },
    });

    const stopFirst = await ports.events.subscribe('story.complete', listener('first'));
    await ports.events.subscribe('story.complete', listener('second'));
    const full = await expectMeshError(
      ports.events.subscribe('story.complete', listener('third')),
      'resource_exhausted',
    );
    expect(full.message).toContain('maxDeferredSubscriptions');
    expect(full.details).toMatchObject({
      reason: 'DEFERRED_SUBSCRIPTIONS_EXHAUSTED',
      bound: 'maxDeferredSubscriptions',
      limit: 2,
      limitUnit: 'subscriptions',
    });
    // The refused subscription was not made in memory either.
    await ports.events.publish('story.complete', event(1));
    expect(heard).toEqual({ first: [1], second: [1], third: [], fourth: [] });

    // Unsubscribing frees the place at once.
    await stopFirst();
    await ports.events.subscribe('story.complete', listener('fourth'));
    await expectMeshError(ports.events.subscribe('story.complete', listener('third')), 'resource_exhausted');

    await server.start();
    await eventually(() => expect(ports.mode()).toBe('redis'), { timeoutMs: 8_000 });
    // Another replica publishes through Redis: the deferred subscriptions still held were attached at the
    // resync, the unsubscribed one was not. Pub/sub is at most once: publish until both have heard one.
    const replica = createRedisEventBus({
      connection: await connectToOwnServer(server, 'replica', connections),
    });
    try {
      await eventually(
        async () => {
          await replica.publish('story.complete', event(2));
          expect(heard.second).toContain(2);
          expect(heard.fourth).toContain(2);
        },
        { timeoutMs: 5_000, intervalMs: 50 },
      );
    } finally {
      await replica.close();
    }
    expect(heard.first).toEqual([1]);
    expect(heard.third).toEqual([]);
  });
});
