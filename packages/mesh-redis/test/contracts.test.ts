// Every mesh-core port contract, unchanged, against the Redis implementations on REDIS_URL. A missing Redis
// fails these tests (requireRedis), it never skips them.
import {
  circuitStateContract,
  costLedgerContract,
  costLedgerWindowContract,
  distributedLockContract,
  eventBusContract,
  stateStoreContract,
  workQueueContract,
} from '@kidsstories/mesh-core/testing';
import { beforeAll } from 'vitest';
import {
  createBullmqWorkQueue,
  createRedisCircuitStateStore,
  createRedisCostLedger,
  createRedisEventBus,
  createRedisLock,
  createRedisStateStore,
} from '../src/index.js';
import {
  deletePrefix,
  openTestConnection,
  REDIS_URL,
  requireRedis,
  uniquePrefix,
} from './support/redis-test-env.js';

beforeAll(requireRedis);

/** A fresh connection under a unique key prefix per test; cleanup closes the port, then the connection. */
function redisFactory<T extends { close(): Promise<void> }>(
  name: string,
  create: (connection: Awaited<ReturnType<typeof openTestConnection>>['connection']) => T,
) {
  return async () => {
    const { connection, cleanup } = await openTestConnection(name);
    const subject = create(connection);
    return {
      subject,
      cleanup: async () => {
        await subject.close();
        await cleanup();
      },
    };
  };
}

stateStoreContract(
  'redis',
  redisFactory('contract-state', (connection) => createRedisStateStore({ connection })),
);
distributedLockContract(
  'redis',
  redisFactory('contract-lock', (connection) => createRedisLock({ connection })),
);
eventBusContract(
  'redis',
  redisFactory('contract-events', (connection) => createRedisEventBus({ connection })),
);
costLedgerContract(
  'redis',
  redisFactory('contract-ledger', (connection) =>
    createRedisCostLedger({
      connection,
      budgets: {},
      prices: { 'text-model': { inputPerMillionTokensUsd: 1 } },
    }),
  ),
);
costLedgerWindowContract('redis', (now) =>
  redisFactory('contract-ledger-window', (connection) =>
    createRedisCostLedger({ connection, now, budgets: {} }),
  )(),
);
circuitStateContract(
  'redis',
  redisFactory('contract-circuit', (connection) => createRedisCircuitStateStore({ connection })),
);
workQueueContract('redis (BullMQ)', async () => {
  // A prefix of its own per test: the queues and schedules of one test never meet another's.
  const prefix = uniquePrefix('contract-queue').slice(0, -1);
  const subject = createBullmqWorkQueue({ url: REDIS_URL, prefix });
  return {
    subject,
    cleanup: async () => {
      await subject.close();
      await deletePrefix(REDIS_URL, prefix);
    },
  };
});
