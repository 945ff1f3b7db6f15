// Every mesh-core port contract, unchanged, against the Redis implementations on REDIS_URL. A missing Redis
// fails these tests (requireRedis), it never skips them.
import {
  circuitStateContract,
  costLedgerContract,
  distributedLockContract,
  eventBusContract,
  stateStoreContract,
} from '@kidsstories/mesh-core/testing';
import { beforeAll } from 'vitest';
import {
  createRedisCircuitStateStore,
  createRedisCostLedger,
  createRedisEventBus,
  createRedisLock,
  createRedisStateStore,
} from '../src/index.js';
import { openTestConnection, requireRedis } from './support/redis-test-env.js';

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
  redisFactory('contract-ledger', (connection) => createRedisCostLedger({ connection })),
);
circuitStateContract(
  'redis',
  redisFactory('contract-circuit', (connection) => createRedisCircuitStateStore({ connection })),
);
