import { KIDSSTORIES_PRICE_TABLE } from '@kidsstories/kidsstories-tools';
import {
  createMemoryCircuitStateStore,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  type Logger,
} from '@kidsstories/mesh-core';
import { createRedisPorts, createResilientPorts, type ResilientPorts } from '@kidsstories/mesh-redis';

/** Options for {@link openRedisPorts}. */
export interface RedisPortsOptions {
  /** `redis://` or `rediss://` URL (user and password in the URL). */
  url: string;
  /** Names this replica in lock owners and breaker transitions. */
  instanceId: string;
  /** Prefix of every key. Default `kidsstories:`. */
  keyPrefix?: string;
  /** Daily budget shared by every replica, in USD. Default 20. */
  dailyBudgetUsd?: number;
  logger: Logger;
}

/** Redis ports shared by every replica, with in-memory fallback while Redis is away, and their closer. */
export async function openRedisPorts(
  options: RedisPortsOptions,
): Promise<{ ports: ResilientPorts; close(): Promise<void> }> {
  const redis = createRedisPorts({
    url: options.url,
    keyPrefix: options.keyPrefix ?? 'kidsstories:',
    instanceId: options.instanceId,
    ledger: {
      prices: KIDSSTORIES_PRICE_TABLE,
      budgets: { day: { limitUsd: options.dailyBudgetUsd ?? 20, windowMs: 86_400_000 } },
    },
  });
  await redis.ready();
  const ports = createResilientPorts({
    connection: redis.connection,
    redis,
    fallback: {
      state: createMemoryStateStore(),
      lock: createMemoryLock({ instanceId: options.instanceId }),
      events: createMemoryEventBus(),
      circuitState: createMemoryCircuitStateStore(),
    },
    lockFailMode: 'closed',
    ledgerSliceUsd: 0.5,
    logger: options.logger,
  });
  ports.onEvent((event) => options.logger.warn('redis ports transition', { event: event.type }));
  return {
    ports,
    async close() {
      await ports.close();
      await redis.close();
    },
  };
}
