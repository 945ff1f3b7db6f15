import { once } from 'node:events';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpAdapter, type WebFetchHandler } from './node-http-adapter.js';

let server: Server | undefined;

async function serve(fetch: WebFetchHandler, maxBodyBytes = 1024): Promise<string> {
  const adapter = createNodeHttpAdapter(fetch, { maxBodyBytes });
  server = createServer((request, response) => void adapter(request, response));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

afterEach(async () => {
  server?.closeAllConnections();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('createNodeHttpAdapter', () => {
  it('hands on the parsed body instead of a body stream, and writes a JSON answer with content-length', async () => {
    const seen: unknown[] = [];
    const url = await serve(async (request, options) => {
      seen.push(options.parsedBody, await request.text(), request.headers.get('x-test'));
      return Response.json({ ok: true });
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String('{"ok":true}'.length));
    expect(response.headers.get('transfer-encoding')).toBeNull();
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toEqual([{ jsonrpc: '2.0', id: 1, method: 'ping' }, '', 'yes']);
  });

  it('passes a body that is not JSON through unparsed', async () => {
    const seen: unknown[] = [];
    const url = await serve(async (request, options) => {
      seen.push(options.parsedBody, await request.text());
      return new Response(null, { status: 202 });
    });
    const response = await fetch(url, { method: 'POST', body: '{not json' });
    expect(response.status).toBe(202);
    expect(seen).toEqual([undefined, '{not json']);
  });

  it('answers 413 for a body over the limit without calling the handler', async () => {
    let called = false;
    const url = await serve(async () => {
      called = true;
      return Response.json({});
    }, 16);
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ text: 'x'.repeat(64) }) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { code: -32000, message: expect.stringContaining('16 bytes') },
    });
    expect(called).toBe(false);
  });

  it('stops reading a chunked body once it passes the limit, and a client that leaves mid-body costs nothing', async () => {
    let called = 0;
    const url = await serve(async () => {
      called += 1;
      return Response.json({ ok: true });
    }, 64);
    const target = new URL(url);
    // No content-length: the limit is found while reading.
    const oversized = httpRequest({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
    });
    const oversizedEnded = new Promise<string>((resolve) => {
      oversized.on('response', (response) => resolve(String(response.statusCode)));
      oversized.on('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? 'error'));
    });
    oversized.write('x'.repeat(40));
    oversized.write('y'.repeat(40));
    oversized.end();
    // Either the 413 or the connection cut, as for a `for await` reader: never the handler.
    expect(['413', 'ECONNRESET', 'EPIPE']).toContain(await oversizedEnded);
    // A client that sends part of its body and goes away.
    const leaving = httpRequest({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
    });
    leaving.on('error', () => {});
    leaving.write('{"jsonrpc":');
    await new Promise((resolve) => setTimeout(resolve, 20));
    leaving.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(called).toBe(0);
    // The server still answers.
    const response = await fetch(url, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(called).toBe(1);
  });

  it('answers 500 with the request id when the handler throws', async () => {
    const url = await serve(async () => {
      throw new Error('boom');
    });
    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call' }),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32603, message: 'Internal server error' },
      id: 7,
    });
  });

  it('streams an SSE answer chunk by chunk', async () => {
    const url = await serve(async () => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('data: 1\n\n'));
          controller.enqueue(encoder.encode('data: 2\n\n'));
          controller.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const response = await fetch(url, { method: 'POST', body: '{}' });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('data: 1\n\ndata: 2\n\n');
  });

  it("runs intercepted HTTP/1.1 requests under their connection's controller, aborted when the client leaves", async () => {
    const seen: AbortController[] = [];
    let release: (() => void) | undefined;
    const adapter = createNodeHttpAdapter(async () => Response.json({ via: 'web handler' }), {
      maxBodyBytes: 1024,
      intercept: (_request, body, abort) => {
        seen.push(abort);
        if ((body as { hang?: boolean }).hang) {
          return new Promise((resolve) => {
            release = () => resolve({ status: 200, body: '{}' });
          });
        }
        return Promise.resolve({ status: 200, body: JSON.stringify({ aborted: abort.signal.aborted }) });
      },
    });
    server = createServer((request, response) => void adapter(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const post = (agent: Agent, body: object) =>
      new Promise<string>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/mcp',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json' },
          },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => {
              text += chunk.toString();
            });
            response.on('end', () => resolve(text));
          },
        );
        request.on('error', reject);
        request.end(JSON.stringify(body));
      });
    const kept = new Agent({ keepAlive: true, maxSockets: 1 });
    const other = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await post(kept, { n: 1 })).toBe('{"aborted":false}');
      expect(await post(kept, { n: 2 })).toBe('{"aborted":false}');
      expect(await post(other, { n: 3 })).toBe('{"aborted":false}');
      // One controller per connection, not per request; a finished request aborts nothing.
      expect(seen[0]).toBe(seen[1]);
      expect(seen[2]).not.toBe(seen[0]);
      expect(seen.map((abort) => abort.signal.aborted)).toEqual([false, false, false]);
      // A client that leaves mid-call aborts the call it left, as a per-request controller would.
      const leaving = new Agent({ keepAlive: true, maxSockets: 1 });
      const left = post(leaving, { hang: true }).catch(() => 'left');
      await eventuallySeen(() => seen.length === 4);
      leaving.destroy();
      await eventuallySeen(() => seen[3]?.signal.aborted === true);
      release?.();
      expect(await left).toBe('left');
      expect(seen[0]?.signal.aborted).toBe(false);
    } finally {
      kept.destroy();
      other.destroy();
    }
  });
});

async function eventuallySeen(check: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !check(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(check()).toBe(true);
}
