import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createRedisConnection, type RedisConnection, type RedisConnectionOptions } from '../../src/index.js';

/** The Redis the tests use: `REDIS_URL`, default `redis://127.0.0.1:6379`. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let checked: Promise<void> | undefined;

/**
 * Fails (never skips) with a clear message when no Redis answers at REDIS_URL. Called from every suite's
 * `beforeAll`.
 */
export function requireRedis(): Promise<void> {
  checked ??= (async () => {
    const probe = new Redis(REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      const pong = await probe.ping();
      if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
    } catch (error) {
      throw new Error(
        `@kidsstories/mesh-redis tests need a Redis at REDIS_URL=${REDIS_URL} and none answered ` +
          `(${error instanceof Error ? error.message : String(error)}). Start one with ` +
          "`redis-server --save '' --appendonly no` or set REDIS_URL.",
      );
    } finally {
      probe.disconnect();
    }
  })();
  return checked;
}

/** A key prefix no other test (or helper sharing this Redis) uses. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under `prefix` with SCAN + UNLINK (never FLUSHALL: the Redis is shared). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  client.on('error', () => {});
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } catch {
    // The server may be gone already (fault tests); nothing to clean then.
  } finally {
    client.disconnect();
  }
}

/** A ready connection under a unique prefix, plus a cleanup that deletes its keys and closes it. */
export async function openTestConnection(
  name: string,
  options: RedisConnectionOptions = {},
): Promise<{ connection: RedisConnection; cleanup: () => Promise<void> }> {
  await requireRedis();
  const keyPrefix = options.keyPrefix ?? uniquePrefix(name);
  const connection = createRedisConnection({ url: REDIS_URL, ...options, keyPrefix });
  await connection.ready();
  return {
    connection,
    cleanup: async () => {
      await connection.close();
      await deletePrefix(options.url ?? REDIS_URL, keyPrefix);
    },
  };
}

/** A port on 127.0.0.1 nobody listens on right now. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A private `redis-server` for fault tests, that can be killed and restarted on the same port. */
export interface OwnRedisServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server with SIGKILL (no persistence: all data is lost, as in a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port and waits until it answers. */
  start(): Promise<void>;
  /** Kills it for good. */
  stop(): Promise<void>;
  /** Stalls it with SIGSTOP: connections stay open, commands get no answer (a frozen or partitioned Redis). */
  pause(): void;
  /** Lets a stalled server run again with SIGCONT; keys whose TTL ran out meanwhile are gone. */
  resume(): void;
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

/** Options for {@link startOwnRedisServer}. */
export interface OwnRedisServerOptions {
  /**
   * Keep data across kills in an append-only file fsynced on every write (`--appendonly yes --appendfsync
   * always`, in `dir`): what a production Redis with persistence promises for acknowledged writes.
   * Default: no persistence (a kill loses every key).
   */
  persistDir?: string;
}

/**
 * Starts `redis-server --port <free> --save ''` (the binary must be on PATH), without persistence unless
 * `persistDir` is given.
 */
export async function startOwnRedisServer(options: OwnRedisServerOptions = {}): Promise<OwnRedisServer> {
  const port = await freePort();
  const persistence =
    options.persistDir === undefined
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.persistDir];
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    const spawned = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      {
        stdio: 'ignore',
      },
    );
    child = spawned;
    const failed = new Promise<never>((_, reject) =>
      spawned.once('error', (error) => reject(new Error(`redis-server could not start: ${error.message}`))),
    );
    await Promise.race([waitForPing(url, 5_000), failed]);
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
  await start();
  const signal = (name: NodeJS.Signals) => {
    if (child && child.exitCode === null) child.kill(name);
  };
  return {
    url,
    port,
    kill,
    start,
    stop: async () => {
      signal('SIGCONT');
      await kill();
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
  };
}

/**
 * A ready connection to a fault test's own server, with fast reconnects and short timeouts (command timeout
 * 1 000 ms unless `commandTimeoutMs` says otherwise); pushed onto `connections` for the test to close.
 */
export async function connectToOwnServer(
  server: OwnRedisServer,
  instanceId: string,
  connections: RedisConnection[],
  options: { commandTimeoutMs?: number } = {},
): Promise<RedisConnection> {
  const connection = createRedisConnection({
    url: server.url,
    instanceId,
    reconnectBaseMs: 10,
    reconnectMaxMs: 100,
    connectTimeoutMs: 2_000,
    commandTimeoutMs: options.commandTimeoutMs ?? 1_000,
  });
  connections.push(connection);
  await connection.ready();
  return connection;
}
