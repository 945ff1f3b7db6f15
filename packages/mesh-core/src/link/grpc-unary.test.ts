import { once } from 'node:events';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError } from '@connectrpc/connect';
import { Http2SessionManager } from '@connectrpc/connect-node';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcUnary } from './grpc-unary.js';

type Handler = (stream: ServerHttp2Stream, headers: Record<string, unknown>, body: Buffer) => void;

const frame = (payload: Buffer) => {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
};

let server: Http2Server | undefined;
let manager: Http2SessionManager | undefined;

async function serve(handler: Handler): Promise<Http2SessionManager> {
  server = createServer();
  // Resets and GOAWAYs from the client under test are expected; the server side ignores them.
  server.on('session', (session) => session.on('error', () => {}));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => handler(stream, headers, Buffer.concat(chunks)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  manager = new Http2SessionManager(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return manager;
}

const call = (sessions: Http2SessionManager, overrides: Partial<Parameters<typeof grpcUnary>[1]> = {}) =>
  grpcUnary(sessions, {
    path: '/test.v1.Echo/Call',
    headers: { 'mesh-hop': '1' },
    message: Buffer.from('ping'),
    timeoutMs: 5_000,
    readMaxBytes: 1024,
    ...overrides,
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as ConnectError,
  );

afterEach(async () => {
  manager?.abort();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  manager = undefined;
});

describe('grpcUnary', () => {
  it('sends one framed message with gRPC headers and returns the framed answer', async () => {
    let seen: { headers: Record<string, unknown>; body: Buffer } | undefined;
    const sessions = await serve((stream, headers, body) => {
      seen = { headers, body };
      stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame(Buffer.from('pong')));
    });
    const answer = await call(sessions);
    expect(Buffer.from(answer).toString()).toBe('pong');
    expect(seen?.body).toEqual(frame(Buffer.from('ping')));
    expect(seen?.headers).toMatchObject({
      ':path': '/test.v1.Echo/Call',
      'content-type': 'application/grpc+proto',
      te: 'trailers',
      'grpc-timeout': '5000m',
      'mesh-hop': '1',
    });
  });

  it('turns a grpc-status in the trailers into a ConnectError with the decoded message and metadata', async () => {
    const sessions = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () =>
        stream.sendTrailers({
          'grpc-status': String(Code.NotFound),
          'grpc-message': encodeURIComponent('no such tool: ümlaut'),
          'retry-after-ms': '250',
        }),
      );
      stream.end();
    });
    const error = await failure(call(sessions));
    expect(error).toBeInstanceOf(ConnectError);
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe('no such tool: ümlaut');
    expect(error.metadata.get('retry-after-ms')).toBe('250');
  });

  it('reads the status of a trailers-only answer from the headers', async () => {
    const sessions = await serve((stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(Code.ResourceExhausted) },
        { endStream: true },
      );
    });
    expect((await failure(call(sessions))).code).toBe(Code.ResourceExhausted);
  });

  it('rejects an answer over readMaxBytes with resource_exhausted', async () => {
    const sessions = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame(Buffer.alloc(4096)));
    });
    const error = await failure(call(sessions));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toContain('1024');
  });

  it('maps a non-200 HTTP status like gRPC does', async () => {
    const sessions = await serve((stream) => {
      stream.respond({ ':status': 503 }, { endStream: true });
    });
    expect((await failure(call(sessions))).code).toBe(Code.Unavailable);
  });

  it('fails deadline_exceeded when the deadline passes and canceled when the signal aborts', async () => {
    const sessions = await serve(() => {
      // Never answers.
    });
    const late = await failure(call(sessions, { timeoutMs: 50 }));
    expect(late.code).toBe(Code.DeadlineExceeded);
    const controller = new AbortController();
    const pending = failure(call(sessions, { signal: controller.signal }));
    controller.abort();
    expect((await pending).code).toBe(Code.Canceled);
    const aborted = new AbortController();
    aborted.abort();
    expect((await failure(call(sessions, { signal: aborted.signal }))).code).toBe(Code.Canceled);
  });

  it('reports a refused connection as unavailable with the Node error as cause', async () => {
    (await serve(() => {})).abort();
    const closing = server as Http2Server;
    const port = (closing.address() as AddressInfo).port;
    await new Promise((resolve) => closing.close(resolve));
    server = undefined;
    manager = new Http2SessionManager(`http://127.0.0.1:${port}`);
    const error = await failure(call(manager));
    expect(error.code).toBe(Code.Unavailable);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });
});
