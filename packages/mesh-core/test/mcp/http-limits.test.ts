import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { connectClient, exampleTools } from './fixtures.js';

/** Opens a raw TCP connection to `url`'s host and port. */
async function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Everything the server writes until it closes the connection. */
function readAll(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return new Promise((resolve) => socket.once('close', () => resolve(text)));
}

describe('MeshNode HTTP limits', () => {
  let node: MeshNode | undefined;
  afterEach(async () => {
    await node?.close({ graceMs: 0 });
    node = undefined;
  });

  it('answers a body trickled past requestTimeoutMs with 408 and closes the connection', async () => {
    node = createMeshNode({
      id: 'slow-body',
      tools: exampleTools({ aborted: [], contexts: [] }),
      mesh: false,
      mcp: { requestTimeoutMs: 400 },
    });
    await node.start();
    const socket = await openSocket(node.mcpUrl);
    const answer = readAll(socket);
    const startedAt = Date.now();
    socket.write(
      `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{`,
    );
    // One byte every 100 ms: the body would take 20 s.
    const trickle = setInterval(() => {
      if (socket.writable) socket.write(' ');
    }, 100);
    try {
      expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
    }
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it('answers headers trickled past headersTimeoutMs with 408', async () => {
    node = createMeshNode({ id: 'slow-headers', tools: [], mesh: false, mcp: { headersTimeoutMs: 300 } });
    await node.start();
    const socket = await openSocket(node.mcpUrl);
    const answer = readAll(socket);
    socket.write('POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    const trickle = setInterval(() => {
      if (socket.writable) socket.write('x-slow: 1\r\n');
    }, 100);
    try {
      expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
    }
  });

  it('never cuts a tool that runs longer than the request timeout: it bounds receiving the request only', async () => {
    const pause = defineTool({
      name: 'pause',
      description: 'Answers after 800 ms.',
      inputSchema: z.object({}),
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 800));
        return { content: [{ type: 'text', text: 'done' }] };
      },
    });
    node = createMeshNode({ id: 'in-time', tools: [pause], mesh: false, mcp: { requestTimeoutMs: 300 } });
    await node.start();
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectClient(node.mcpUrl, era);
      const result = await client.callTool({ name: 'pause', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
      await client.close();
    }
  });

  it('rejects timeouts that are not positive integers, naming the option', () => {
    for (const mcp of [{ requestTimeoutMs: 0 }, { headersTimeoutMs: 1.5 }]) {
      expect(() => createMeshNode({ id: 'bad', tools: [], mesh: false, mcp })).toThrow(MeshError);
    }
    expect(() =>
      createMeshNode({ id: 'bad', tools: [], mesh: false, mcp: { requestTimeoutMs: -1 } }),
    ).toThrow(/mcp\.requestTimeoutMs/);
  });
});

describe('MeshNode /metrics and /healthz guards', () => {
  let node: MeshNode | undefined;
  afterEach(async () => {
    await node?.close({ graceMs: 0 });
    node = undefined;
  });
  const verifyBearerToken = async (token: string) =>
    token === 'good' ? { token, clientId: 'ops', scopes: [] } : undefined;

  it('guards /metrics by default when a bearer verifier is set, and leaves /healthz open', async () => {
    node = createMeshNode({ id: 'guarded', tools: [], mesh: false, mcp: { verifyBearerToken } });
    await node.start();
    const metricsUrl = new URL('/metrics', node.mcpUrl);
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer bad' } })).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer good' } })).status).toBe(200);
    expect((await fetch(new URL('/healthz', node.mcpUrl))).status).toBe(200);
  });

  it('checks Host and Origin on guarded routes, and guards /healthz when asked', async () => {
    node = createMeshNode({
      id: 'guarded-all',
      tools: [],
      mesh: false,
      mcp: { verifyBearerToken, guardedRoutes: ['metrics', 'healthz'] },
    });
    await node.start();
    const auth = { authorization: 'Bearer good' };
    expect((await fetch(new URL('/healthz', node.mcpUrl))).status).toBe(401);
    expect((await fetch(new URL('/healthz', node.mcpUrl), { headers: auth })).status).toBe(200);
    const foreign = await fetch(new URL('/metrics', node.mcpUrl), {
      headers: { ...auth, origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
  });

  it('leaves both routes open without a verifier (the documented default)', async () => {
    node = createMeshNode({ id: 'open', tools: [], mesh: false });
    await node.start();
    expect((await fetch(new URL('/metrics', node.mcpUrl))).status).toBe(200);
    expect((await fetch(new URL('/healthz', node.mcpUrl))).status).toBe(200);
  });
});
