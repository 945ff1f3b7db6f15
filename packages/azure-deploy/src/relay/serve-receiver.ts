import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventGridReceiver } from './event-grid-receiver.js';

/** Options for {@link serveEventGridReceiver}. */
export interface ServeReceiverOptions {
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Address to listen on. Default `0.0.0.0` (inside a container). */
  hostname?: string;
  /** Most bytes of a request body (Event Grid batches are at most 1 MB). Default 1 048 576. */
  maxBodyBytes?: number;
}

/** A running receiver process. */
export interface ReceiverServer {
  /** `http://host:port` it listens on. */
  url: string;
  close(): Promise<void>;
}

async function toRequest(incoming: IncomingMessage, maxBodyBytes: number): Promise<Request | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of incoming) {
    bytes += (chunk as Buffer).byteLength;
    if (bytes > maxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = incoming.method ?? 'GET';
  return new Request(`http://${incoming.headers.host ?? 'localhost'}${incoming.url ?? '/'}`, {
    method,
    headers,
    ...(method !== 'GET' && method !== 'HEAD' && { body: Buffer.concat(chunks) }),
  });
}

/**
 * Serves an Event Grid receiver over HTTP as its own process (a Container App in production): every path goes to
 * the receiver except `GET /healthz`, which answers 200 for the platform's probes.
 *
 * @example
 * ```ts
 * const server = await serveEventGridReceiver(createEventGridReceiver({ auth, dispatcher }), { port: 8080 });
 * ```
 */
export async function serveEventGridReceiver(
  receiver: EventGridReceiver,
  options: ServeReceiverOptions = {},
): Promise<ReceiverServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      if (incoming.method === 'GET' && incoming.url === '/healthz') {
        outgoing.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      const request = await toRequest(incoming, maxBodyBytes);
      if (!request) {
        outgoing.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large');
        return;
      }
      const response = await receiver(request);
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'text/plain' });
      outgoing.end(`receiver failed: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.hostname ?? '0.0.0.0', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
