import * as http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/gateway.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import { createMemoryCostLedger } from '../../src/memory/memory-cost-ledger.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';
import { createMemoryLock } from '../../src/memory/memory-lock.js';
import { createMemoryStateStore } from '../../src/memory/memory-state-store.js';
import { createTestHost, metadata, serveWithHook, type TestHost } from './fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** How the raw HTTP/2 server in front of the mesh service treats incoming streams. */
type StreamHook = (stream: http2.ServerHttp2Stream) => 'handled' | 'serve';

/** The real mesh service behind a raw HTTP/2 server whose `hook` sees every stream first. */
async function serveStreamsWithHook(host: TestHost, hook: StreamHook): Promise<string> {
  const { url } = await serveWithHook(host, (request) => hook(request.stream), cleanup);
  return url;
}

const refuse: StreamHook = (stream) => {
  stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  return 'handled';
};

describe('peer link: requests the peer did not process', () => {
  it("reports calls racing the peer's GOAWAY as unavailable, and reconnects for the next call", async () => {
    const host = createTestHost();
    let goneAway = false;
    const url = await serveStreamsWithHook(host, (stream) => {
      if (!goneAway) {
        goneAway = true;
        // Graceful shutdown, as MeshServer.close does: the first stream runs, later ones are refused.
        stream.session?.close();
      }
      return 'serve';
    });
    // Unary calls, one HTTP/2 stream each (on a call channel they share one stream; see call-channel.test.ts).
    const link = createPeerLink({ url, callChannel: false });
    cleanup.push(() => link.close());

    // Three calls opened together on one HTTP/2 session; the GOAWAY arrives while they start.
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'c'].map((text) => link.callTool('echo', { text }, { metadata: metadata() })),
    );
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled' });
    for (const outcome of outcomes.slice(1)) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: {
          code: 'unavailable',
          message: expect.stringContaining('NGHTTP2_REFUSED_STREAM'),
          details: { origin: url, reason: 'not_processed' },
        },
      });
    }
    // The refused requests never reached the tool host.
    expect(host.calls.map((call) => call.args.text)).toEqual(['a']);

    const after = await link.callTool('echo', { text: 'd' }, { metadata: metadata() });
    expect(after.structuredContent).toEqual({ text: 'd' });
    expect(host.calls).toHaveLength(2);
  });

  it('maps RST_STREAM REFUSED_STREAM to unavailable on unary and streamed calls', async () => {
    const url = await serveStreamsWithHook(createTestHost(), refuse);
    const link = createPeerLink({ url });
    cleanup.push(() => link.close());
    await expect(link.callTool('echo', { text: 'x' }, { metadata: metadata() })).rejects.toMatchObject({
      code: 'unavailable',
      details: { reason: 'not_processed' },
    });
    await expect(
      link.callTool('progress', {}, { metadata: metadata(), onProgress: () => {} }),
    ).rejects.toMatchObject({ code: 'unavailable', details: { reason: 'not_processed' } });
    await expect(link.listTools()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('keeps other stream resets and errors the peer sent as internal (the request may have run)', async () => {
    const host = createTestHost();
    const url = await serveStreamsWithHook(host, (stream) => {
      if (host.calls.length === 0) return 'serve';
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return 'handled';
    });
    // Unary calls: the second call's own stream is reset (a channel resets all its calls; see call-channel.test.ts).
    const link = createPeerLink({ url, callChannel: false });
    cleanup.push(() => link.close());
    // The tool host throws a plain Error: the peer answers `internal` itself.
    await expect(link.callTool('crash', {}, { metadata: metadata() })).rejects.toMatchObject({
      code: 'internal',
    });
    const reset = await link.callTool('echo', { text: 'x' }, { metadata: metadata() }).catch((e) => e);
    expect(reset).toMatchObject({ code: 'internal', message: expect.stringContaining('INTERNAL_ERROR') });
    expect(reset.details.reason).toBeUndefined();
  });

  it('lets a gateway fail over a refused stream to another replica', async () => {
    const refusing = await serveStreamsWithHook(createTestHost('refusing'), refuse);
    const healthyHost = createTestHost('healthy');
    const healthy = await serveStreamsWithHook(healthyHost, () => 'serve');
    const gateway = createGateway({
      id: 'gw-refused',
      watchPeers: false,
      ports: {
        state: createMemoryStateStore(),
        lock: createMemoryLock(),
        events: createMemoryEventBus(),
        ledger: createMemoryCostLedger(),
      },
      // No retries: only the replica router's failover can save these calls.
      peers: [{ name: 'story', replicas: [refusing, healthy], policy: { retry: { maxAttempts: 1 } } }],
    });
    cleanup.push(() => gateway.close());
    await gateway.start();
    for (let i = 0; i < 4; i += 1) {
      const result = await gateway.callTool(
        'echo',
        { text: `call ${i}` },
        { signal: new AbortController().signal, correlationId: `c-${i}`, hop: 0 },
      );
      expect(result.structuredContent).toEqual({ text: `call ${i}` });
    }
    expect(healthyHost.calls).toHaveLength(4);
    const [refused] = gateway.peerStatus()[0]?.replicas ?? [];
    expect(refused).toMatchObject({ url: refusing, available: false });
    expect(refused?.unavailableCount).toBeGreaterThanOrEqual(1);
  });
});
