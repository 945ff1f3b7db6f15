import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineTool } from '../../src/tool/tool-definition.js';
import {
  connectClient,
  createExampleHost,
  type Era,
  type Observed,
  type RunningEdge,
  rawPost,
  startEdge,
} from './fixtures.js';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('cancellation and sessions', () => {
  let edge: RunningEdge | undefined;
  afterEach(async () => {
    await edge?.close();
    edge = undefined;
  });

  it.each<Era>(['modern', 'legacy'])('a %s client cancelling a call aborts the handler', async (era) => {
    const observed: Observed = { aborted: [], contexts: [] };
    edge = await startEdge(createExampleHost(observed));
    const client = await connectClient(edge.url, era);
    const controller = new AbortController();
    const pending = client
      .callTool({ name: 'slow', arguments: { label: `cancel-${era}` } }, { signal: controller.signal })
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await pending;
    await waitFor(() => observed.aborted.includes(`cancel-${era}`));
    await client.close();
  });

  it('tells a 2025-era session when the tool list changes', async () => {
    const host = createExampleHost({ aborted: [], contexts: [] });
    edge = await startEdge(host);
    const changes: string[][] = [];
    const client = new Client(
      { name: 'listener', version: '1' },
      {
        listChanged: {
          tools: { onChanged: (_error, tools) => changes.push((tools ?? []).map((tool) => tool.name)) },
        },
      },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(edge.url)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    host.addTool(
      defineTool({
        name: 'fresh',
        description: 'Added later.',
        inputSchema: z.object({}),
        handler: async () => ({ content: [] }),
      }),
    );
    await waitFor(() => changes.some((names) => names.includes('fresh')));
    await client.close();
  });

  it('answers an unknown session with 404 and binds a session to its principal', async () => {
    edge = await startEdge(createExampleHost({ aborted: [], contexts: [] }), {
      verifyBearerToken: async (token): Promise<AuthInfo | undefined> =>
        token.startsWith('user-') ? { token, clientId: token, scopes: [] } : undefined,
    });
    const opened = await rawPost(edge.url, INITIALIZE, { authorization: 'Bearer user-a' });
    expect(opened.status).toBe(200);
    const sessionId = opened.headers.get('mcp-session-id');
    expect(sessionId).toBeTruthy();
    const headers = { 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-06-18' };
    const own = await rawPost(edge.url, LIST, { ...headers, authorization: 'Bearer user-a' });
    expect(own.status).toBe(200);
    expect(own.text).toContain('echo');
    const stolen = await rawPost(edge.url, LIST, { ...headers, authorization: 'Bearer user-b' });
    expect(stolen.status).toBe(404);
    const unknown = await rawPost(edge.url, LIST, {
      ...headers,
      'mcp-session-id': 'no-such-session',
      authorization: 'Bearer user-a',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json?.error?.message).toBe('Session not found');
  });

  it('evicts the least recently used session past maxLegacySessions', async () => {
    edge = await startEdge(createExampleHost({ aborted: [], contexts: [] }), { maxLegacySessions: 2 });
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const reply = await rawPost(edge.url, INITIALIZE);
      ids.push(reply.headers.get('mcp-session-id')!);
    }
    const status = async (id: string) =>
      (await rawPost(edge!.url, LIST, { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' })).status;
    expect(await status(ids[0]!)).toBe(404);
    expect(await status(ids[1]!)).toBe(200);
    expect(await status(ids[2]!)).toBe(200);
  });
});
