import { request as httpRequest } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '../../src/errors/mesh-error.js';
import {
  connectClient,
  createExampleHost,
  type Observed,
  type RunningEdge,
  rawPost,
  startEdge,
} from './fixtures.js';

const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

/** Sends a request with a forged Host header (fetch does not allow setting it). */
function postWithHost(port: number, host: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('MCP edge: every bad input gets its error', () => {
  const observed: Observed = { aborted: [], contexts: [] };
  let edge: RunningEdge;

  beforeAll(async () => {
    edge = await startEdge(createExampleHost(observed), { maxBodyBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await edge.close();
  });

  it('answers malformed JSON with -32700', async () => {
    const reply = await rawPost(edge.url, '{"jsonrpc": "2.0", "id": 1,');
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.code).toBe(-32700);
  });

  it('answers a body that is not JSON-RPC with -32600', async () => {
    for (const body of ['{"hello":"world"}', '[]', '{"jsonrpc":"2.0","id":1}', '42']) {
      const reply = await rawPost(edge.url, body);
      expect(reply.status, body).toBe(400);
      expect(reply.json?.error?.code, body).toBe(-32600);
    }
  });

  it('answers a body over maxBodyBytes with 413 naming the limit', async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x'.repeat(70 * 1024) } },
    });
    const reply = await rawPost(edge.url, body);
    expect(reply.status).toBe(413);
    expect(reply.text).toContain(String(64 * 1024));
  });

  it('rejects a foreign Host header with 403 (DNS rebinding)', async () => {
    const reply = await postWithHost(edge.port, 'evil.example:80', LIST);
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('evil.example');
    const allowed = await postWithHost(edge.port, `localhost:${edge.port}`, LIST);
    expect(allowed.status).toBe(200);
  });

  it('rejects a foreign Origin with 403 and accepts a localhost one', async () => {
    const refused = await rawPost(edge.url, LIST, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.json?.error?.message).toMatch(/origin/i);
    const local = await rawPost(edge.url, LIST, { origin: 'http://localhost:5173' });
    expect(local.status).toBe(200);
  });

  it('survives a burst of garbage and still serves clients', async () => {
    const bodies = ['', 'null', '{', '\u0000\u0001', '{"jsonrpc":"1.0","method":7}', '[{"jsonrpc":"2.0"}]'];
    const replies = await Promise.all(bodies.map((body) => rawPost(edge.url, body)));
    for (const reply of replies) expect(reply.status).toBeGreaterThanOrEqual(400);
    const client = await connectClient(edge.url, 'modern');
    expect((await client.callTool({ name: 'echo', arguments: { text: 'ok' } })).structuredContent).toEqual({
      text: 'ok',
    });
    await client.close();
  });
});

describe('MCP edge: bearer tokens', () => {
  const observed: Observed = { aborted: [], contexts: [] };
  let edge: RunningEdge;
  const principals: string[] = [];

  beforeAll(async () => {
    const host = createExampleHost(observed);
    const tracked = {
      ...host,
      callToolOutcome: (...args: Parameters<typeof host.callToolOutcome>) => {
        principals.push(args[2].principal ?? '(none)');
        return host.callToolOutcome(...args);
      },
    };
    edge = await startEdge(tracked, {
      resourceMetadataUrl: 'http://127.0.0.1/.well-known/oauth-protected-resource/mcp',
      verifyBearerToken: async (token): Promise<AuthInfo | undefined> => {
        if (token === 'good-token') return { token, clientId: 'storyteller', scopes: ['mcp'] };
        if (token === 'expired-token') return { token, clientId: 'old', scopes: [], expiresAt: 1 };
        if (token === 'broken-verifier') throw new Error('introspection endpoint down');
        if (token === 'banned') throw new MeshError('client is banned', 'permission_denied');
        return undefined;
      },
    });
  });
  afterAll(async () => {
    await edge.close();
  });

  it('answers a missing token with 401 and a WWW-Authenticate challenge', async () => {
    const reply = await rawPost(edge.url, LIST);
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(reply.headers.get('www-authenticate')).toContain('resource_metadata=');
  });

  it('answers an invalid, malformed or expired token with 401 invalid_token', async () => {
    for (const authorization of ['Bearer nope', 'Bearer expired-token', 'Basic Zm9vOmJhcg==']) {
      const reply = await rawPost(edge.url, LIST, { authorization });
      expect(reply.status, authorization).toBe(401);
      expect(reply.headers.get('www-authenticate'), authorization).toMatch(/error="invalid_(token|request)"/);
      expect(reply.text).not.toContain('nope');
    }
  });

  it('maps a verifier failure to 500 and a permission_denied to 403', async () => {
    expect((await rawPost(edge.url, LIST, { authorization: 'Bearer broken-verifier' })).status).toBe(500);
    expect((await rawPost(edge.url, LIST, { authorization: 'Bearer banned' })).status).toBe(403);
  });

  it('serves both eras with a valid token and passes the principal to the host', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectClient(edge.url, era, { authorization: 'Bearer good-token' });
      const result = await client.callTool({ name: 'echo', arguments: { text: era } });
      expect(result.structuredContent).toEqual({ text: era });
      await client.close();
    }
    expect(principals).toEqual(['storyteller', 'storyteller']);
  });
});
