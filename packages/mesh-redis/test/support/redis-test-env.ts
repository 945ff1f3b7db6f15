import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisConnection, type RedisConnection, type RedisConnectionOptions } from '../../src/index.js';
import type { OwnRedisServer } from '../../src/testing/index.js';

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

// The private redis-server of the fault tests (and a free port) is the package's own testing helper,
// `@kidsstories/mesh-redis/testing`; re-exported here for the tests.
export type { OwnRedisServer, OwnRedisServerOptions } from '../../src/testing/index.js';
export { freePort, startOwnRedisServer } from '../../src/testing/index.js';

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
