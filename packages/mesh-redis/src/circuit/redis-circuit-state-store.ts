import { type CircuitStateStore, type Logger, MeshError, silentLogger } from '@kidsstories/mesh-core';
import { type CircuitSnapshot, checkInteger } from '@kidsstories/mesh-core/ports';
import type { Redis } from 'ioredis';
import { quitQuietly, type RedisConnection } from '../connection/redis-connection.js';
import { defineRedisScript, redisCall } from '../connection/redis-script.js';

/** Options for {@link createRedisCircuitStateStore}. */
export interface RedisCircuitStateStoreOptions {
  /** The Redis connection (shared; the store closes only its own subscriber client). */
  connection: RedisConnection;
  /**
   * How long a snapshot lives after its last transition, in milliseconds. An open breaker lives at least
   * until its `halfOpenAt` plus this, so replicas never forget an open breaker before its break ends.
   * Default 30 000 (the brief's 30 s).
   */
  stateTtlMs?: number;
  /** Clock, in epoch milliseconds, for the TTL of open snapshots. Default `Date.now`. */
  now?: () => number;
  /** Where listener failures are logged. Default: silent. */
  logger?: Logger;
}

/** Defaults of {@link RedisCircuitStateStoreOptions}. */
export const DEFAULT_REDIS_CIRCUIT_STATE = Object.freeze({ stateTtlMs: 30_000 });

/** {@link RedisCircuitStateStoreOptions} with every default applied and every value checked. */
export interface ResolvedRedisCircuitStateStoreOptions {
  connection: RedisConnection;
  stateTtlMs: number;
  now: () => number;
  logger: Logger;
}

/**
 * Applies {@link DEFAULT_REDIS_CIRCUIT_STATE} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: a `stateTtlMs` that is not a whole number above 0.
 * @example
 * ```ts
 * resolveRedisCircuitStateStoreOptions({ connection }).stateTtlMs; // 30000
 * ```
 */
export function resolveRedisCircuitStateStoreOptions(
  options: RedisCircuitStateStoreOptions,
): ResolvedRedisCircuitStateStoreOptions {
  return {
    connection: options.connection,
    stateTtlMs: checkInteger(options.stateTtlMs ?? DEFAULT_REDIS_CIRCUIT_STATE.stateTtlMs, 'stateTtlMs'),
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
  };
}

/**
 * Compare-and-set on the version, store with TTL, drop any half-open probe claim, and publish the new
 * snapshot, atomically (so watchers see every snapshot, in order).
 * KEYS: state hash, probe key. ARGV: expected version, ttl ms, channel, state, openedAt, halfOpenAt,
 * updatedBy, target, snapshot JSON (with version = expected + 1). Returns the new version, or false.
 */
const TRANSITION = defineRedisScript(`
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return false end
local version = current + 1
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'target', ARGV[8], 'state', ARGV[4], 'openedAt', ARGV[5], 'halfOpenAt', ARGV[6],
  'updatedBy', ARGV[7], 'version', version)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[9])
return version
`);

/** Redis keys of one breaker; the hash tag `{target}` keeps the transition script on one slot. */
export function redisCircuitKeys(connection: Pick<RedisConnection, 'key'>, target: string) {
  return { state: connection.key(`circuit:{${target}}`), probe: connection.key(`circuit:{${target}}:probe`) };
}

function parseSnapshot(fields: Record<string, string>): CircuitSnapshot | undefined {
  if (!fields.state || !fields.target) return undefined;
  const snapshot: CircuitSnapshot = {
    target: fields.target,
    state: fields.state as CircuitSnapshot['state'],
    version: Number(fields.version),
    updatedBy: fields.updatedBy ?? '',
  };
  if (fields.openedAt) snapshot.openedAt = Number(fields.openedAt);
  if (fields.halfOpenAt) snapshot.halfOpenAt = Number(fields.halfOpenAt);
  return snapshot;
}

const STATES = new Set(['closed', 'open', 'half_open']);

/**
 * The mesh-wide {@link CircuitStateStore} on Redis. The authoritative snapshot of each breaker lives in a
 * hash with a TTL; a transition is a compare-and-set on its version in one Lua script that also publishes the
 * new snapshot. Watchers receive snapshots over pub/sub and, since pub/sub drops messages while a subscriber
 * is disconnected, re-read every breaker they know of after a reconnect, so the latest state missed during an
 * outage is still delivered. Exactly one replica wins `tryAcquireProbe` (SET NX PX) per half-open period.
 *
 * @example
 * ```ts
 * const circuits = createRedisCircuitStateStore({ connection });
 * await circuits.watch((snapshot) => console.log(snapshot.target, snapshot.state));
 * ```
 */
export function createRedisCircuitStateStore(options: RedisCircuitStateStoreOptions): CircuitStateStore {
  const { connection, logger, now, stateTtlMs } = resolveRedisCircuitStateStoreOptions(options);
  const redis = connection.client;
  const channel = connection.key('circuit:changes');
  const watchers = new Set<(snapshot: CircuitSnapshot) => void>();
  /** Last version delivered to watchers per target, so a re-read after reconnect only reports news. */
  const seen = new Map<string, number>();
  let subscriber: Redis | undefined;
  let subscribing: Promise<unknown> | undefined;
  let closed = false;

  const checkTarget = (target: string) => {
    if (typeof target !== 'string' || target.length === 0) {
      throw new MeshError('target must be a non-empty string', 'invalid_argument', {
        details: { field: 'target' },
      });
    }
  };
  const read = async (target: string): Promise<CircuitSnapshot | undefined> => {
    const fields = await redisCall(() => redis.hgetall(redisCircuitKeys(connection, target).state));
    return parseSnapshot(fields);
  };
  const deliver = (snapshot: CircuitSnapshot) => {
    // The same snapshot may arrive twice (a notification and a re-read after reconnect): deliver it once.
    if (seen.get(snapshot.target) === snapshot.version) return;
    seen.set(snapshot.target, snapshot.version);
    for (const watcher of [...watchers]) {
      try {
        watcher(snapshot);
      } catch (error) {
        logger.error('circuit watcher threw', { target: snapshot.target, error });
      }
    }
  };
  const refresh = async (target: string) => {
    try {
      const snapshot = await read(target);
      if (snapshot) deliver(snapshot);
    } catch (error) {
      logger.debug('circuit re-read failed', { target, error });
    }
  };

  const ensureSubscribed = async () => {
    if (subscribing) return subscribing;
    const client = connection.createClient('subscriber');
    subscriber = client;
    client.on('message', (_channel: string, message: string) => {
      let snapshot: CircuitSnapshot;
      try {
        snapshot = JSON.parse(message) as CircuitSnapshot;
      } catch (error) {
        logger.warn('dropped a malformed circuit notification', { error });
        return;
      }
      deliver(snapshot);
    });
    let connectedBefore = false;
    client.on('ready', () => {
      // After a reconnect, pub/sub messages sent meanwhile are lost: re-read every breaker we know of.
      if (connectedBefore) for (const target of seen.keys()) void refresh(target);
      connectedBefore = true;
    });
    subscribing = redisCall(() => client.subscribe(channel));
    try {
      await subscribing;
    } catch (error) {
      subscribing = undefined;
      subscriber = undefined;
      await quitQuietly(client);
      throw error;
    }
    return subscribing;
  };

  return {
    async get(target) {
      checkTarget(target);
      return await read(target);
    },
    async transition(target, next, expectedVersion) {
      checkTarget(target);
      if (!STATES.has(next.state)) {
        throw new MeshError(`unknown circuit state ${String(next.state)}`, 'invalid_argument', {
          details: { field: 'state' },
        });
      }
      if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
        throw new MeshError('expectedVersion must be a non-negative integer', 'invalid_argument', {
          details: { field: 'expectedVersion' },
        });
      }
      const keys = redisCircuitKeys(connection, target);
      const ttlMs =
        next.state === 'closed'
          ? stateTtlMs
          : Math.max(stateTtlMs, Math.ceil((next.halfOpenAt ?? 0) - now()) + stateTtlMs);
      const snapshot: CircuitSnapshot = {
        target,
        state: next.state,
        version: expectedVersion + 1,
        updatedBy: next.updatedBy,
      };
      if (next.openedAt !== undefined) snapshot.openedAt = next.openedAt;
      if (next.halfOpenAt !== undefined) snapshot.halfOpenAt = next.halfOpenAt;
      const version = await TRANSITION.run(
        redis,
        [keys.state, keys.probe],
        [
          expectedVersion,
          ttlMs,
          channel,
          next.state,
          next.openedAt === undefined ? '' : String(next.openedAt),
          next.halfOpenAt === undefined ? '' : String(next.halfOpenAt),
          next.updatedBy,
          target,
          JSON.stringify(snapshot),
        ],
      );
      if (version === null || version === undefined) return undefined;
      return snapshot;
    },
    async tryAcquireProbe(target, owner, ttlMs) {
      checkTarget(target);
      if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
        throw new MeshError('ttlMs must be a positive integer', 'invalid_argument', {
          details: { field: 'ttlMs' },
        });
      }
      const reply = await redisCall(() =>
        redis.set(redisCircuitKeys(connection, target).probe, owner, 'PX', ttlMs, 'NX'),
      );
      return reply === 'OK';
    },
    async watch(listener) {
      if (closed) throw new MeshError('circuit state store is closed', 'failed_precondition');
      await ensureSubscribed();
      watchers.add(listener);
      return async () => {
        watchers.delete(listener);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      watchers.clear();
      if (subscriber) await quitQuietly(subscriber);
      subscriber = undefined;
    },
  };
}
