import { type Logger, MeshError, type StateStore } from '@kidsstories/mesh-core';
import type { FailoverController } from './failover-controller.js';

/** @internal */
export interface ResilientStateStoreOptions {
  redis: StateStore;
  fallback: StateStore;
  controller: FailoverController;
  logger: Logger;
  /** Most writes kept for replay while Redis is away; more reject with `resource_exhausted`. */
  maxJournalEntries: number;
}

/**
 * @internal A state store that writes through to an in-memory copy while Redis answers, serves from that
 * copy while Redis is away (journalling every write), and replays the journal in order once Redis is back.
 *
 * Streams while degraded: appends are acknowledged from the journal and delivered after the replay (so a
 * consumer never processes an entry twice because of the outage); reads wait `blockMs` and return nothing;
 * acknowledgements are replayed. Hash and sorted-set reads are served from the in-memory copy, which holds
 * what this process wrote (through Redis or not) since it started, not what other replicas wrote.
 */
export function createResilientStateStore(options: ResilientStateStoreOptions): StateStore {
  const { redis, fallback, controller, logger } = options;
  const journal: Array<{ name: string; replay: () => Promise<unknown> }> = [];

  const record = (name: string, replay: () => Promise<unknown>) => {
    if (journal.length >= options.maxJournalEntries) {
      throw new MeshError('redis is unavailable and the write journal is full', 'resource_exhausted', {
        details: { limit: options.maxJournalEntries, limitUnit: 'writes' },
      });
    }
    journal.push({ name, replay });
  };
  controller.addResyncTask(async () => {
    while (journal.length > 0) {
      const next = journal[0]!;
      try {
        await next.replay();
      } catch (error) {
        if (MeshError.isInstance(error) && error.code === 'unavailable') throw error;
        // NOGROUP after a restart without persistence, for example: the write no longer applies.
        logger.warn('dropped a journalled write that Redis refused', { write: next.name, error });
      }
      journal.shift();
    }
  });

  /** A write: to Redis (then mirrored locally), or locally and journalled. */
  const write = async <T>(
    name: string,
    onRedis: () => Promise<T>,
    mirror: () => Promise<unknown>,
  ): Promise<T> => {
    return await controller.route(
      async () => {
        const result = await onRedis();
        await mirror().catch((error: unknown) =>
          logger.debug('local mirror write failed', { write: name, error }),
        );
        return result;
      },
      async () => {
        record(name, onRedis);
        return (await mirror()) as T;
      },
    );
  };
  const read = <T>(onRedis: () => Promise<T>, onFallback: () => Promise<T>) =>
    controller.route(onRedis, onFallback);
  const idle = async (blockMs: number, signal?: AbortSignal) => {
    if (blockMs <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, blockMs);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  };

  return {
    hashSet: (key, fields, setOptions) =>
      write(
        'hashSet',
        () => redis.hashSet(key, fields, setOptions),
        () => fallback.hashSet(key, fields, setOptions),
      ),
    hashGet: (key, field) =>
      read(
        () => redis.hashGet(key, field),
        () => fallback.hashGet(key, field),
      ),
    hashGetAll: (key) =>
      read(
        () => redis.hashGetAll(key),
        () => fallback.hashGetAll(key),
      ),
    delete: (key) =>
      write(
        'delete',
        () => redis.delete(key),
        () => fallback.delete(key),
      ),
    expire: (key, ttlMs) =>
      write(
        'expire',
        () => redis.expire(key, ttlMs),
        () => fallback.expire(key, ttlMs),
      ),
    ttl: (key) =>
      read(
        () => redis.ttl(key),
        () => fallback.ttl(key),
      ),

    streamAppend: (stream, fields, appendOptions) =>
      controller.route(
        () => redis.streamAppend(stream, fields, appendOptions),
        async () => {
          // Acknowledged from the journal; Redis assigns the real id on replay.
          record('streamAppend', () => redis.streamAppend(stream, fields, appendOptions));
          return `0-${journal.length}`;
        },
      ),
    streamCreateGroup: (stream, group, groupOptions) =>
      controller.route(
        () => redis.streamCreateGroup(stream, group, groupOptions),
        async () => {
          record('streamCreateGroup', () => redis.streamCreateGroup(stream, group, groupOptions));
        },
      ),
    streamReadGroup: (stream, group, consumer, readOptions = {}) =>
      controller.route(
        () => redis.streamReadGroup(stream, group, consumer, readOptions),
        async () => {
          await idle(readOptions.blockMs ?? 0, readOptions.signal);
          return [];
        },
      ),
    streamAck: (stream, group, ids) =>
      controller.route(
        () => redis.streamAck(stream, group, ids),
        async () => {
          record('streamAck', () => redis.streamAck(stream, group, ids));
          return ids.length;
        },
      ),
    streamClaimIdle: (stream, group, consumer, claimOptions) =>
      controller.route(
        () => redis.streamClaimIdle(stream, group, consumer, claimOptions),
        async () => [],
      ),
    streamPending: (stream, group) =>
      controller.route(
        () => redis.streamPending(stream, group),
        async () => ({ count: 0, consumers: {} }),
      ),
    streamRange: (stream, rangeOptions) =>
      read(
        () => redis.streamRange(stream, rangeOptions),
        async () => {
          throw new MeshError(
            'redis is unavailable: stream ranges are not served while degraded',
            'unavailable',
          );
        },
      ),
    streamLength: (stream) =>
      read(
        () => redis.streamLength(stream),
        async () => {
          throw new MeshError(
            'redis is unavailable: stream lengths are not served while degraded',
            'unavailable',
          );
        },
      ),

    sortedSetAdd: (key, member, score) =>
      write(
        'sortedSetAdd',
        () => redis.sortedSetAdd(key, member, score),
        () => fallback.sortedSetAdd(key, member, score),
      ),
    sortedSetRangeByScore: (key, min, max) =>
      read(
        () => redis.sortedSetRangeByScore(key, min, max),
        () => fallback.sortedSetRangeByScore(key, min, max),
      ),
    sortedSetRemoveByScore: (key, min, max) =>
      write(
        'sortedSetRemoveByScore',
        () => redis.sortedSetRemoveByScore(key, min, max),
        () => fallback.sortedSetRemoveByScore(key, min, max),
      ),
    sortedSetRemove: (key, member) =>
      write(
        'sortedSetRemove',
        () => redis.sortedSetRemove(key, member),
        () => fallback.sortedSetRemove(key, member),
      ),

    async close() {
      await Promise.all([redis.close(), fallback.close()]);
    },
  };
}
