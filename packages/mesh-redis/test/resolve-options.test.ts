import { invalidFieldOf } from '@kidsstories/mesh-core/testing';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REDIS_CIRCUIT_STATE,
  resolveRedisCircuitStateStoreOptions,
} from '../src/circuit/redis-circuit-state-store.js';
import type { RedisConnection } from '../src/connection/redis-connection.js';
import { DEFAULT_REDIS_COST_LEDGER, resolveRedisCostLedgerOptions } from '../src/ledger/redis-cost-ledger.js';
import { DEFAULT_REDIS_LOCK, resolveRedisLockOptions } from '../src/lock/redis-lock.js';
import { DEFAULT_BULLMQ_WORK_QUEUE, resolveBullmqWorkQueueOptions } from '../src/queue/bullmq-work-queue.js';

const connection = { instanceId: 'node-1' } as RedisConnection;

describe('the Redis factories resolve their options from DEFAULT_*', () => {
  it('keeps every DEFAULT_* frozen', () => {
    for (const defaults of [
      DEFAULT_REDIS_CIRCUIT_STATE,
      DEFAULT_REDIS_COST_LEDGER,
      DEFAULT_REDIS_LOCK,
      DEFAULT_BULLMQ_WORK_QUEUE,
    ]) {
      expect(Object.isFrozen(defaults)).toBe(true);
    }
  });

  it('the lock', () => {
    expect(resolveRedisLockOptions({ connection })).toMatchObject({
      defaultTtlMs: 300_000,
      owner: 'node-1',
      restartQuarantineMs: 300_000,
      subscribeTimeoutMs: 2_000,
      maxWatchedKeys: 10_000,
      queuePollMs: 50,
    });
    expect(invalidFieldOf(() => resolveRedisLockOptions({ connection, defaultTtlMs: 0 }))).toBe(
      'defaultTtlMs',
    );
    expect(invalidFieldOf(() => resolveRedisLockOptions({ connection, restartQuarantineMs: -1 }))).toBe(
      'restartQuarantineMs',
    );
    expect(invalidFieldOf(() => resolveRedisLockOptions({ connection, maxWatchedKeys: 0.5 }))).toBe(
      'maxWatchedKeys',
    );
    expect(invalidFieldOf(() => resolveRedisLockOptions({ connection, queuePollMs: 0 }))).toBe('queuePollMs');
  });

  it('the circuit state store', () => {
    expect(resolveRedisCircuitStateStoreOptions({ connection }).stateTtlMs).toBe(30_000);
    expect(invalidFieldOf(() => resolveRedisCircuitStateStoreOptions({ connection, stateTtlMs: 1.5 }))).toBe(
      'stateTtlMs',
    );
  });

  it('the cost ledger', () => {
    const resolved = resolveRedisCostLedgerOptions({ connection });
    expect(resolved).toMatchObject({
      name: 'default',
      accumulatorTtlMs: 3_600_000,
      defaultReservationTtlMs: 300_000,
      restoreQuarantineMs: 3_000,
      windowBuckets: 60,
      settledRetentionMs: 600_000,
    });
    expect(Object.keys(resolved.prices)).toEqual([]);
    expect(invalidFieldOf(() => resolveRedisCostLedgerOptions({ connection, name: 'bad name' }))).toBe(
      'name',
    );
    expect(invalidFieldOf(() => resolveRedisCostLedgerOptions({ connection, windowBuckets: 0 }))).toBe(
      'windowBuckets',
    );
    expect(invalidFieldOf(() => resolveRedisCostLedgerOptions({ connection, accumulatorTtlMs: -1 }))).toBe(
      'accumulatorTtlMs',
    );
  });

  it('the BullMQ work queue', () => {
    expect(resolveBullmqWorkQueueOptions()).toEqual({
      url: 'redis://127.0.0.1:6379',
      redisOptions: undefined,
      prefix: 'bull',
      retentionMs: 86_400_000,
      maxRetained: 1_000,
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
    });
    expect(invalidFieldOf(() => resolveBullmqWorkQueueOptions({ prefix: '' }))).toBe('prefix');
    expect(invalidFieldOf(() => resolveBullmqWorkQueueOptions({ maxRetained: 0 }))).toBe('maxRetained');
    expect(invalidFieldOf(() => resolveBullmqWorkQueueOptions({ lockDurationMs: 1.5 }))).toBe(
      'lockDurationMs',
    );
  });
});
