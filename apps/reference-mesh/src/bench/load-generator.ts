import { Agent, request } from 'node:http';

/** Options for {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  /** Endpoint to POST to. */
  url: string;
  /** Request body (sent as is, JSON). */
  body: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Requests in flight at all times. */
  concurrency: number;
  /** Total requests to complete. */
  requests: number;
}

/** Latency and throughput of one closed-loop run. */
export interface LoadResult {
  p50Ms: number;
  p99Ms: number;
  callsPerSec: number;
  errors: number;
  requests: number;
}

/** The `q` quantile (0..1) of sorted values, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/**
 * A lean closed-loop load generator: `concurrency` workers each send the next request as soon as the previous
 * answer is fully read, over keep-alive connections. It does as little work per request as possible so that
 * the figures measure the server, not the generator.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const body = Buffer.from(options.body);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'content-length': String(body.length),
    ...options.headers,
  };
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const once = () =>
    new Promise<boolean>((resolve) => {
      const started = process.hrtime.bigint();
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            resolve(res.statusCode === 200 && !text.includes('"isError":true') && !text.includes('"error"'));
          });
          res.on('error', () => resolve(false));
        },
      );
      req.on('error', () => resolve(false));
      req.end(body);
    });
  const worker = async () => {
    while (issued < options.requests) {
      issued += 1;
      if (!(await once())) errors += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    callsPerSec: (options.requests / elapsedMs) * 1000,
    errors,
    requests: options.requests,
  };
}
