import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake server received. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: assertions index freely into the recorded JSON bodies.
  json(): any;
}

/** What a handler answers. */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: Uint8Array | string;
  /** Wait this long before answering, in milliseconds (for client timeouts). */
  delayMs?: number;
}

export interface FakeHttpServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  requests: RecordedRequest[];
  /** Sets the handler for the next requests. */
  handle(handler: (request: RecordedRequest) => FakeReply | Promise<FakeReply>): void;
  close(): Promise<void>;
}

/** A real node:http server on port 0 that records every request and answers from a handler. */
export async function startFakeHttpServer(): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  let handler: (request: RecordedRequest) => FakeReply | Promise<FakeReply> = () => ({
    status: 500,
    json: { error: { message: 'no handler' } },
  });
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      const url = new URL(incoming.url ?? '/', 'http://localhost');
      const body = Buffer.concat(chunks);
      const recorded: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body,
        json: () => JSON.parse(body.toString('utf8')),
      };
      requests.push(recorded);
      try {
        const reply = await handler(recorded);
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        if (outgoing.destroyed) return;
        const headers: Record<string, string> = { ...reply.headers };
        let payload: Uint8Array | string = '';
        if (reply.json !== undefined) {
          headers['content-type'] ??= 'application/json';
          payload = JSON.stringify(reply.json);
        } else if (reply.body !== undefined) {
          payload = reply.body;
        }
        outgoing.writeHead(reply.status ?? 200, headers);
        outgoing.end(payload);
      } catch (error) {
        outgoing.writeHead(599);
        outgoing.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
