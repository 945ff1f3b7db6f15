// A private `redis-server` for the benchmarks that read Redis's own figures (`INFO memory`, `INFO cpu`): on the
// shared Redis those figures would include every other client's work.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { Redis as RedisClient, RedisOptions } from 'ioredis';

/** ioredis, resolved from @kidsstories/mesh-redis (which depends on it). */
const { Redis } = createRequire(import.meta.resolve('@kidsstories/mesh-redis'))('ioredis') as {
  Redis: new (url: string, options?: RedisOptions) => RedisClient;
};

/** A running private `redis-server` (no persistence). */
export interface OwnRedisServer {
  url: string;
  /** A client for `INFO`; closed by {@link OwnRedisServer.stop}. */
  info(): Promise<RedisInfo>;
  stop(): Promise<void>;
}

/** The `INFO` figures the benchmarks report. */
export interface RedisInfo {
  /** `used_memory`, in bytes. */
  usedMemoryBytes: number;
  /** `used_cpu_user + used_cpu_sys`, in microseconds. */
  cpuUs: number;
  /** Keys in db 0. */
  keys: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

/** Starts `redis-server --save '' --appendonly no` on a free port and waits until it answers. */
export async function startOwnRedisServer(): Promise<OwnRedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = once(child, 'error').then(([error]) => {
    throw new Error(`redis-server could not start: ${(error as Error).message}`);
  });
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  client.on('error', () => {});
  const deadline = Date.now() + 5_000;
  const ping = async () => {
    for (;;) {
      try {
        await client.connect();
        await client.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        client.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  await Promise.race([ping(), failed]);
  return {
    url,
    async info() {
      const text = await client.info();
      return {
        usedMemoryBytes: field(text, 'used_memory'),
        cpuUs: (field(text, 'used_cpu_user') + field(text, 'used_cpu_sys')) * 1e6,
        keys: Number(/db0:keys=(\d+)/.exec(text)?.[1] ?? 0),
      };
    },
    async stop() {
      client.disconnect();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
