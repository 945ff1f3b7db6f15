import {
  type CostLedger,
  createMemoryCircuitStateStore,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
} from '@kidsstories/mesh-core';
import {
  createRedisPorts,
  createResilientPorts,
  type RedisConnection,
  type ResilientPorts,
  type ResilientPortsOptions,
} from '../../src/index.js';

/**
 * Resilient ports over the Redis ports on `connection` (the lock without restart quarantine) and the in-memory
 * fallback, with `ledger` as the Redis ledger, for the fault tests.
 */
export function createTestResilientPorts(
  connection: RedisConnection,
  ledger: CostLedger,
  options: Omit<ResilientPortsOptions, 'connection' | 'redis' | 'fallback'> = {},
): ResilientPorts {
  return createResilientPorts({
    connection,
    redis: createRedisPorts({ connection, lock: { restartQuarantineMs: 0 }, ledger }),
    fallback: {
      state: createMemoryStateStore(),
      lock: createMemoryLock(),
      events: createMemoryEventBus(),
      circuitState: createMemoryCircuitStateStore(),
    },
    ...options,
  });
}
