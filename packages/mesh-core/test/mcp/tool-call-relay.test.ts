import { type AuthInfo, Server } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import type { ToolHost } from '../../src/host/tool-host.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { inputTools } from '../gateway/input-tools.js';
import { eventually } from '../gateway/sockets.js';
import {
  connectClient,
  exampleTools,
  memoryPorts,
  type Observed,
  type RunningEdge,
  rawPost,
  startEdge,
} from './fixtures.js';

// The relay path (src/mcp/tool-call-relay.ts) answers plain 2026-07-28 tools/call requests without the SDK's
// per-request server. These tests send the same requests to one host served twice, with and without the relay
// path, and require the same answers; they also check which requests the relay path takes.

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'relay-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface CallShape {
  id?: unknown;
  args?: unknown;
  meta?: Record<string, unknown>;
  params?: Record<string, unknown>;
  /** Header overrides; `null` removes a header. */
  headers?: Record<string, string | null>;
}

function toolCall(name: string, shape: CallShape = {}) {
  const params: Record<string, unknown> = {
    name,
    ...(shape.args === undefined ? {} : { arguments: shape.args }),
    _meta: { ...ENVELOPE, ...shape.meta },
    ...shape.params,
  };
  const headers: Record<string, string> = {};
  const wanted: Record<string, string | null> = {
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': name,
    ...shape.headers,
  };
  for (const [key, value] of Object.entries(wanted)) if (value !== null) headers[key] = value;
  return {
    body: JSON.stringify({ jsonrpc: '2.0', id: 'id' in shape ? shape.id : 7, method: 'tools/call', params }),
    headers,
  };
}

/** Tools beyond the shared examples: outcomes the relay path hands to the SDK, and a call counter. */
function relayTools(calls: Map<string, number>, started: string[]) {
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  return [
    defineTool({
      name: 'picture',
      description: 'Returns an image block.',
      inputSchema: z.object({}),
      handler: async () => {
        count('picture');
        return { content: [{ type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }] };
      },
    }),
    defineTool({
      name: 'annotated',
      description: 'Returns text with annotations and a result _meta.',
      inputSchema: z.object({}),
      handler: async () => {
        count('annotated');
        return {
          content: [{ type: 'text', text: 'hi', annotations: { audience: ['user'] } }],
          _meta: { 'io.kidsstories/origin': 'test' },
        };
      },
    }),
    defineTool({
      name: 'plain',
      description: 'Returns text only and counts its calls.',
      inputSchema: z.object({ word: z.string() }),
      handler: async ({ word }) => {
        count('plain');
        return { content: [{ type: 'text', text: `${word}!` }] };
      },
    }),
    defineTool({
      name: 'wait',
      description: 'Records that it started, then waits until aborted.',
      inputSchema: z.object({ label: z.string() }),
      handler: ({ label }, context) =>
        new Promise<never>((_resolve, reject) => {
          started.push(label);
          context.signal.addEventListener('abort', () => reject(context.signal.reason));
        }),
    }),
    defineTool({
      name: 'refuse',
      description: 'Fails with details.',
      inputSchema: z.object({}),
      handler: async () => {
        throw new MeshError('no stories today', 'failed_precondition', { details: { reason: 'closed' } });
      },
    }),
  ];
}

// Every request the SDK serves connects a fresh server instance: no connect means the relay path answered.
let connects: MockInstance<Server['connect']>;
beforeAll(() => {
  connects = vi.spyOn(Server.prototype, 'connect');
});
afterAll(() => connects.mockRestore());

describe('MCP edge relay path', () => {
  const observed: Observed = { aborted: [], contexts: [] };
  const calls = new Map<string, number>();
  const started: string[] = [];
  const host = createLocalToolHost({
    id: 'relay-node',
    tools: [...exampleTools(observed), ...relayTools(calls, started), ...inputTools([])],
    ports: memoryPorts(),
  });
  let relay: RunningEdge;
  let sdk: RunningEdge;

  beforeAll(async () => {
    relay = await startEdge(host, { relayToolCalls: true });
    sdk = await startEdge(host, { relayToolCalls: false });
  });
  afterAll(async () => {
    await relay?.close();
    await sdk?.close();
  });

  /** Sends one request to both edges; returns both answers after checking they agree. */
  async function both(request: { body: string; headers: Record<string, string> }) {
    connects.mockClear();
    const viaRelay = await rawPost(relay.url, request.body, request.headers);
    // Relayed: a result, and no SDK server instance connected for it (the SDK connects one for every request it
    // answers past its entry checks, whose own rejections carry no result).
    const relayed = connects.mock.calls.length === 0 && viaRelay.json?.result !== undefined;
    const viaSdk = await rawPost(sdk.url, request.body, request.headers);
    expect(viaRelay.status).toBe(viaSdk.status);
    expect(viaRelay.headers.get('content-type')).toBe(viaSdk.headers.get('content-type'));
    if (viaSdk.json === undefined) expect(viaRelay.text).toBe(viaSdk.text);
    else expect(viaRelay.json).toEqual(viaSdk.json);
    return { relayed, reply: viaRelay };
  }

  it.each([
    ['structured result', 'echo', { args: { text: 'hi', repeat: 2 } }],
    ['text result, string id', 'plain', { args: { word: 'fox' }, id: 'call-1' }],
    ['no arguments key', 'picture', {}],
    ['tool error with details', 'refuse', { args: {} }],
    ['crash inside the tool', 'explode', { args: { kind: 'plain' } }],
    ['arguments failing the schema', 'echo', { args: { text: 7 } }],
    ['unknown argument', 'echo', { args: { text: 'x', colour: 'red' } }],
    [
      'malformed mesh deadline',
      'echo',
      { args: { text: 'x' }, meta: { 'io.kidsstories/timeout-ms': 'soon' } },
    ],
  ] as const)('answers as the SDK does and relays it: %s', async (_case, name, shape) => {
    const { relayed, reply } = await both(toolCall(name, shape as CallShape));
    expect(reply.status).toBe(200);
    expect(reply.json?.result?.resultType).toBe('complete');
    expect(reply.json?.result?._meta).toHaveProperty(['io.modelcontextprotocol/serverInfo'], {
      name: 'relay-node',
      version: '0.1.0',
    });
    expect(relayed).toBe(name !== 'picture');
  });

  it.each([
    ['an image result', 'picture', {}],
    ['annotated text and a result _meta', 'annotated', {}],
    ['an input-required outcome', 'publish_story', { args: { title: 'The Brave Fox' } }],
    ['an unknown tool (-32602 naming the closest)', 'ecko', { args: {} }],
  ] as const)('hands %s to the SDK without running the tool twice', async (_case, name, shape) => {
    const before = calls.get(name) ?? 0;
    const { reply } = await both(toolCall(name, shape as CallShape));
    if (name === 'ecko') {
      expect(reply.json?.error?.code).toBe(-32602);
      expect(reply.json?.error?.message).toContain('echo');
    } else if (name === 'publish_story') {
      // This client declared no elicitation capability: the SDK refuses the input request, on both edges alike.
      expect(reply.json?.error?.message).toMatch(/elicitation/);
    } else {
      expect(reply.status).toBe(200);
    }
    // Each edge ran the tool once: the relayed request was answered from its outcome, not run again.
    if (calls.has(name)) expect(calls.get(name)).toBe(before + 2);
  });

  it.each([
    ['no Mcp-Name header', 'echo', { args: { text: 'x' }, headers: { 'mcp-name': null } }],
    [
      'an Mcp-Name that disagrees with the body',
      'echo',
      { args: { text: 'x' }, headers: { 'mcp-name': 'slow' } },
    ],
    ['a Base64 Mcp-Name', 'echo', { args: { text: 'x' }, headers: { 'mcp-name': '=?base64?ZWNobw==?=' } }],
    ['no Mcp-Method header', 'echo', { args: { text: 'x' }, headers: { 'mcp-method': null } }],
    [
      'no MCP-Protocol-Version header',
      'echo',
      { args: { text: 'x' }, headers: { 'mcp-protocol-version': null } },
    ],
    [
      'a header version the envelope does not name',
      'echo',
      { args: { text: 'x' }, headers: { 'mcp-protocol-version': '2026-09-01' } },
    ],
    [
      'an invalid envelope',
      'echo',
      { args: { text: 'x' }, meta: { 'io.modelcontextprotocol/clientInfo': 'me' } },
    ],
    [
      'no envelope at all',
      'echo',
      { args: { text: 'x' }, meta: { 'io.modelcontextprotocol/protocolVersion': undefined } },
    ],
    ['arguments that are not an object', 'echo', { args: ['x'] }],
    ['a null id', 'echo', { args: { text: 'x' }, id: null }],
    ['a task-augmented call', 'echo', { args: { text: 'x' }, params: { task: { ttl: 1000 } } }],
    [
      'a progress token (answered over SSE)',
      'countdown',
      { args: { steps: 2 }, meta: { progressToken: 'p1' } },
    ],
    [
      'a JSON content type with parameters',
      'echo',
      { args: { text: 'x' }, headers: { 'content-type': 'application/json; charset=utf-8' } },
    ],
    ['a text content type', 'echo', { args: { text: 'x' }, headers: { 'content-type': 'text/plain' } }],
  ] as const)('leaves requests with %s to the SDK', async (_case, name, shape) => {
    const { relayed } = await both(toolCall(name, shape as CallShape));
    // A parametrised JSON content type is plain enough to relay; everything else here is not.
    expect(relayed).toBe(_case.startsWith('a JSON content type'));
  });

  it('serves the official 2026-07-28 client on the relay path, and 2025-era clients through the SDK', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectClient(relay.url, era);
      try {
        connects.mockClear();
        const result = await client.callTool({ name: 'echo', arguments: { text: 'fox' } });
        expect(result.structuredContent).toEqual({ text: 'fox' });
        // The 2025-era client's session server was connected when the session opened, not for this call.
        expect(connects.mock.calls.length).toBe(0);
        const failed = await client.callTool({ name: 'explode', arguments: { kind: 'mesh' } });
        expect(failed.isError).toBe(true);
        expect(failed._meta).toMatchObject({ 'io.kidsstories/error': { code: 'resource_exhausted' } });
      } finally {
        await client.close();
      }
    }
  });

  it('passes the bearer-token principal to the host', async () => {
    const principals: string[] = [];
    const tracked: ToolHost = {
      id: host.id,
      listTools: (signal) => host.listTools(signal),
      callTool: (name, args, call) => host.callTool(name, args, call),
      callToolOutcome: (name, args, call) => {
        principals.push(call.principal ?? '(none)');
        return host.callToolOutcome(name, args, call);
      },
      health: () => host.health(),
      onToolsChanged: (listener) => host.onToolsChanged(listener),
    };
    const edge = await startEdge(tracked, {
      relayToolCalls: true,
      verifyBearerToken: async (token): Promise<AuthInfo | undefined> =>
        token === 'good-token' ? { token, clientId: 'storyteller', scopes: ['mcp'] } : undefined,
    });
    try {
      const { body, headers } = toolCall('plain', { args: { word: 'owl' } });
      expect((await rawPost(edge.url, body, headers)).status).toBe(401);
      connects.mockClear();
      const reply = await rawPost(edge.url, body, { ...headers, authorization: 'Bearer good-token' });
      expect(reply.json?.result?.content).toEqual([{ type: 'text', text: 'owl!' }]);
      expect(connects.mock.calls.length).toBe(0);
      expect(principals).toEqual(['storyteller']);
    } finally {
      await edge.close();
    }
  });

  it('aborts the tool when the client goes away', async () => {
    const abort = new AbortController();
    const { body, headers } = toolCall('slow', { args: { label: 'relay-gone' } });
    const pending = fetch(relay.url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      signal: abort.signal,
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    await pending;
    await eventually(() => observed.aborted.includes('relay-gone'));
  });

  it('ends relayed calls in flight with 499 when the edge closes, and aborts them', async () => {
    const edge = await startEdge(host, { relayToolCalls: true });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      // More calls in flight than Node's default listener cap on the signals every call listens to.
      const labels = Array.from({ length: 15 }, (_, index) => `closing-${index}`);
      const pending = labels.map((label) => {
        const { body, headers } = toolCall('wait', { args: { label } });
        return rawPost(edge.url, body, headers);
      });
      await eventually(() => labels.every((label) => started.includes(label)));
      await edge.handler.close();
      expect((await Promise.all(pending)).map((reply) => reply.status)).toEqual(labels.map(() => 499));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      edge.server.closeAllConnections();
      await new Promise<void>((resolve) => edge.server.close(() => resolve()));
    }
  });
});

describe('gateway relay path', () => {
  const observed: Observed = { aborted: [], contexts: [] };
  let node: MeshNode;
  let gateway: Gateway;
  let front: MeshNode;

  beforeAll(async () => {
    node = createMeshNode({ id: 'story-node', tools: exampleTools(observed) });
    await node.start();
    gateway = createGateway({
      id: 'gw-relay',
      ports: memoryPorts(),
      peers: [{ name: 'story', replicas: [node.meshUrl] }],
    });
    await gateway.start();
    front = createMeshNode({ id: 'gw-relay', host: gateway, ports: memoryPorts(), mesh: false });
    await front.start();
  });
  afterAll(async () => {
    await front?.close();
    await gateway?.close();
    await node?.close({ graceMs: 100 });
  });

  it('is on by default: a gateway relays plain calls to its peers, carrying the caller metadata', async () => {
    connects.mockClear();
    const { body, headers } = toolCall('echo', {
      args: { text: 'relayed' },
      meta: { 'io.kidsstories/correlation-id': 'corr-relay-1', 'io.kidsstories/budget-id': 'daily' },
    });
    const reply = await rawPost(front.mcpUrl, body, {
      ...headers,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(reply.status).toBe(200);
    expect(reply.json?.result?.structuredContent).toEqual({ text: 'relayed' });
    expect(connects.mock.calls.length).toBe(0);
    const seen = observed.contexts.at(-1);
    expect(seen?.correlationId).toBe('corr-relay-1');
    expect(seen?.budgetId).toBe('daily');
    expect(seen?.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
  });

  it('cancels the tool on the peer when the deadline in _meta passes', async () => {
    const { body, headers } = toolCall('slow', {
      args: { label: 'gateway-deadline' },
      meta: { 'io.kidsstories/timeout-ms': 100 },
    });
    const reply = await rawPost(front.mcpUrl, body, headers);
    expect(reply.json?.result?.isError).toBe(true);
    expect(reply.json?.result?._meta).toMatchObject({
      'io.kidsstories/error': { code: 'deadline_exceeded' },
    });
    await eventually(() => observed.aborted.includes('gateway-deadline'));
  });

  it("stays off with responseMode 'sse', whose answers the relay path does not write", async () => {
    const sse = createMeshNode({
      id: 'gw-sse',
      host: gateway,
      ports: memoryPorts(),
      mesh: false,
      mcp: { responseMode: 'sse' },
    });
    await sse.start();
    try {
      const { body, headers } = toolCall('echo', { args: { text: 'streamed' } });
      const reply = await rawPost(sse.mcpUrl, body, headers);
      expect(reply.headers.get('content-type')).toBe('text/event-stream');
      expect(reply.text).toContain('streamed');
    } finally {
      await sse.close();
    }
  });

  it('can be turned off per node', async () => {
    const off = createMeshNode({
      id: 'gw-off',
      host: gateway,
      ports: memoryPorts(),
      mesh: false,
      mcp: { relayToolCalls: false },
    });
    await off.start();
    try {
      connects.mockClear();
      const { body, headers } = toolCall('echo', { args: { text: 'sdk' } });
      const reply = await rawPost(off.mcpUrl, body, headers);
      expect(reply.json?.result?.structuredContent).toEqual({ text: 'sdk' });
      expect(connects.mock.calls.length).toBe(1);
    } finally {
      await off.close();
    }
  });
});
