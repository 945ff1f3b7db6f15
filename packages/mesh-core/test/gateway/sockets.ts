import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { ToolHost } from '../../src/host/tool-host.js';
import { createMeshServer, type MeshServer } from '../../src/link/mesh-server.js';
import { createMcpHttpHandler } from '../../src/mcp/mcp-edge.js';
import { createLocalToolHost, type LocalToolHost } from '../../src/node/local-tool-host.js';
import { memoryPorts, type PeerRecord, peerTools } from './fixtures.js';

/** A peer node on a real HTTP/2 socket (port 0, or `port` to come back on the same address). */
export interface RunningPeer {
  host: LocalToolHost;
  server: MeshServer;
  url: string;
  port: number;
}

export async function startPeer(id: string, record: PeerRecord, port = 0): Promise<RunningPeer> {
  const host = createLocalToolHost({ id, tools: peerTools(id, record), ports: memoryPorts() });
  const server = createMeshServer({ host, port, closeTimeoutMs: 2000 });
  await server.start();
  return { host, server, url: server.url, port: server.port };
}

/**
 * Serves a host's MCP endpoint on a real HTTP server on port 0. The server never closes an idle keep-alive
 * connection (`keepAliveTimeout` 0): only its clients do. With Node's default (5 s) the server closes a connection
 * idle for 5 s while the client's pool (undici: the server's hint less 2 s) may still hand it out: with client and
 * server in one process, an event loop stalled across both timers (a busy machine) lets the client write its next
 * request on the connection the server destroys on the next tick, and the request fails `ECONNRESET` ("fetch
 * failed" from an MCP client, `unavailable` from a link).
 */
export async function startMcpEdge(host: ToolHost): Promise<{ url: string; close(): Promise<void> }> {
  const handler = createMcpHttpHandler(host);
  const server: Server = createServer((request, response) => void handler(request, response));
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The official MCP client, of the 2026-07-28 (`modern`) or 2025 (`legacy`) protocol era. */
export async function connectMcpClient(url: string, era: 'modern' | 'legacy'): Promise<Client> {
  const client = new Client(
    { name: `gateway-test-${era}`, version: '1.0.0' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
