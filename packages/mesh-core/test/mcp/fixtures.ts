import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import * as z from 'zod';
import type { ToolPorts } from '../../src/context/create-tool-context.js';
import { MeshError } from '../../src/errors/mesh-error.js';
import type { ToolHost } from '../../src/host/tool-host.js';
import {
  createMcpHttpHandler,
  type McpHttpHandler,
  type McpHttpHandlerOptions,
} from '../../src/mcp/mcp-edge.js';
import { createMemoryCostLedger } from '../../src/memory/memory-cost-ledger.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';
import { createMemoryLock } from '../../src/memory/memory-lock.js';
import { createMemoryStateStore } from '../../src/memory/memory-state-store.js';
import { createLocalToolHost, type LocalToolHostOptions } from '../../src/node/local-tool-host.js';
import { defineTool } from '../../src/tool/tool-definition.js';

/** The 2025-era protocol versions a test client may pin. */
export type Era = 'legacy' | 'modern';

export function memoryPorts(): ToolPorts {
  return {
    state: createMemoryStateStore(),
    lock: createMemoryLock(),
    events: createMemoryEventBus(),
    ledger: createMemoryCostLedger(),
  };
}

/** Records what tool handlers saw, for assertions. */
export interface Observed {
  aborted: string[];
  contexts: { correlationId: string; traceparent?: string; budgetId?: string; deadline?: number }[];
}

export function exampleTools(observed: Observed) {
  const echo = defineTool({
    name: 'echo',
    description: 'Returns its input.',
    inputSchema: z.object({ text: z.string().max(100), repeat: z.number().int().min(1).max(3).default(1) }),
    outputSchema: z.object({ text: z.string() }),
    handler: async ({ text, repeat }, context) => {
      observed.contexts.push({
        correlationId: context.correlationId,
        ...(context.traceparent ? { traceparent: context.traceparent } : {}),
        ...(context.budgetId ? { budgetId: context.budgetId } : {}),
        ...(context.deadline ? { deadline: context.deadline } : {}),
      });
      return { structuredContent: { text: text.repeat(repeat ?? 1) } };
    },
  });
  const countdown = defineTool({
    name: 'countdown',
    description: 'Reports progress three times, then answers.',
    inputSchema: z.object({ steps: z.number().int().min(1).max(10) }),
    handler: async ({ steps }, context) => {
      for (let step = 1; step <= steps; step++) {
        context.reportProgress({ progress: step, total: steps, message: `step ${step}` });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return { content: [{ type: 'text', text: 'liftoff' }] };
    },
  });
  const slow = defineTool({
    name: 'slow',
    description: 'Waits until aborted.',
    inputSchema: z.object({ label: z.string() }),
    handler: ({ label }, context) =>
      new Promise<never>((_resolve, reject) => {
        context.signal.addEventListener('abort', () => {
          observed.aborted.push(label);
          reject(context.signal.reason);
        });
      }),
  });
  const explode = defineTool({
    name: 'explode',
    description: 'Always throws.',
    inputSchema: z.object({ kind: z.enum(['plain', 'mesh']) }),
    handler: async ({ kind }) => {
      if (kind === 'mesh')
        throw new MeshError('story quota used up', 'resource_exhausted', { details: { retryAfterMs: 1000 } });
      throw new TypeError('cannot read properties of undefined');
    },
  });
  return [echo, countdown, slow, explode];
}

export function createExampleHost(observed: Observed, options: Partial<LocalToolHostOptions> = {}) {
  return createLocalToolHost({
    id: 'node-a',
    tools: exampleTools(observed),
    ports: memoryPorts(),
    ...options,
  });
}

export interface RunningEdge {
  url: string;
  port: number;
  handler: McpHttpHandler;
  server: Server;
  close(): Promise<void>;
}

/** Serves `host` on a real HTTP server on port 0 at `/mcp`. */
export async function startEdge(host: ToolHost, options: McpHttpHandlerOptions = {}): Promise<RunningEdge> {
  const handler = createMcpHttpHandler(host, options);
  const server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    handler,
    server,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An official MCP client of the given era, connected to `url`. */
export async function connectClient(
  url: string,
  era: Era,
  headers: Record<string, string> = {},
): Promise<Client> {
  const client = new Client(
    { name: `test-${era}`, version: '1.0.0' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** POSTs a raw body to the endpoint and returns status, headers and parsed JSON (or text). */
export async function rawPost(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as JsonRpcReply | undefined };
}

/** The parts of a JSON-RPC reply the tests read. */
export interface JsonRpcReply {
  jsonrpc?: string;
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}
