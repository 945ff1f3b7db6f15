import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stand-in received. */
export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A local HTTP server standing in for a remote API: records calls and answers from a script. */
export interface StandIn {
  origin: string;
  calls: RecordedCall[];
  /** Answers for the next calls, in order; once empty, `fallback` answers. */
  script: Array<{ status: number; body?: unknown }>;
  /** Answers every call the script does not cover. */
  fallback: (call: RecordedCall) => { status: number; body?: unknown };
  close(): Promise<void>;
}

/** Starts a stand-in on a free port. */
export async function startStandIn(
  fallback: StandIn['fallback'] = () => ({ status: 204 }),
): Promise<StandIn> {
  const standIn: StandIn = {
    origin: '',
    calls: [],
    script: [],
    fallback,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://stand-in');
      const text = Buffer.concat(chunks).toString('utf8');
      const call: RecordedCall = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      standIn.calls.push(call);
      const answer = standIn.script.shift() ?? standIn.fallback(call);
      outgoing.writeHead(answer.status, { 'content-type': 'application/json' });
      outgoing.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}
