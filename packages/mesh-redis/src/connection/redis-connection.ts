import { hostname } from 'node:os';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { type Logger, MeshError, silentLogger } from '@kidsstories/mesh-core';
import { checkInteger } from '@kidsstories/mesh-core/ports';
import {
  type BackoffOptions,
  backoffDelayMs,
  type ResolvedBackoffOptions,
  resolveBackoffOptions,
} from '@kidsstories/mesh-core/resilience';
import { Redis, type RedisOptions } from 'ioredis';
import { GuardedConnector } from './guarded-connector.js';
import { meshErrorFromRedis } from './mesh-error-from-redis.js';

/** Options for {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /**
   * Where Redis is: `redis://[user:password@]host[:port][/db]` or `rediss://…` for TLS (Azure Cache for Redis
   * listens on 6380 with TLS). Default: the `REDIS_URL` environment variable, else `redis://127.0.0.1:6379`.
   */
  url?: string;
  /** ACL user name; overrides the one in {@link RedisConnectionOptions.url}. Default: the URL's, else none. */
  username?: string;
  /** Password (or Azure access key); overrides the URL's. Never logged. Default: the URL's, else none. */
  password?: string;
  /**
   * TLS: `true` forces it, `false` disables it, an object passes Node TLS options (CA, servername…).
   * Default: on for `rediss://` URLs, off otherwise.
   */
  tls?: boolean | TlsConnectionOptions;
  /**
   * Prepended to every key and channel this package touches, so several meshes (or tests) share one Redis.
   * Must not contain `{` or `}` (they would break hash tags). Default `''`.
   */
  keyPrefix?: string;
  /** Name of this instance, recorded as the Redis client name and in lock owner tokens. Default `host:pid`. */
  instanceId?: string;
  /** Time allowed to open a connection, in milliseconds. Default 5 000. */
  connectTimeoutMs?: number;
  /** A command without a reply after this long fails `unavailable`, in milliseconds. Default 5 000. */
  commandTimeoutMs?: number;
  /**
   * How many times a command sent while the link drops is retried on reconnect before failing `unavailable`.
   * Small so producers fail fast instead of queueing. Default 1.
   */
  maxRetriesPerRequest?: number;
  /**
   * Delays between reconnect attempts: the shared {@link BackoffOptions}. Default 50 ms doubling to 2 s, full jitter
   * (`{ initialDelayMs: 50, maxDelayMs: 2000, multiplier: 2, jitter: 1 }`).
   */
  reconnectBackoff?: BackoffOptions;
  /** First reconnect delay cap, in milliseconds. @deprecated Use `reconnectBackoff.initialDelayMs`. */
  reconnectBaseMs?: number;
  /** Largest reconnect delay, in milliseconds. @deprecated Use `reconnectBackoff.maxDelayMs`. */
  reconnectMaxMs?: number;
  /** Random source in [0, 1) for reconnect jitter. Default `Math.random`. */
  random?: () => number;
  /** Where connection transitions are logged. Default: silent. */
  logger?: Logger;
}

/** What a connection reports through {@link RedisConnection.onStatus}. */
export type RedisConnectionStatus = 'ready' | 'lost';

/** Which kind of extra client {@link RedisConnection.createClient} makes. */
export type RedisClientRole = 'blocking' | 'subscriber';

/**
 * A configured link to Redis: one command client shared by every port (fail-fast, no offline queue) and a
 * factory for dedicated clients (blocking stream reads, pub/sub subscribers). Close it when done.
 */
export interface RedisConnection {
  /** The shared command client. Commands fail fast with `unavailable` while Redis is unreachable. */
  readonly client: Redis;
  /** The key prefix from the options (`''` when none). */
  readonly keyPrefix: string;
  /** The instance id from the options. */
  readonly instanceId: string;
  /** `keyPrefix + name`. */
  key(name: string): string;
  /**
   * Resolves once the command client has been ready at least once (immediately after that); rejects with
   * `unavailable` if the first connection does not succeed within `connectTimeoutMs`.
   */
  ready(): Promise<void>;
  /** True while the command client is connected and ready. */
  isReady(): boolean;
  /**
   * Creates a dedicated client with the same settings: `blocking` for XREADGROUP BLOCK (no command timeout),
   * `subscriber` for pub/sub (re-subscribes after a reconnect). The caller owns it and must `disconnect()` it;
   * it is also closed by {@link RedisConnection.close}.
   */
  createClient(role: RedisClientRole): Redis;
  /** Calls `listener` when the command client becomes ready or loses its link. Returns a disposer. */
  onStatus(listener: (status: RedisConnectionStatus) => void): () => void;
  /** Closes the command client and every client made by {@link RedisConnection.createClient}. Idempotent. */
  close(): Promise<void>;
}

/** Defaults of {@link RedisConnectionOptions}. */
export const DEFAULT_REDIS_CONNECTION = {
  url: 'redis://127.0.0.1:6379',
  keyPrefix: '',
  connectTimeoutMs: 5_000,
  commandTimeoutMs: 5_000,
  maxRetriesPerRequest: 1,
  reconnectBackoff: { initialDelayMs: 50, maxDelayMs: 2_000, multiplier: 2, jitter: 1 },
} as const;

interface ResolvedRedisConnectionOptions {
  redisOptions: RedisOptions;
  keyPrefix: string;
  instanceId: string;
  connectTimeoutMs: number;
  logger: Logger;
}

/**
 * The delay before reconnect `attempt` (ioredis counts from 1): the shared {@link backoffDelayMs} (full jitter by
 * default, so replicas that lost Redis together do not reconnect in lockstep), in whole milliseconds, at least 1.
 *
 * @param random - Random source in `[0, 1)`. Default `Math.random`.
 */
export function reconnectDelayMs(
  attempt: number,
  backoff: ResolvedBackoffOptions,
  random: () => number = Math.random,
): number {
  return Math.max(1, Math.floor(backoffDelayMs(attempt, backoff, random)));
}

/** Applies defaults and checks limits once (house style rule 10). */
export function resolveRedisConnectionOptions(
  options: RedisConnectionOptions = {},
): ResolvedRedisConnectionOptions {
  const rawUrl = options.url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_CONNECTION.url;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch (cause) {
    throw new MeshError('redis url is not a valid URL', 'invalid_argument', {
      cause,
      details: { field: 'url' },
    });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new MeshError(
      `redis url must start with redis:// or rediss://, got ${url.protocol}//`,
      'invalid_argument',
      {
        details: { field: 'url' },
      },
    );
  }
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_CONNECTION.keyPrefix;
  if (/[{}]/.test(keyPrefix)) {
    throw new MeshError(
      'keyPrefix must not contain { or } (they are hash-tag delimiters)',
      'invalid_argument',
      {
        details: { field: 'keyPrefix' },
      },
    );
  }
  const secure = url.protocol === 'rediss:';
  const defaultPort = secure ? 6380 : 6379;
  const port = url.port === '' ? defaultPort : Number(url.port);
  const dbPath = url.pathname.replace(/^\//, '');
  const db = dbPath === '' ? 0 : Number(dbPath);
  if (!Number.isInteger(db) || db < 0) {
    throw new MeshError(
      `redis url database must be a non-negative integer, got ${dbPath}`,
      'invalid_argument',
      {
        details: { field: 'url' },
      },
    );
  }
  const username = options.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username));
  const password = options.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  const tlsOption = options.tls ?? secure;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
  const connectTimeoutMs = checkInteger(
    options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECTION.connectTimeoutMs,
    'connectTimeoutMs',
  );
  const commandTimeoutMs = checkInteger(
    options.commandTimeoutMs ?? DEFAULT_REDIS_CONNECTION.commandTimeoutMs,
    'commandTimeoutMs',
  );
  const maxRetriesPerRequest = checkInteger(
    options.maxRetriesPerRequest ?? DEFAULT_REDIS_CONNECTION.maxRetriesPerRequest,
    'maxRetriesPerRequest',
    0,
  );
  // The deprecated flat names still count, checked under their own names (whole milliseconds > 0, as before).
  const legacy = {
    initialDelayMs:
      options.reconnectBaseMs === undefined
        ? undefined
        : checkInteger(options.reconnectBaseMs, 'reconnectBaseMs'),
    maxDelayMs:
      options.reconnectMaxMs === undefined
        ? undefined
        : checkInteger(options.reconnectMaxMs, 'reconnectMaxMs'),
  };
  const backoff = resolveBackoffOptions(
    {
      ...options.reconnectBackoff,
      initialDelayMs: options.reconnectBackoff?.initialDelayMs ?? legacy.initialDelayMs,
      maxDelayMs: options.reconnectBackoff?.maxDelayMs ?? legacy.maxDelayMs,
    },
    DEFAULT_REDIS_CONNECTION.reconnectBackoff,
    'reconnectBackoff',
  );
  const random = options.random ?? Math.random;
  const redisOptions: RedisOptions = {
    host,
    port,
    db,
    connectionName: instanceId.replace(/\s/g, '_'),
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest,
    // Producers fail fast instead of queueing while Redis is away (issue 3, item 5).
    enableOfflineQueue: false,
    lazyConnect: false,
    disableClientInfo: true,
    retryStrategy: (attempt) => reconnectDelayMs(attempt, backoff, random),
    // A socket's late second error (TLS) must not crash the process: see GuardedConnector.
    Connector: GuardedConnector,
  };
  if (username !== undefined) redisOptions.username = username;
  if (password !== undefined) redisOptions.password = password;
  if (tlsOption !== false) {
    redisOptions.tls = tlsOption === true ? { servername: host } : { servername: host, ...tlsOption };
  }
  return { redisOptions, keyPrefix, instanceId, connectTimeoutMs, logger: options.logger ?? silentLogger };
}

/**
 * Opens a connection to Redis for the mesh ports.
 *
 * The command client never queues: while Redis is unreachable every command fails at once with a
 * `MeshError` `unavailable`, and the client reconnects in the background with full-jitter exponential
 * backoff. Blocking stream reads and pub/sub get dedicated clients from {@link RedisConnection.createClient}.
 *
 * @throws MeshError `invalid_argument` for a malformed URL or option.
 * @example
 * ```ts
 * const connection = createRedisConnection({ url: 'rediss://:key@kidsstories.redis.cache.windows.net:6380', keyPrefix: 'ks:' });
 * await connection.ready();
 * const lock = createRedisLock({ connection });
 * ```
 */
export function createRedisConnection(options: RedisConnectionOptions = {}): RedisConnection {
  const resolved = resolveRedisConnectionOptions(options);
  const { logger } = resolved;
  const client = new Redis(resolved.redisOptions);
  const extra = new Set<Redis>();
  const listeners = new Set<(status: RedisConnectionStatus) => void>();
  let everReady = false;
  let linkUp = false;
  let closed = false;
  let firstReady: Promise<void> | undefined;

  const emit = (status: RedisConnectionStatus) => {
    for (const listener of [...listeners]) {
      try {
        listener(status);
      } catch (error) {
        logger.error('redis status listener threw', { error });
      }
    }
  };
  client.on('ready', () => {
    everReady = true;
    if (!linkUp) {
      linkUp = true;
      logger.info('redis ready', { host: resolved.redisOptions.host, port: resolved.redisOptions.port });
      emit('ready');
    }
  });
  const onLost = () => {
    if (linkUp) {
      linkUp = false;
      logger.warn('redis link lost', { host: resolved.redisOptions.host, port: resolved.redisOptions.port });
      emit('lost');
    }
  };
  client.on('close', onLost);
  client.on('end', onLost);
  // Without an `error` listener ioredis prints every failed reconnect; the transitions above are the signal.
  client.on('error', (error: Error) => logger.debug('redis client error', { error: error.message }));

  return {
    client,
    keyPrefix: resolved.keyPrefix,
    instanceId: resolved.instanceId,
    key: (name) => resolved.keyPrefix + name,
    isReady: () => client.status === 'ready',
    ready() {
      if (everReady) return Promise.resolve();
      if (closed) return Promise.reject(new MeshError('redis connection is closed', 'unavailable'));
      firstReady ??= new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          firstReady = undefined;
          reject(
            new MeshError(`redis did not answer within ${resolved.connectTimeoutMs} ms`, 'unavailable', {
              details: { reason: 'CONNECT_TIMEOUT' },
            }),
          );
        }, resolved.connectTimeoutMs);
        const onReady = () => {
          cleanup();
          resolve();
        };
        const onEnd = () => {
          cleanup();
          firstReady = undefined;
          reject(
            new MeshError('redis connection ended', 'unavailable', {
              details: { reason: 'CONNECTION_CLOSED' },
            }),
          );
        };
        const cleanup = () => {
          clearTimeout(timer);
          client.off('ready', onReady);
          client.off('end', onEnd);
        };
        client.on('ready', onReady);
        client.on('end', onEnd);
      });
      return firstReady;
    },
    createClient(role) {
      if (closed) throw new MeshError('redis connection is closed', 'unavailable');
      const extraClient = new Redis({
        ...resolved.redisOptions,
        connectionName: `${resolved.redisOptions.connectionName}:${role}`,
        // A blocking read may legitimately wait longer than any command timeout; the socket still fails fast.
        commandTimeout: role === 'blocking' ? undefined : resolved.redisOptions.commandTimeout,
        enableOfflineQueue: role === 'subscriber',
        autoResubscribe: true,
        maxRetriesPerRequest: role === 'subscriber' ? null : resolved.redisOptions.maxRetriesPerRequest,
      } as RedisOptions);
      extraClient.on('error', (error: Error) =>
        logger.debug(`redis ${role} client error`, { error: error.message }),
      );
      extra.add(extraClient);
      extraClient.once('end', () => extra.delete(extraClient));
      return extraClient;
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await Promise.all([client, ...extra].map((each) => quitQuietly(each)));
      extra.clear();
    },
  };
}

/** Closes a client politely when connected, at once otherwise; never throws. */
export async function quitQuietly(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect(false);
    return;
  }
  try {
    await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  } catch (error) {
    meshErrorFromRedis(error);
  } finally {
    client.disconnect(false);
  }
}
