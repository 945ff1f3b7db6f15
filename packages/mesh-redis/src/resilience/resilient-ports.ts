import {
  type CircuitStateStore,
  type CostLedger,
  type DistributedLock,
  type EventBus,
  type Logger,
  MeshError,
  type StateStore,
  silentLogger,
  type Unsubscribe,
} from '@kidsstories/mesh-core';
import type { RedisConnection } from '../connection/redis-connection.js';
import {
  createFailoverController,
  type FailoverController,
  type ResilienceEvent,
  type ResilienceMetrics,
  type ResilienceMode,
} from './failover-controller.js';
import { createResilientCircuitState } from './resilient-circuit-state.js';
import { createResilientCostLedger } from './resilient-cost-ledger.js';
import { createResilientStateStore } from './resilient-state-store.js';

/**
 * The five mesh ports, named as mesh-core's `ToolPorts` / `GatewayPorts` name them, so resilient ports can
 * be handed to `createGateway({ ports })` or a mesh node as they are.
 */
export interface MeshPorts {
  /** Shared state. */
  state: StateStore;
  /** The distributed lock. */
  lock: DistributedLock;
  /** Events between nodes. */
  events: EventBus;
  /** Shared breaker state. */
  circuitState: CircuitStateStore;
  /** The cost ledger. */
  ledger: CostLedger;
}

/** Options for {@link createResilientPorts}. */
export interface ResilientPortsOptions {
  /** The connection the Redis ports use; its `lost` / `ready` transitions drive the switch. */
  connection: RedisConnection;
  /** The Redis ports (from `createRedisStateStore`, `createRedisLock`…). */
  redis: MeshPorts;
  /** In-memory ports that serve while Redis is away (from `@kidsstories/mesh-core`). The ledger is not used. */
  fallback: Omit<MeshPorts, 'ledger'>;
  /**
   * While Redis is away: `closed` (default) refuses every new lease with `unavailable`, so two replicas can
   * never both hold a key; `open` grants leases from the in-memory lock, exclusive within this process only.
   */
  lockFailMode?: 'closed' | 'open';
  /**
   * USD this replica holds in the Redis ledger ahead of time and may spend while Redis is away. The slice is
   * reserved against every scope this replica has reserved on (up to 64), so it counts toward each of their
   * budgets; a scope whose budget cannot hold it is left out, and reservations naming a scope the slice does
   * not cover are refused while Redis is away. Default 0.
   */
  ledgerSliceUsd?: number;
  /** Lifetime of the slice reservation, in milliseconds, renewed at half. Default 300 000. */
  ledgerSliceTtlMs?: number;
  /** Base pause between attempts to resynchronise, in milliseconds (jittered 0.5x-1.5x). Default 1 000. */
  resyncCheckMs?: number;
  /** Most writes journalled while Redis is away. Default 10 000. */
  maxJournalEntries?: number;
  /** Counter and gauge for transitions. Default: none. */
  metrics?: ResilienceMetrics;
  /** Default: silent. */
  logger?: Logger;
  /** Clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Random source for jitter. Default `Math.random`. */
  random?: () => number;
}

/** Ports that keep serving when Redis is lost, and the switch that drives them. */
export interface ResilientPorts extends MeshPorts {
  /** Where calls go now. */
  mode(): ResilienceMode;
  /** Calls `listener` on every transition (`redis.lost`, `redis.resyncing`, `redis.restored`…). */
  onEvent(listener: (event: ResilienceEvent) => void): () => void;
  /** Closes every port (Redis and fallback) and stops the switch; the connection is left to its owner. */
  close(): Promise<void>;
}

function resilientLock(
  redis: DistributedLock,
  fallback: DistributedLock,
  controller: FailoverController,
  failMode: 'closed' | 'open',
): DistributedLock {
  const localTokens = new Set<string>();
  const refuse = async (): Promise<never> => {
    throw new MeshError('redis is unavailable and the lock fails closed', 'unavailable', {
      details: { reason: 'LOCK_FAIL_CLOSED' },
    });
  };
  return {
    tryAcquire: (key, acquireOptions) =>
      controller.route(
        () => redis.tryAcquire(key, acquireOptions),
        async () => {
          if (failMode === 'closed') return await refuse();
          const lease = await fallback.tryAcquire(key, acquireOptions);
          if (lease) localTokens.add(lease.ownerToken);
          return lease;
        },
      ),
    extend: (lease, ttlMs) =>
      localTokens.has(lease.ownerToken)
        ? fallback.extend(lease, ttlMs)
        : controller.route(() => redis.extend(lease, ttlMs), refuse),
    async release(lease) {
      if (localTokens.delete(lease.ownerToken)) return await fallback.release(lease);
      return await controller.route(() => redis.release(lease), refuse);
    },
    holder: (key) =>
      controller.route(() => redis.holder(key), failMode === 'open' ? () => fallback.holder(key) : refuse),
    async close() {
      await Promise.all([redis.close(), fallback.close()]);
    },
  };
}

function resilientEventBus(
  redis: EventBus,
  fallback: EventBus,
  controller: FailoverController,
  logger: Logger,
): EventBus {
  const pending: Array<() => Promise<void>> = [];
  controller.addResyncTask(async () => {
    while (pending.length > 0) {
      await pending[0]!();
      pending.shift();
    }
  });
  return {
    publish: (topic, event) =>
      controller.route(
        () => redis.publish(topic, event),
        () => fallback.publish(topic, event),
      ),
    async subscribe(topic, listener) {
      const stopLocal = await fallback.subscribe(topic, listener);
      let stopRemote: Unsubscribe | undefined;
      let active = true;
      const attach = async () => {
        if (!active) return;
        stopRemote = await redis.subscribe(topic, listener);
      };
      await controller.route(attach, async () => {
        pending.push(attach);
        logger.debug('redis subscription deferred until redis is back', { topic });
      });
      return async () => {
        active = false;
        await Promise.all([stopLocal(), stopRemote?.()]);
      };
    },
    async close() {
      await Promise.all([redis.close(), fallback.close()]);
    },
  };
}

/**
 * Wraps the Redis ports so the mesh keeps serving when Redis is lost (issue 3, item 5): calls switch to the
 * in-memory fallback at the first `unavailable` (or when the connection reports the link lost), the
 * connection reconnects with jittered backoff, and once Redis answers the ports resynchronise (journalled
 * writes replayed in order, deferred subscriptions attached, breakers opened locally published, a fresh
 * ledger slice leased) before calls go back to Redis. Locks fail closed by default; breakers keep working
 * locally; the ledger spends only from the slice leased ahead of time. Every transition is an event and,
 * with `metrics`, a counter increment and a gauge value.
 *
 * @example
 * ```ts
 * const ports = createResilientPorts({
 *   connection,
 *   redis: { state: createRedisStateStore({ connection }), lock: createRedisLock({ connection }), … },
 *   fallback: { state: createMemoryStateStore(), lock: createMemoryLock(), … },
 *   ledgerSliceUsd: 0.5,
 * });
 * ports.onEvent((event) => logger.warn(event.type));
 * ```
 */
export function createResilientPorts(options: ResilientPortsOptions): ResilientPorts {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const sliceUsd = options.ledgerSliceUsd ?? 0;
  if (!Number.isFinite(sliceUsd) || sliceUsd < 0) {
    throw new MeshError('ledgerSliceUsd must be a finite number >= 0', 'invalid_argument', {
      details: { field: 'ledgerSliceUsd' },
    });
  }
  const controller = createFailoverController({
    connection: options.connection,
    logger,
    now,
    random: options.random ?? Math.random,
    resyncCheckMs: options.resyncCheckMs ?? 1_000,
    metrics: options.metrics,
  });
  const { redis, fallback } = options;
  const ports: MeshPorts = {
    state: createResilientStateStore({
      redis: redis.state,
      fallback: fallback.state,
      controller,
      logger,
      maxJournalEntries: options.maxJournalEntries ?? 10_000,
    }),
    lock: resilientLock(redis.lock, fallback.lock, controller, options.lockFailMode ?? 'closed'),
    events: resilientEventBus(redis.events, fallback.events, controller, logger),
    circuitState: createResilientCircuitState(redis.circuitState, fallback.circuitState, controller, logger),
    ledger: createResilientCostLedger({
      redis: redis.ledger,
      controller,
      logger,
      sliceUsd,
      sliceTtlMs: options.ledgerSliceTtlMs ?? 300_000,
      now,
    }),
  };
  return {
    ...ports,
    mode: () => controller.mode(),
    onEvent: (listener) => controller.onEvent(listener),
    async close() {
      controller.close();
      await Promise.all(Object.values(ports).map((port: { close(): Promise<void> }) => port.close()));
    },
  };
}
