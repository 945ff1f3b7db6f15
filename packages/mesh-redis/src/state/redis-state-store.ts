import { MeshError, type StateStore } from '@kidsstories/mesh-core';
import {
  checkInteger,
  checkNonEmptyString,
  checkPositive,
  type ScoredMember,
  type StreamEntry,
  type StreamPendingSummary,
} from '@kidsstories/mesh-core/ports';
import type { Redis } from 'ioredis';
import { meshErrorFromRedis } from '../connection/mesh-error-from-redis.js';
import { quitQuietly, type RedisConnection } from '../connection/redis-connection.js';
import { defineRedisScript, formatScore, parseScore, redisCall } from '../connection/redis-script.js';

/** Options for {@link createRedisStateStore}. */
export interface RedisStateStoreOptions {
  /** The Redis connection (shared; the store does not close it). */
  connection: RedisConnection;
}

/**
 * XAUTOCLAIM then XPENDING for the claimed ids, in one atomic step, so the delivery counts returned are
 * exactly those of this claim. Handles entries trimmed while pending (nil entries on Redis 6.2, a list of
 * deleted ids on 7.x).
 */
const CLAIM_SCRIPT = defineRedisScript(`
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', ARGV[4])
local entries = claimed[2]
local out = {}
for _, entry in ipairs(entries) do
  if entry and entry ~= false and entry[2] then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
    local count = 1
    if pending[1] then count = pending[1][4] end
    out[#out + 1] = { entry[1], entry[2], count }
  end
end
return out
`);

type RawEntry = [id: string, fields: string[] | null];

function toFields(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) fields[flat[index]!] = flat[index + 1]!;
  return fields;
}

function flatten(fields: Record<string, string>): string[] {
  const flat: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== 'string') {
      throw new MeshError(`field ${field} must be a string`, 'invalid_argument', { details: { field } });
    }
    flat.push(field, value);
  }
  return flat;
}

/**
 * The mesh's {@link StateStore} on Redis: hashes with TTL, streams with consumer groups (XADD with trimming,
 * XREADGROUP on dedicated blocking connections, XACK, XAUTOCLAIM), and sorted sets.
 *
 * A blocking read (`blockMs > 0`) borrows a dedicated connection so it never stalls other commands; aborting
 * its `signal` drops that connection. A missing group rejects with `MeshError` `not_found`,
 * `details.reason: 'NOGROUP'` (recreate it with `streamCreateGroup`, as after a Redis restart).
 *
 * @example
 * ```ts
 * const store = createRedisStateStore({ connection });
 * await store.hashSet('character-guide:2026-11-24', { hero: 'Mila' }, { ttlMs: 86_400_000 });
 * ```
 */
export function createRedisStateStore(options: RedisStateStoreOptions): StateStore {
  const { connection } = options;
  const redis = connection.client;
  const key = (name: string) => {
    checkNonEmptyString(name, 'key');
    return connection.key(name);
  };
  const idleBlocking: Redis[] = [];
  const busyBlocking = new Set<Redis>();
  let closed = false;

  const borrowBlocking = (): Redis => {
    const client = idleBlocking.pop() ?? connection.createClient('blocking');
    busyBlocking.add(client);
    return client;
  };
  const giveBack = (client: Redis, healthy: boolean) => {
    busyBlocking.delete(client);
    if (healthy && !closed && client.status !== 'end') idleBlocking.push(client);
    else void quitQuietly(client);
  };
  const waitReady = async (client: Redis, signal?: AbortSignal) => {
    if (client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new MeshError('redis blocking connection not ready', 'unavailable')),
        5_000,
      );
      const onReady = () => finish();
      const onAbort = () => finish(MeshError.from(signal?.reason));
      const finish = (error?: MeshError) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      client.on('ready', onReady);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  const parseEntries = (reply: unknown, deliveryCount: number): StreamEntry[] => {
    if (!Array.isArray(reply)) return [];
    const entries: StreamEntry[] = [];
    for (const [, raw] of reply as [string, RawEntry[]][]) {
      for (const [id, flat] of raw) {
        if (flat) entries.push({ id, fields: toFields(flat), deliveryCount });
      }
    }
    return entries;
  };

  return {
    async hashSet(name, fields, setOptions = {}) {
      const target = key(name);
      const flat = flatten(fields);
      if (setOptions.ttlMs !== undefined) checkPositive(setOptions.ttlMs, 'ttlMs');
      if (flat.length === 0 && setOptions.ttlMs === undefined) return;
      const ttlMs = setOptions.ttlMs;
      await redisCall(async () => {
        const transaction = redis.multi();
        if (flat.length > 0) transaction.hset(target, ...flat);
        if (ttlMs !== undefined) transaction.pexpire(target, Math.ceil(ttlMs));
        const results = await transaction.exec();
        for (const [error] of results ?? []) if (error) throw error;
      });
    },
    async hashGet(name, field) {
      const value = await redisCall(() => redis.hget(key(name), field));
      return value ?? undefined;
    },
    async hashGetAll(name) {
      const value = await redisCall(() => redis.hgetall(key(name)));
      return Object.keys(value).length === 0 ? undefined : value;
    },
    async delete(name) {
      return (await redisCall(() => redis.del(key(name)))) > 0;
    },
    async expire(name, ttlMs) {
      checkPositive(ttlMs, 'ttlMs');
      return (await redisCall(() => redis.pexpire(key(name), Math.ceil(ttlMs)))) === 1;
    },
    async ttl(name) {
      const remaining = await redisCall(() => redis.pttl(key(name)));
      if (remaining === -2) return undefined;
      if (remaining === -1) return Number.POSITIVE_INFINITY;
      return remaining;
    },

    async streamAppend(stream, fields, appendOptions = {}) {
      const target = key(stream);
      const flat = flatten(fields);
      if (flat.length === 0) {
        throw new MeshError('a stream entry needs at least one field', 'invalid_argument', {
          details: { field: 'fields' },
        });
      }
      const trim: string[] = [];
      if (appendOptions.maxLength !== undefined) {
        if (!Number.isInteger(appendOptions.maxLength) || appendOptions.maxLength < 0) {
          throw new MeshError('maxLength must be a non-negative integer', 'invalid_argument', {
            details: { field: 'maxLength' },
          });
        }
        trim.push('MAXLEN', String(appendOptions.maxLength));
      }
      const id = await redisCall(() =>
        (redis.xadd as (...args: string[]) => Promise<string | null>)(target, ...trim, '*', ...flat),
      );
      if (id === null) throw new MeshError('XADD returned no id', 'internal');
      return id;
    },
    async streamCreateGroup(stream, group, groupOptions = {}) {
      checkNonEmptyString(group, 'group');
      const startId = groupOptions.startId ?? '$';
      try {
        await redis.xgroup('CREATE', key(stream), group, startId, 'MKSTREAM');
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return;
        throw meshErrorFromRedis(error);
      }
    },
    async streamReadGroup(stream, group, consumer, readOptions = {}) {
      checkNonEmptyString(group, 'group');
      checkNonEmptyString(consumer, 'consumer');
      const count = readOptions.count ?? 10;
      checkInteger(count, 'count');
      const blockMs = readOptions.blockMs ?? 0;
      if (!Number.isInteger(blockMs) || blockMs < 0) {
        throw new MeshError('blockMs must be a non-negative integer', 'invalid_argument', {
          details: { field: 'blockMs' },
        });
      }
      const target = key(stream);
      const signal = readOptions.signal;
      if (signal?.aborted) throw MeshError.from(signal.reason);
      if (blockMs === 0) {
        const reply = await redisCall(() =>
          redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', target, '>'),
        );
        return parseEntries(reply, 1);
      }
      if (!connection.isReady()) {
        // Fail fast like every other command instead of waiting for the blocking client to connect.
        throw new MeshError('redis is unavailable', 'unavailable', {
          details: { reason: 'CONNECTION_CLOSED' },
        });
      }
      const client = borrowBlocking();
      let healthy = true;
      const onAbort = () => {
        // The only way to end an XREADGROUP BLOCK early is to drop its connection.
        healthy = false;
        client.disconnect(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await waitReady(client, signal);
        const reply = await client.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          count,
          'BLOCK',
          blockMs,
          'STREAMS',
          target,
          '>',
        );
        return parseEntries(reply, 1);
      } catch (error) {
        if (signal?.aborted) throw MeshError.from(signal.reason);
        const converted = meshErrorFromRedis(error);
        if (converted.code === 'unavailable') healthy = false;
        throw converted;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        giveBack(client, healthy);
      }
    },
    async streamAck(stream, group, ids) {
      if (ids.length === 0) return 0;
      return await redisCall(() => redis.xack(key(stream), group, ...ids));
    },
    async streamClaimIdle(stream, group, consumer, claimOptions) {
      checkNonEmptyString(group, 'group');
      checkNonEmptyString(consumer, 'consumer');
      const count = claimOptions.count ?? 10;
      checkInteger(count, 'count');
      if (!Number.isFinite(claimOptions.minIdleMs) || claimOptions.minIdleMs < 0) {
        throw new MeshError('minIdleMs must be a non-negative number', 'invalid_argument', {
          details: { field: 'minIdleMs' },
        });
      }
      const reply = (await CLAIM_SCRIPT.run(
        redis,
        [key(stream)],
        [group, consumer, Math.floor(claimOptions.minIdleMs), count],
      )) as [string, string[], number][];
      return reply.map(([id, flat, deliveryCount]) => ({ id, fields: toFields(flat), deliveryCount }));
    },
    async streamPending(stream, group): Promise<StreamPendingSummary> {
      const reply = (await redisCall(() => redis.xpending(key(stream), group))) as [
        number,
        string | null,
        string | null,
        [string, string][] | null,
      ];
      const consumers: Record<string, number> = {};
      for (const [name, pending] of reply[3] ?? []) consumers[name] = Number(pending);
      return { count: Number(reply[0]), consumers };
    },
    async streamRange(stream, rangeOptions = {}) {
      const start = rangeOptions.start ?? '-';
      const end = rangeOptions.end ?? '+';
      const target = key(stream);
      const reply = await redisCall(() =>
        rangeOptions.count === undefined
          ? redis.xrange(target, start, end)
          : redis.xrange(target, start, end, 'COUNT', rangeOptions.count),
      );
      return reply.map(([id, flat]) => ({ id, fields: toFields(flat), deliveryCount: 0 }));
    },
    async streamLength(stream) {
      return await redisCall(() => redis.xlen(key(stream)));
    },

    async sortedSetAdd(name, member, score) {
      if (Number.isNaN(score)) {
        throw new MeshError('score must be a number', 'invalid_argument', { details: { field: 'score' } });
      }
      await redisCall(() => redis.zadd(key(name), formatScore(score), member));
    },
    async sortedSetRangeByScore(name, min, max): Promise<ScoredMember[]> {
      const flat = await redisCall(() =>
        redis.zrangebyscore(key(name), formatScore(min), formatScore(max), 'WITHSCORES'),
      );
      const members: ScoredMember[] = [];
      for (let index = 0; index + 1 < flat.length; index += 2) {
        members.push({ member: flat[index]!, score: parseScore(flat[index + 1]!) });
      }
      return members;
    },
    async sortedSetRemoveByScore(name, min, max) {
      return await redisCall(() => redis.zremrangebyscore(key(name), formatScore(min), formatScore(max)));
    },
    async sortedSetRemove(name, member) {
      return (await redisCall(() => redis.zrem(key(name), member))) > 0;
    },

    async close() {
      if (closed) return;
      closed = true;
      const clients = [...idleBlocking, ...busyBlocking];
      idleBlocking.length = 0;
      busyBlocking.clear();
      await Promise.all(clients.map((client) => quitQuietly(client)));
    },
  };
}
