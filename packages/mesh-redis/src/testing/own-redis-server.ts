import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The `INFO` figures of a private server (see {@link OwnRedisServer.info}). */
export interface RedisInfo {
  /** `used_memory`, in bytes. */
  usedMemoryBytes: number;
  /** `used_cpu_user + used_cpu_sys`, in microseconds. */
  cpuUs: number;
  /** Keys in db 0. */
  keys: number;
}

/**
 * A private `redis-server` on a free port (never a shared one), for fault tests and benchmarks: it can be killed
 * and started again on the same port, stalled and resumed, and asked for its own `INFO` figures.
 */
export interface OwnRedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Kills the server with SIGKILL, as in a crash: without `persistDir` every key is lost. */
  kill(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it for good (resumes a stalled server first, then kills it) and closes the `info` client. */
  stop(): Promise<void>;
  /** Stalls it with SIGSTOP: connections stay open, commands get no answer (a frozen or partitioned Redis). */
  pause(): void;
  /** Lets a stalled server run again with SIGCONT; keys whose TTL ran out meanwhile are gone. */
  resume(): void;
  /** The server's own memory, CPU and key figures (`INFO`), free of other clients' work on a shared Redis. */
  info(): Promise<RedisInfo>;
}

/** Options for {@link startOwnRedisServer}. */
export interface OwnRedisServerOptions {
  /**
   * Keep data across kills in an append-only file fsynced on every write (`--appendonly yes --appendfsync
   * always`, in this folder): what a production Redis with persistence promises for acknowledged writes.
   * Default: no persistence (a kill loses every key).
   */
  persistDir?: string;
  /** How long a start may take before it fails, in milliseconds. Default 10 000. */
  startTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1, as the system hands out for port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      client.disconnect();
    }
  }
}

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save ''` (Debian's `redis-server` must be on PATH) and
 * waits until it answers, without persistence unless `persistDir` is given.
 *
 * @throws {Error} when `redis-server` cannot be spawned or does not answer within `startTimeoutMs`.
 * @example
 * ```ts
 * const server = await startOwnRedisServer();
 * const ports = createRedisPorts({ url: server.url, instanceId: 'test' });
 * // ... server.kill(), server.start() ...
 * await ports.close();
 * await server.stop();
 * ```
 */
export async function startOwnRedisServer(options: OwnRedisServerOptions = {}): Promise<OwnRedisServer> {
  const port = await freePort();
  const persistence =
    options.persistDir === undefined
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.persistDir];
  const url = `redis://127.0.0.1:${port}`;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  let infoClient: Redis | undefined;
  const start = async () => {
    const spawned = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      { stdio: 'ignore' },
    );
    child = spawned;
    const failed = new Promise<never>((_, reject) =>
      spawned.once('error', (error) => reject(new Error(`redis-server could not start: ${error.message}`))),
    );
    failed.catch(() => {});
    await Promise.race([waitForPing(url, startTimeoutMs), failed]);
  };
  const kill = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill('SIGKILL');
    });
  };
  const signal = (name: NodeJS.Signals) => {
    if (child && child.exitCode === null) child.kill(name);
  };
  await start();
  return {
    url,
    port,
    kill,
    start,
    async stop() {
      infoClient?.disconnect();
      infoClient = undefined;
      signal('SIGCONT');
      await kill();
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async info() {
      infoClient ??= new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
      infoClient.on('error', () => {});
      const text = await infoClient.info();
      return {
        usedMemoryBytes: field(text, 'used_memory'),
        cpuUs: (field(text, 'used_cpu_user') + field(text, 'used_cpu_sys')) * 1e6,
        keys: Number(/db0:keys=(\d+)/.exec(text)?.[1] ?? 0),
      };
    },
  };
}
