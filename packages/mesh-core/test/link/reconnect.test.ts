import { afterEach, describe, expect, it } from 'vitest';
import { createMeshServer, type MeshServer } from '../../src/link/mesh-server.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import type { NodeEvent } from '../../src/link/peer-link-types.js';
import { createTestHost, metadata, type TestHost } from './fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function serve(port = 0, host: TestHost = createTestHost()): Promise<MeshServer> {
  const server = createMeshServer({ host, port, closeTimeoutMs: 200 });
  await server.start();
  cleanup.push(() => server.close());
  return server;
}

describe('peer link reconnects', () => {
  it('reuses one HTTP/2 session and reconnects after the peer restarts on the same port', async () => {
    const first = await serve();
    const port = first.port;
    const link = createPeerLink({ url: first.url, pingIntervalMs: 1_000, pingTimeoutMs: 500 });
    cleanup.push(() => link.close());
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((text) => link.callTool('echo', { text }, { metadata: metadata() })),
    );
    await link.listTools();
    expect(first.connections).toBe(1);
    await first.close();
    const error = await link.health({ timeoutMs: 1_000 }).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'unavailable' });

    const restarted = createTestHost('node-a-restarted');
    await serve(port, restarted);
    const result = await link.callTool('echo', { text: 'after' }, { metadata: metadata() });
    expect(result.structuredContent).toEqual({ text: 'after' });
    expect(restarted.calls).toHaveLength(1);
  });
});

describe('watchEvents', () => {
  it('delivers tools_changed, published circuit and draining events, and reconnects after a restart', async () => {
    const host = createTestHost();
    const server = await serve(0, host);
    const port = server.port;
    const link = createPeerLink({ url: server.url, watchBackoff: { initialMs: 20, maxMs: 100 } });
    cleanup.push(() => link.close());
    const events: NodeEvent[] = [];
    const stop = link.watchEvents((event) => events.push(event));
    cleanup.push(async () => stop());

    // Every (re)connected stream starts with tools_changed so the watcher re-reads the list.
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toEqual({ kind: 'tools_changed', nodeId: 'node-a' });

    host.changeTools();
    server.publishEvent({ kind: 'circuit', nodeId: 'node-a', target: 'peer-b', state: 'open' });
    await expect.poll(() => events.length).toBe(3);
    expect(events.slice(1)).toEqual([
      { kind: 'tools_changed', nodeId: 'node-a' },
      { kind: 'circuit', nodeId: 'node-a', target: 'peer-b', state: 'open' },
    ]);

    await server.close();
    await expect.poll(() => events.at(-1)).toEqual({ kind: 'draining', nodeId: 'node-a' });

    const restarted = createTestHost('node-a2');
    const second = await serve(port, restarted);
    await expect
      .poll(() => events.at(-1), { timeout: 5_000 })
      .toEqual({ kind: 'tools_changed', nodeId: 'node-a2' });
    restarted.changeTools();
    second.publishEvent({ kind: 'circuit', nodeId: 'node-a2', target: 'peer-b', state: 'half_open' });
    await expect
      .poll(() => events.at(-1))
      .toEqual({
        kind: 'circuit',
        nodeId: 'node-a2',
        target: 'peer-b',
        state: 'half_open',
      });

    stop();
    const count = events.length;
    second.publishEvent({ kind: 'draining', nodeId: 'node-a2' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toHaveLength(count);
  });

  it('tells a watcher that connects to a draining node', async () => {
    const host = createTestHost();
    host.setHealth('draining');
    const server = await serve(0, host);
    const link = createPeerLink({ url: server.url });
    cleanup.push(() => link.close());
    const events: NodeEvent[] = [];
    cleanup.push(async () => stop());
    const stop = link.watchEvents((event) => events.push(event));
    await expect
      .poll(() => events)
      .toEqual([
        { kind: 'tools_changed', nodeId: 'node-a' },
        { kind: 'draining', nodeId: 'node-a' },
      ]);
  });
});
