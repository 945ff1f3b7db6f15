import type { CostLedger } from '@kidsstories/mesh-core';
import {
  createRedisCircuitStateStore,
  type RedisCircuitStateStoreOptions,
} from '../circuit/redis-circuit-state-store.js';
import {
  createRedisConnection,
  type RedisConnection,
  type RedisConnectionOptions,
} from '../connection/redis-connection.js';
import { createRedisEventBus, type RedisEventBusOptions } from '../events/redis-event-bus.js';
import { createRedisCostLedger, type RedisCostLedgerOptions } from '../ledger/redis-cost-ledger.js';
import { createRedisLock, type RedisLockOptions } from '../lock/redis-lock.js';
import type { MeshPorts } from '../resilience/resilient-ports.js';
import { createRedisStateStore } from '../state/redis-state-store.js';

type Without<T> = Omit<T, 'connection'>;

/**
 * Options for {@link createRedisPorts}: where Redis is (every {@link RedisConnectionOptions} field: `url`,
 * `instanceId`, `keyPrefix`, timeouts, ...) or an open `connection`, plus the options of each port.
 */
export interface RedisPortsOptions extends RedisConnectionOptions {
  /**
   * An open connection to build the ports on instead of opening one from the fields above; `close()` then leaves
   * it open (its owner closes it). Default: a new connection, closed by `close()`.
   */
  connection?: RedisConnection;
  /** Options of the distributed lock (`createRedisLock`). Default: its defaults. */
  lock?: Without<RedisLockOptions>;
  /** Options of the event bus (`createRedisEventBus`). Default: its defaults. */
  events?: Without<RedisEventBusOptions>;
  /** Options of the circuit-state store (`createRedisCircuitStateStore`). Default: its defaults. */
  circuitState?: Without<RedisCircuitStateStoreOptions>;
  /**
   * The cost ledger: options of `createRedisCostLedger` (budgets, prices, ...), or a ledger you made yourself,
   * which `close()` then leaves open. Default: a Redis ledger with its defaults.
   */
  ledger?: Without<RedisCostLedgerOptions> | CostLedger;
}

/** The five mesh ports on one Redis connection, and how to wait for it and close it all. */
export interface RedisPorts extends MeshPorts {
  /** The connection the ports share. */
  readonly connection: RedisConnection;
  /**
   * Resolves once Redis has answered (see {@link RedisConnection.ready}); rejects with `unavailable` when it does
   * not within the connection's `connectTimeoutMs`.
   */
  ready(): Promise<void>;
  /** Closes the five ports, then the connection when these ports opened it. Idempotent. */
  close(): Promise<void>;
}

function isCostLedger(value: Without<RedisCostLedgerOptions> | CostLedger): value is CostLedger {
  return typeof (value as CostLedger).reserve === 'function';
}

/**
 * Opens (or reuses) a Redis connection and builds the five mesh ports on it: state store, distributed lock, event
 * bus, circuit-state store and cost ledger. The one wiring of the Redis ports, for apps, tests and benchmarks.
 *
 * @throws {MeshError} `invalid_argument` for a malformed URL or option (from the connection and the ports).
 * @example
 * ```ts
 * const redis = createRedisPorts({ url: 'redis://127.0.0.1:6379', instanceId: 'gateway-1', keyPrefix: 'app:' });
 * await redis.ready();
 * const gateway = createGateway({ id: 'gateway-1', ports: redis, peers: [] });
 * // ...
 * await gateway.close();
 * await redis.close();
 * ```
 */
export function createRedisPorts(options: RedisPortsOptions = {}): RedisPorts {
  const { connection: given, lock, events, circuitState, ledger, ...connectionOptions } = options;
  const connection = given ?? createRedisConnection(connectionOptions);
  const ownLedger = ledger === undefined || !isCostLedger(ledger);
  const ports: MeshPorts = {
    state: createRedisStateStore({ connection }),
    lock: createRedisLock({ ...lock, connection }),
    events: createRedisEventBus({ ...events, connection }),
    circuitState: createRedisCircuitStateStore({ ...circuitState, connection }),
    ledger:
      ledger !== undefined && isCostLedger(ledger)
        ? ledger
        : createRedisCostLedger({ ...ledger, connection }),
  };
  let closing: Promise<void> | undefined;
  return {
    ...ports,
    connection,
    ready: () => connection.ready(),
    close() {
      closing ??= (async () => {
        await Promise.allSettled([
          ports.state.close(),
          ports.lock.close(),
          ports.events.close(),
          ports.circuitState.close(),
          ...(ownLedger ? [ports.ledger.close()] : []),
        ]);
        if (!given) await connection.close();
      })();
      return closing;
    },
  };
}
