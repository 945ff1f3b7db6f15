import {
  createGateway,
  createMeshNode,
  defineTool,
  type Gateway,
  MeshError,
  type MeshNode,
} from '@kidsstories/mesh-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createRedisPorts } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

/**
 * Issue 3: "two gateways share breaker state end to end". Two gateway replicas, each with its own Redis
 * connection, share circuit state and breaker events through Redis; when the first opens its breaker on a failing
 * peer, the second rejects fast without calling the peer.
 */
describe('two gateways sharing breaker state through Redis', () => {
  const breaker = {
    failureRatio: 0.5,
    samplingDurationMs: 5_000,
    minimumThroughput: 4,
    breakDurationMs: 30_000,
  };
  const closers: Array<() => Promise<void>> = [];
  let prefix: string;
  let peerCalls = 0;
  let peer: MeshNode;

  const failing = defineTool({
    name: 'flaky_render',
    description: 'Always fails as unavailable (a downstream outage).',
    inputSchema: z.object({}),
    handler: async () => {
      peerCalls += 1;
      throw new MeshError('render farm is down', 'unavailable');
    },
  });

  const startGateway = async (id: string): Promise<Gateway> => {
    const redis = createRedisPorts({ url: REDIS_URL, keyPrefix: prefix, instanceId: id });
    await redis.ready();
    const gateway = createGateway({
      id,
      ports: redis,
      peers: [{ name: 'video', replicas: [peer.meshUrl], policy: { retry: { maxAttempts: 1 }, breaker } }],
      watchPeers: false,
    });
    await gateway.start();
    closers.push(async () => {
      await gateway.close();
      await redis.close();
    });
    return gateway;
  };

  const call = (gateway: Gateway) =>
    gateway.callTool(
      'flaky_render',
      {},
      { signal: new AbortController().signal, correlationId: 'c', hop: 0 },
    );

  beforeEach(async () => {
    await requireRedis();
    prefix = uniquePrefix('two-gateways');
    peerCalls = 0;
    peer = createMeshNode({ id: 'video', tools: [failing] });
    await peer.start();
    closers.push(() => peer.close());
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('when one replica opens the breaker, the other rejects fast without calling the peer', async () => {
    const first = await startGateway('gw-1');
    const second = await startGateway('gw-2');

    for (let attempt = 0; attempt < 20; attempt += 1) {
      const error = await call(first).catch((reason: unknown) => reason);
      expect(MeshError.isInstance(error)).toBe(true);
      const status = await readState(first);
      if (status === 'open') break;
    }
    expect(await readState(first)).toBe('open');

    // The second replica adopts the shared state (pub/sub hint, Redis as authority) within 100 ms.
    const deadline = performance.now() + 100;
    while ((await readState(second)) !== 'open' && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await readState(second)).toBe('open');

    const before = peerCalls;
    const started = performance.now();
    const error = await call(second).catch((reason: unknown) => reason);
    const elapsedMs = performance.now() - started;
    expect(MeshError.isInstance(error) && error.code).toBe('unavailable');
    expect(peerCalls).toBe(before);
    expect(elapsedMs).toBeLessThan(50);

    // A replica started now adopts the open breaker instead of resetting it.
    const third = await startGateway('gw-3');
    expect(await readState(third)).toBe('open');
    const thirdError = await call(third).catch((reason: unknown) => reason);
    expect(MeshError.isInstance(thirdError) && thirdError.code).toBe('unavailable');
    expect(peerCalls).toBe(before);
  });
});

async function readState(gateway: Gateway): Promise<string | undefined> {
  const report = await gateway.callTool(
    'circuit_status',
    {},
    { signal: new AbortController().signal, correlationId: 'status', hop: 0 },
  );
  const peers = (report.structuredContent as { peers: Array<{ peer: string; circuit: { state: string } }> })
    .peers;
  return peers.find((entry) => entry.peer === 'video')?.circuit.state;
}
