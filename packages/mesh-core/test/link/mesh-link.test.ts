import * as http2 from 'node:http2';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterEach, describe, expect, it } from 'vitest';
import { MeshError } from '../../src/errors/mesh-error.js';
import { MeshService } from '../../src/gen/mesh/v1/mesh_pb.js';
import { createMeshServer, type MeshServer, type MeshServerOptions } from '../../src/link/mesh-server.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import type { PeerLink } from '../../src/link/peer-link-types.js';
import { meshFailureOf } from '../../src/testing/index.js';
import { createTestHost, metadata, type TestHost } from './fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function setup(options: Partial<MeshServerOptions> = {}): Promise<{
  host: TestHost;
  server: MeshServer;
  link: PeerLink;
}> {
  const host = createTestHost();
  const server = createMeshServer({ host, ...options });
  await server.start();
  cleanup.push(() => server.close({ timeoutMs: 100 }));
  const link = createPeerLink({ url: server.url });
  cleanup.push(() => link.close());
  return { host, server, link };
}

describe('mesh service over a peer link (h2c)', () => {
  it('lists tools with schemas and annotations', async () => {
    const { link, server } = await setup();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const tools = await link.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['echo', 'progress', 'wait', 'gate', 'fail', 'crash']);
    expect(tools[0]).toEqual({
      name: 'echo',
      title: 'Echo',
      description: 'Returns its text.',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      outputSchema: { type: 'object', properties: { text: { type: 'string' } } },
      annotations: { readOnlyHint: true },
    });
    expect(tools[1]).not.toHaveProperty('title');
  });

  it('makes a unary call and carries the metadata headers', async () => {
    const { link, host } = await setup();
    const result = await link.callTool(
      'echo',
      { text: 'once upon a time' },
      {
        timeoutMs: 5_000,
        metadata: {
          correlationId: 'corr-42',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          tracestate: 'vendor=value',
          budgetId: 'budget-7',
          hop: 3,
        },
      },
    );
    expect(result).toEqual({
      content: [{ type: 'text', text: 'once upon a time' }],
      structuredContent: { text: 'once upon a time' },
    });
    const [received] = host.calls;
    expect(received?.name).toBe('echo');
    expect(received?.args).toEqual({ text: 'once upon a time' });
    expect(received?.call).toMatchObject({
      correlationId: 'corr-42',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=value',
      budgetId: 'budget-7',
      hop: 3,
    });
    expect(received?.call.principal).toBeUndefined();
    // The deadline travelled as grpc-timeout and became an absolute deadline on the server.
    const remainingMs = (received?.call.deadline ?? 0) - Date.now();
    expect(remainingMs).toBeGreaterThan(3_000);
    expect(remainingMs).toBeLessThanOrEqual(5_000);
  });

  it('streams progress before the result when onProgress is set', async () => {
    const { link } = await setup();
    const seen: unknown[] = [];
    const result = await link.callTool(
      'progress',
      {},
      { metadata: metadata(), onProgress: (progress) => seen.push({ ...progress, at: 'progress' }) },
    );
    expect(seen).toEqual([
      { progress: 1, total: 3, message: 'step 1', at: 'progress' },
      { progress: 2, total: 3, message: 'step 2', at: 'progress' },
      { progress: 3, total: 3, message: 'step 3', at: 'progress' },
    ]);
    expect(result).toEqual({ content: [{ type: 'text', text: 'done' }] });
  });

  it("aborts the handler's signal on the server when the client's deadline passes", async () => {
    const { link, host } = await setup();
    const error = await meshFailureOf(link.callTool('wait', {}, { timeoutMs: 150, metadata: metadata() }));
    expect(error.code).toBe('deadline_exceeded');
    const aborted = await host.aborted;
    expect(aborted.afterMs).toBeGreaterThanOrEqual(100);
    expect(aborted.afterMs).toBeLessThan(2_000);
    expect(host.calls[0]?.call.signal.aborted).toBe(true);
  });

  it('rejects a call whose deadline already passed without sending it', async () => {
    const { link, host } = await setup();
    for (const timeoutMs of [0, -5]) {
      const error = await meshFailureOf(
        link.callTool('echo', { text: 'x' }, { timeoutMs, metadata: metadata() }),
      );
      expect(error.code).toBe('deadline_exceeded');
    }
    expect(host.calls).toHaveLength(0);
  });

  it('cancels the server-side call when the caller aborts its signal', async () => {
    const { link, host } = await setup();
    const controller = new AbortController();
    const pending = link.callTool('wait', {}, { signal: controller.signal, metadata: metadata() });
    await expect.poll(() => host.calls.length).toBe(1);
    controller.abort();
    expect((await meshFailureOf(pending)).code).toBe('canceled');
    await host.aborted;
    expect(host.calls[0]?.call.signal.aborted).toBe(true);
  });

  it('rejects a call over the hop limit, naming the count and the limit', async () => {
    const { link, host } = await setup({ maxHops: 4 });
    await expect(
      link.callTool('echo', { text: 'x' }, { metadata: metadata({ hop: 4 }) }),
    ).resolves.toBeDefined();
    const error = await meshFailureOf(
      link.callTool('echo', { text: 'x' }, { metadata: metadata({ hop: 5 }) }),
    );
    expect(error.code).toBe('failed_precondition');
    expect(error.message).toContain('hop count 5');
    expect(error.message).toContain('limit of 4');
    expect(error.details).toMatchObject({ hop: 5, limit: 4, limitUnit: 'hops' });
    expect(host.calls).toHaveLength(1);
  });

  it('carries MeshError codes and details across the link; other failures become internal', async () => {
    const { link } = await setup();
    const failed = await meshFailureOf(link.callTool('fail', {}, { metadata: metadata() }));
    expect(failed.code).toBe('not_found');
    expect(failed.message).toBe('no such story');
    expect(failed.details).toMatchObject({ suggestions: ['echo'], field: 'id' });
    const crashed = await meshFailureOf(link.callTool('crash', {}, { metadata: metadata() }));
    expect(crashed.code).toBe('internal');
    // Errors reported by the streamed call are mapped the same way.
    const streamed = await meshFailureOf(
      link.callTool('fail', {}, { metadata: metadata(), onProgress: () => {} }),
    );
    expect(streamed.code).toBe('not_found');
    expect(streamed.details.suggestions).toEqual(['echo']);
  });

  it('rejects an oversized request with resource_exhausted naming the limit', async () => {
    const { link, host } = await setup({ readMaxBytes: 64 * 1024 });
    const error = await meshFailureOf(
      link.callTool('echo', { text: 'x'.repeat(100 * 1024) }, { metadata: metadata() }),
    );
    expect(error.code).toBe('resource_exhausted');
    expect(error.message).toContain('65536');
    expect(host.calls).toHaveLength(0);
    // The connection stays usable.
    await expect(link.callTool('echo', { text: 'small' }, { metadata: metadata() })).resolves.toBeDefined();
  });

  it('rejects arguments that are not a JSON object with invalid_argument naming the field', async () => {
    const { server } = await setup();
    const client = createClient(MeshService, createGrpcTransport({ baseUrl: server.url }));
    for (const argumentsJson of ['{not json', '[1,2]']) {
      const error = await meshFailureOf(
        client.callTool({ name: 'echo', argumentsJson }).catch((reason: unknown) => {
          throw MeshError.from(reason);
        }),
      );
      expect(error.code).toBe('invalid_argument');
      expect(error.message).toContain('arguments_json');
    }
  });

  it('reports health', async () => {
    const { link, host } = await setup();
    expect(await link.health()).toBe('serving');
    host.setHealth('draining');
    expect(await link.health()).toBe('draining');
  });

  it('maps an unreachable peer to unavailable', async () => {
    const { server } = await setup();
    const url = server.url;
    await server.close();
    const link = createPeerLink({ url });
    cleanup.push(() => link.close());
    const error = await meshFailureOf(
      link.callTool('echo', { text: 'x' }, { timeoutMs: 2_000, metadata: metadata() }),
    );
    expect(error.code).toBe('unavailable');
    expect(error.details.origin).toBe(url);
  });

  it('lets calls in flight finish when the server closes gracefully', async () => {
    const { link, server, host } = await setup();
    const pending = link.callTool('gate', {}, { metadata: metadata() });
    await expect.poll(() => host.calls.length).toBe(1);
    const closing = server.close({ timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.inFlight).toBe(1);
    host.openGate();
    await expect(pending).resolves.toEqual({ content: [{ type: 'text', text: 'gate opened' }] });
    await closing;
    expect((await meshFailureOf(link.health({ timeoutMs: 2_000 }))).code).toBe('unavailable');
  });

  it('sends GOAWAY (NO_ERROR) on open connections when it closes', async () => {
    const { server } = await setup();
    const session = http2.connect(server.url);
    cleanup.push(async () => {
      session.destroy();
    });
    await new Promise((resolve) => session.once('connect', resolve));
    const goaway = new Promise((resolve) => session.once('goaway', resolve));
    const closing = server.close({ timeoutMs: 1_000 });
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await closing;
  });

  it('cuts off calls still in flight when the close timeout passes', async () => {
    const { link, server, host } = await setup();
    const pending = meshFailureOf(link.callTool('wait', {}, { metadata: metadata() }));
    await expect.poll(() => host.calls.length).toBe(1);
    await server.close({ timeoutMs: 50 });
    await host.aborted;
    expect(host.calls[0]?.call.signal.aborted).toBe(true);
    // The peer reset the stream under a caller that did not cancel: the peer is gone for this call, which is
    // `unavailable` (issue 12 item 4); `connection_lost` says the call may have done work.
    const error = await pending;
    expect(error.code).toBe('unavailable');
    expect(error.details.reason).toBe('connection_lost');
  });

  it('rejects calls on a closed link with unavailable', async () => {
    const { link } = await setup();
    await link.close();
    const error = await meshFailureOf(link.listTools());
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('closed');
  });

  it('rejects bad options naming the field', () => {
    const host = createTestHost();
    expect(() => createMeshServer({ host, readMaxBytes: 0 })).toThrow(/readMaxBytes/);
    expect(() => createMeshServer({ host, maxHops: -1 })).toThrow(/maxHops/);
    expect(() => createPeerLink({ url: 'ftp://example.com' })).toThrow(/url must be http/);
  });
});
