import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type ClientCapabilities, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CLIENT_CAPABILITIES_META_KEY, createMcpHandler, Server } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { createMcpPeerLink, type McpPeerLink } from '../../src/link/mcp-peer-link.js';
import { createNodeHttpAdapter } from '../../src/mcp/node-http-adapter.js';
import { memoryPorts } from './fixtures.js';
import { startMcpEdge } from './sockets.js';

// What a 2026-07-28 upstream hears from the gateway on each tools/call: the input capabilities of the MCP client
// at the end of the call (declared in the client's own request, or at its 2025-era `initialize`), none for a
// caller that cannot relay input requests, and no mesh-specific `_meta` keys unless the link is told to send them.

/** What the upstream saw on one call: the declared client capabilities and the `_meta` keys besides the envelope. */
interface Seen {
  capabilities: unknown;
  meta: Record<string, unknown>;
}

/** A 2026-07-28 upstream (the official SDK's per-request server) whose `seen` tool answers with what it saw. */
async function startRecordingUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const modern = createMcpHandler(
    () => {
      const server = new Server(
        { name: 'recording-upstream', version: '1.0.0' },
        { capabilities: { tools: {} } },
      );
      server.setRequestHandler('tools/list', () => ({
        tools: [{ name: 'seen', description: 'What the server saw.', inputSchema: { type: 'object' } }],
      }));
      server.setRequestHandler('tools/call', (_request, context) => {
        const envelope = context.mcpReq.envelope as Record<string, unknown> | undefined;
        const seen: Seen = {
          capabilities: envelope?.[CLIENT_CAPABILITIES_META_KEY],
          meta: { ...context.mcpReq._meta },
        };
        return { content: [{ type: 'text', text: JSON.stringify(seen) }] };
      });
      return server;
    },
    { legacy: 'reject' },
  );
  const handler = createNodeHttpAdapter((request, options) => modern.fetch(request, options), {
    maxBodyBytes: 1_000_000,
  });
  const http: HttpServer = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      await modern.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const seenOf = (result: { content?: unknown }): Seen =>
  JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? 'null') as Seen;

/** The official client of `era`, declaring `capabilities`. */
async function connectClient(
  url: string,
  era: 'modern' | 'legacy',
  capabilities: ClientCapabilities,
): Promise<Client> {
  const client = new Client(
    { name: `capabilities-test-${era}`, version: '1.0.0' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' }, capabilities },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const metadata = { correlationId: 'c-caps', hop: 1 };
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('the client capabilities an MCP link declares to a 2026-07-28 upstream', () => {
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let gateway: Gateway;
  let edge: Awaited<ReturnType<typeof startMcpEdge>>;
  const links: McpPeerLink[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    gateway = createGateway({
      id: 'gw-caps',
      ports: memoryPorts(),
      prefixMode: 'always',
      peers: [
        { name: 'lean', replicas: [{ mcp: { url: upstream.url, era: 'modern' } }] },
        { name: 'sdk', replicas: [{ mcp: { url: upstream.url, era: 'modern', leanToolCalls: false } }] },
      ],
    });
    await gateway.start();
    edge = await startMcpEdge(gateway);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    await Promise.all(links.map((link) => link.close()));
    await edge?.close();
    await gateway?.close();
    await upstream?.close();
  });

  const link = (options: { leanToolCalls?: boolean; meshMeta?: boolean } = {}) => {
    const created = createMcpPeerLink({ url: upstream.url, era: 'modern', ...options });
    links.push(created);
    return created;
  };

  for (const path of ['lean', 'sdk'] as const) {
    describe(`on the link's ${path} path`, () => {
      it('passes on what a 2026-07-28 client declared, and an empty set for one that declared none', async () => {
        const asking = await connectClient(edge.url, 'modern', { elicitation: { form: {} } });
        const plain = await connectClient(edge.url, 'modern', {});
        clients.push(asking, plain);
        const toolName = `${path}_seen`;
        expect(seenOf(await asking.callTool({ name: toolName, arguments: {} })).capabilities).toEqual({
          elicitation: { form: {} },
        });
        expect(seenOf(await plain.callTool({ name: toolName, arguments: {} })).capabilities).toEqual({});
        // With a progress token the edge serves the call through the SDK's server, not its relay path.
        const withProgress = await asking.callTool(
          { name: toolName, arguments: {} },
          { onprogress: () => {} },
        );
        expect(seenOf(withProgress).capabilities).toEqual({ elicitation: { form: {} } });
      });

      it('passes on what a 2025-era client declared at initialize', async () => {
        const sampling = await connectClient(edge.url, 'legacy', {
          sampling: {},
          roots: { listChanged: true },
        });
        const plain = await connectClient(edge.url, 'legacy', {});
        clients.push(sampling, plain);
        const toolName = `${path}_seen`;
        expect(seenOf(await sampling.callTool({ name: toolName, arguments: {} })).capabilities).toEqual({
          sampling: {},
          roots: { listChanged: true },
        });
        expect(seenOf(await plain.callTool({ name: toolName, arguments: {} })).capabilities).toEqual({});
      });

      it('declares nothing on callTool, all three on callToolOutcome without the client’s set, else that set', async () => {
        const direct = link({ leanToolCalls: path === 'lean' });
        expect(seenOf(await direct.callTool('seen', {}, { metadata })).capabilities).toEqual({});
        expect(seenOf(await direct.callToolOutcome('seen', {}, { metadata })).capabilities).toEqual({
          elicitation: {},
          sampling: {},
          roots: {},
        });
        const narrowed = await direct.callToolOutcome(
          'seen',
          {},
          { metadata, clientCapabilities: { roots: {} } },
        );
        expect(seenOf(narrowed).capabilities).toEqual({ roots: {} });
      });

      it('sends trace context but no mesh keys by default, and the mesh keys with meshMeta', async () => {
        const plainLink = link({ leanToolCalls: path === 'lean' });
        const traced = { ...metadata, traceparent: TRACEPARENT, budgetId: 'b-1' };
        const plainMeta = seenOf(await plainLink.callTool('seen', {}, { metadata: traced })).meta;
        expect(plainMeta).toEqual({ traceparent: TRACEPARENT });
        const meshLink = link({ leanToolCalls: path === 'lean', meshMeta: true });
        const meshMeta = seenOf(
          await meshLink.callTool('seen', {}, { metadata: traced, timeoutMs: 5_000 }),
        ).meta;
        expect(meshMeta).toMatchObject({
          traceparent: TRACEPARENT,
          'io.kidsstories/correlation-id': 'c-caps',
          'io.kidsstories/budget-id': 'b-1',
        });
        expect(meshMeta['io.kidsstories/timeout-ms']).toBeGreaterThan(0);
        expect(meshMeta['io.kidsstories/timeout-ms']).toBeLessThanOrEqual(5_000);
      });
    });
  }
});
