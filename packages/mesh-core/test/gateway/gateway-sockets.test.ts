import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { createMemoryCircuitStateStore } from '../../src/memory/memory-circuit-state-store.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';
import type { ToolProgress } from '../../src/tool/tool-context.js';
import { createRecord, inbound, memoryPorts, type PeerRecord } from './fixtures.js';
import { connectMcpClient, eventually, type RunningPeer, startMcpEdge, startPeer } from './sockets.js';

const fastRetry = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };

describe('gateway over real sockets', () => {
  const record = createRecord();
  let storyA: RunningPeer;
  let storyB: RunningPeer;
  let media: RunningPeer;
  let gateway: Gateway;
  let edge: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    [storyA, storyB, media] = await Promise.all([
      startPeer('story-a', record),
      startPeer('story-b', record),
      startPeer('media', record),
    ]);
    gateway = createGateway({
      id: 'gw-sockets',
      ports: memoryPorts(),
      peers: [
        { name: 'story', replicas: [storyA.url, storyB.url], policy: fastRetry },
        { name: 'media', replicas: [media.url], policy: fastRetry },
      ],
    });
    await gateway.start();
    edge = await startMcpEdge(gateway);
  });

  afterAll(async () => {
    await edge?.close();
    await gateway?.close();
    await Promise.all([storyA, storyB, media].map((peer) => peer?.server.close()));
  });

  for (const era of ['modern', 'legacy'] as const) {
    it(`lists and calls through the gateway's MCP endpoint (${era} client)`, async () => {
      const client = await connectMcpClient(edge.url, era);
      try {
        const { tools } = await client.listTools();
        const names = tools.map((tool) => tool.name);
        expect(names).toEqual(
          expect.arrayContaining(['route', 'budget_check', 'circuit_status', 'story_echo', 'media_echo']),
        );
        expect(tools.find((tool) => tool.name === 'media_echo')?._meta).toMatchObject({
          'io.kidsstories/origin': { peer: 'media', tool: 'echo' },
        });
        const result = await client.callTool({ name: 'media_echo', arguments: { text: `via ${era}` } });
        expect(result.structuredContent).toEqual({ text: `via ${era}`, node: 'media' });
        const status = await client.callTool({ name: 'circuit_status', arguments: {} });
        expect(status.isError).toBeFalsy();
        expect(status.structuredContent).toMatchObject({ peers: [{ peer: 'story' }, { peer: 'media' }] });
      } finally {
        await client.close();
      }
    });
  }

  it('spreads calls over both replicas and passes progress back', async () => {
    const nodes = new Set<string>();
    const progress: ToolProgress[] = [];
    for (let i = 0; i < 6; i += 1) {
      const result = await gateway.callTool(
        'story_hold',
        { ms: 1 },
        inbound({ onProgress: (update) => progress.push(update) }),
      );
      nodes.add((result.structuredContent as { node: string }).node);
    }
    expect([...nodes].sort()).toEqual(['story-a', 'story-b']);
    expect(progress).toHaveLength(6);
    expect(progress[0]).toMatchObject({ progress: 1, total: 2 });
  });

  it("cancels the tool on the peer when the caller's deadline passes", async () => {
    const started = Date.now();
    await expect(
      gateway.callTool('media_wait', { label: 'deadline' }, inbound({ deadline: Date.now() + 250 })),
    ).rejects.toMatchObject({ code: 'deadline_exceeded' });
    expect(Date.now() - started).toBeLessThan(1500);
    await eventually(() => record.aborted.includes('deadline'));
  });

  it('cancels the tool on the peer when the caller cancels', async () => {
    const waits = () => record.calls.filter((call) => call === 'media:wait').length;
    const before = waits();
    const controller = new AbortController();
    const call = gateway.callTool('media_wait', { label: 'cancel' }, inbound({ signal: controller.signal }));
    await eventually(() => waits() > before);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'canceled' });
    await eventually(() => record.aborted.includes('cancel'));
  });

  it('carries correlation id, budget id and hop + 1 to the peer', async () => {
    const before = record.contexts.length;
    await gateway.callTool(
      'media_echo',
      { text: 'meta' },
      inbound({ correlationId: 'corr-xyz', budgetId: 'day-1', hop: 1 }),
    );
    expect(record.contexts.slice(before)).toEqual([
      expect.objectContaining({ node: 'media', correlationId: 'corr-xyz', budgetId: 'day-1', hop: 2 }),
    ]);
  });

  it('refreshes when a peer reports tools_changed over its event stream', async () => {
    let changed = 0;
    const stop = gateway.onToolsChanged(() => {
      changed += 1;
    });
    media.host.removeTool('hold');
    await eventually(async () => !(await gateway.listTools()).some((tool) => tool.name === 'media_hold'));
    expect(changed).toBeGreaterThanOrEqual(1);
    stop();
  });
});

describe('gateway failover under load', () => {
  it('loses no retry-safe call while a replica stops', async () => {
    const record = createRecord();
    const [a, b] = await Promise.all([startPeer('a', record), startPeer('b', record)]);
    const gateway = createGateway({
      id: 'gw-load',
      ports: memoryPorts(),
      peers: [{ name: 'story', replicas: [a.url, b.url], routing: 'least_outstanding', policy: fastRetry }],
    });
    try {
      await gateway.start();
      const total = 200;
      let next = 0;
      let done = 0;
      const failures: unknown[] = [];
      const servedBy: Record<string, number> = {};
      let stopping: Promise<void> | undefined;
      const worker = async () => {
        while (next < total) {
          next += 1;
          try {
            const result = await gateway.callTool('hold', { ms: 2 }, inbound());
            const node = (result.structuredContent as { node: string }).node;
            servedBy[node] = (servedBy[node] ?? 0) + 1;
          } catch (error) {
            failures.push(error);
          }
          done += 1;
          if (done === 60) stopping = b.server.close();
        }
      };
      await Promise.all(Array.from({ length: 10 }, worker));
      await stopping;
      expect(failures).toEqual([]);
      expect(done).toBe(total);
      expect(servedBy.b).toBeGreaterThan(0);
      expect(servedBy.a).toBeGreaterThan(servedBy.b ?? 0);
      expect(gateway.peerStatus()[0]?.replicas[1]).toMatchObject({ available: false });
    } finally {
      await gateway.close();
      await Promise.all([a.server.close(), b.server.close()]);
    }
  });
});

describe('gateway circuit breaker over real sockets', () => {
  const breaker = { failureRatio: 0.5, samplingDurationMs: 2000, minimumThroughput: 4, breakDurationMs: 300 };
  const gateways: Gateway[] = [];
  let peer: RunningPeer;
  let record: PeerRecord;

  beforeAll(async () => {
    record = createRecord();
    peer = await startPeer('flaky', record);
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });
  afterAll(async () => {
    await peer?.server.close();
  });

  const gatewayFor = (id: string, ports = memoryPorts()) => {
    const gateway = createGateway({
      id,
      ports,
      peers: [{ name: 'flaky', replicas: [peer.url], policy: { retry: { maxAttempts: 1 }, breaker } }],
    });
    gateways.push(gateway);
    return gateway;
  };

  /** Fails calls until the breaker opens (listings count as successes in its window, so how many varies). */
  const trip = async (gateway: Gateway) => {
    await gateway.start();
    let failures = 0;
    while (gateway.peerStatus()[0]?.circuit.state === 'closed') {
      await expect(gateway.callTool('fail', { code: 'internal' }, inbound())).rejects.toMatchObject({
        code: 'internal',
      });
      failures += 1;
      expect(failures).toBeLessThanOrEqual(breaker.minimumThroughput);
    }
  };

  it('opens, rejects fast without calling the peer, half-opens and closes', async () => {
    const gateway = gatewayFor('gw-breaker');
    await trip(gateway);
    expect(gateway.peerStatus()[0]?.circuit.state).toBe('open');
    const calls = record.calls.length;
    // Rejected by the open breaker itself: the peer sees no call.
    await expect(gateway.callTool('echo', { text: 'x' }, inbound())).rejects.toMatchObject({
      code: 'unavailable',
      details: { circuit: 'open' },
    });
    expect(record.calls.length).toBe(calls);

    await new Promise((resolve) => setTimeout(resolve, 320));
    const result = await gateway.callTool('echo', { text: 'probe' }, inbound());
    expect(result.structuredContent).toMatchObject({ text: 'probe' });
    expect(gateway.peerStatus()[0]?.circuit.state).toBe('closed');
    expect(record.calls.length).toBe(calls + 1);
  });

  it('makes a second gateway sharing the circuit state reject fast', async () => {
    const shared = { circuitState: createMemoryCircuitStateStore(), events: createMemoryEventBus() };
    const first = gatewayFor('gw-1', { ...memoryPorts(), ...shared });
    const second = gatewayFor('gw-2', { ...memoryPorts(), ...shared });
    await second.start();
    await trip(first);
    await eventually(() => second.peerStatus()[0]?.circuit.state === 'open');
    const calls = record.calls.length;
    await expect(second.callTool('echo', { text: 'x' }, inbound())).rejects.toMatchObject({
      code: 'unavailable',
      details: { circuit: 'open', retryAfterMs: expect.any(Number) },
    });
    expect(record.calls.length).toBe(calls);
    expect(second.peerStatus()[0]?.circuit).toMatchObject({ updatedBy: 'gw-1' });
    expect(await shared.circuitState.get('peer:flaky')).toMatchObject({ state: 'open', updatedBy: 'gw-1' });
  });
});
