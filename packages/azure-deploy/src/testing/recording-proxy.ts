import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  /** The status the client saw. */
  status: number;
  /** True when the proxy failed it on purpose without forwarding it. */
  injected: boolean;
}

/** Options for {@link startRecordingProxy}. */
export interface RecordingProxyOptions {
  /** Where requests go, `http://host:port`. */
  target: string;
  /** Decides, per request, to answer 503 without forwarding it. */
  fail?: (request: IncomingMessage) => boolean;
  /** Called after each forwarded request's response has ended. */
  onForwarded?: (request: ProxiedRequest) => void;
}

/** An HTTP proxy in front of a test server that records requests and counts those in flight. */
export interface RecordingProxy {
  origin: string;
  /** Requests in the order their responses finished. */
  requests: ProxiedRequest[];
  /** Most requests that were in flight at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** Starts a recording proxy on a free port. */
export async function startRecordingProxy(options: RecordingProxyOptions): Promise<RecordingProxy> {
  const target = new URL(options.target);
  let inFlight = 0;
  const proxy: RecordingProxy = {
    origin: '',
    requests: [],
    maxInFlight: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((incoming, outgoing) => {
    inFlight++;
    proxy.maxInFlight = Math.max(proxy.maxInFlight, inFlight);
    const url = new URL(incoming.url ?? '/', 'http://proxy');
    const record = (status: number, injected: boolean) => {
      inFlight--;
      const entry = {
        method: incoming.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        status,
        injected,
      };
      proxy.requests.push(entry);
      if (!injected) options.onForwarded?.(entry);
    };
    if (options.fail?.(incoming)) {
      incoming.resume();
      incoming.on('end', () => {
        record(503, true);
        outgoing.writeHead(503, { 'content-type': 'application/xml' });
        outgoing.end(
          '<?xml version="1.0"?><Error><Code>ServerBusy</Code><Message>injected</Message></Error>',
        );
      });
      return;
    }
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
        response.on('end', () => record(response.statusCode ?? 502, false));
      },
    );
    forwarded.on('error', (error) => {
      record(502, false);
      outgoing.destroy(error);
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
