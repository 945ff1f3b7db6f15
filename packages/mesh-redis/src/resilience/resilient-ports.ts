import {
  type CircuitStateStore,
  type CostLedger,
  type DistributedLock,
  type EventBus,
  type Logger,
  MeshError,
  type StateStore,
  silentLogger,
} from '@kidsstories/mesh-core';
import type { LockLease, Unsubscribe } from '@kidsstories/mesh-core/ports';
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
   * With `lockFailMode: 'open'`, most leases granted from the in-memory lock while Redis is away that may be held
   * at once (issue 20: nothing grows with calls). A lease counts until it is released or its TTL runs out (by
   * `now`); beyond the bound `tryAcquire` fails `resource_exhausted` (`details.reason`
   * `OUTAGE_LEASES_EXHAUSTED`). Default 10 000.
   */
  maxOutageLeases?: number;
  /**
   * Most subscriptions made while Redis is away that wait to be attached to Redis at the resync (issue 20).
   * Beyond the bound `subscribe` fails `resource_exhausted` (`details.reason` `DEFERRED_SUBSCRIPTIONS_EXHAUSTED`)
   * and subscribes nothing; a deferred subscription that is unsubscribed is dropped at once. Default 10 000.
   */
  maxDeferredSubscriptions?: number;
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

/** Defaults of the bounds of {@link createResilientPorts}. */
export const DEFAULT_RESILIENT_PORTS = Object.freeze({
  maxJournalEntries: 10_000,
  maxOutageLeases: 10_000,
  maxDeferredSubscriptions: 10_000,
});

interface ResilientLockOptions {
  redis: DistributedLock;
  fallback: DistributedLock;
  controller: FailoverController;
  failMode: 'closed' | 'open';
  maxOutageLeases: number;
  now: () => number;
}

function resilientLock(options: ResilientLockOptions): DistributedLock {
  const { redis, fallback, controller, failMode, maxOutageLeases, now } = options;
  // Owner token -> expiry (epoch ms) of every lease granted from the in-memory lock while Redis was away: its
  // extend and release go to the in-memory lock. Forgotten on release and once its TTL ran out (issue 20).
  const localLeases = new Map<string, number>();
  let nextExpiry = Number.POSITIVE_INFINITY;
  const sweep = () => {
    const t = now();
    if (t < nextExpiry) return;
    nextExpiry = Number.POSITIVE_INFINITY;
    for (const [token, expiresAt] of localLeases) {
      if (expiresAt <= t) localLeases.delete(token);
      else nextExpiry = Math.min(nextExpiry, expiresAt);
    }
  };
  const track = (lease: LockLease) => {
    localLeases.set(lease.ownerToken, lease.expiresAt);
    nextExpiry = Math.min(nextExpiry, lease.expiresAt);
  };
  const isLocal = (lease: LockLease) => {
    sweep();
    return localLeases.has(lease.ownerToken);
  };
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
          sweep();
          if (localLeases.size >= maxOutageLeases) {
            throw new MeshError(
              `redis is unavailable and ${maxOutageLeases} leases taken from the in-memory lock meanwhile are ` +
                'still held (maxOutageLeases): release one, or wait until one expires',
              'resource_exhausted',
              {
                details: {
                  reason: 'OUTAGE_LEASES_EXHAUSTED',
                  bound: 'maxOutageLeases',
                  limit: maxOutageLeases,
                  limitUnit: 'leases',
                },
              },
            );
          }
          const lease = await fallback.tryAcquire(key, acquireOptions);
          if (lease) track(lease);
          return lease;
        },
      ),
    async extend(lease, ttlMs) {
      if (!isLocal(lease)) {
        // A lease that ran out is lost whichever lock granted it; saying so beats failing closed.
        if (controller.mode() !== 'redis' && lease.expiresAt <= now()) return undefined;
        return await controller.route(() => redis.extend(lease, ttlMs), refuse);
      }
      const extended = await fallback.extend(lease, ttlMs);
      if (extended) track(extended);
      else localLeases.delete(lease.ownerToken);
      return extended;
    },
    async release(lease) {
      if (isLocal(lease)) {
        localLeases.delete(lease.ownerToken);
        return await fallback.release(lease);
      }
      if (controller.mode() !== 'redis' && lease.expiresAt <= now()) return false;
      return await controller.route(() => redis.release(lease), refuse);
    },
    holder: (key) =>
      controller.route(() => redis.holder(key), failMode === 'open' ? () => fallback.holder(key) : refuse),
    async close() {
      localLeases.clear();
      await Promise.all([redis.close(), fallback.close()]);
    },
  };
}

function resilientEventBus(
  redis: EventBus,
  fallback: EventBus,
  controller: FailoverController,
  logger: Logger,
  maxDeferred: number,
): EventBus {
  // Subscriptions made while Redis was away, attached in order at the resync; one that is unsubscribed meanwhile
  // is dropped at once (issue 20).
  const deferred = new Set<() => Promise<void>>();
  controller.addResyncTask(async () => {
    for (const attach of deferred) {
      await attach();
      deferred.delete(attach);
    }
  });
  return {
    publish: (topic, event) =>
      controller.route(
        () => redis.publish(topic, event),
        () => fallback.publish(topic, event),
      ),
    async subscribe(topic, listener) {
      if (controller.mode() !== 'redis' && deferred.size >= maxDeferred) throw deferredFull(maxDeferred);
      const stopLocal = await fallback.subscribe(topic, listener);
      let stopRemote: Unsubscribe | undefined;
      let active = true;
      const attach = async () => {
        if (!active) return;
        const stop = await redis.subscribe(topic, listener);
        // Unsubscribed while the subscription was being made: undo it.
        if (active) stopRemote = stop;
        else await stop();
      };
      try {
        await controller.route(attach, async () => {
          if (deferred.size >= maxDeferred) throw deferredFull(maxDeferred);
          deferred.add(attach);
          logger.debug('redis subscription deferred until redis is back', { topic });
        });
      } catch (error) {
        active = false;
        await stopLocal();
        throw error;
      }
      return async () => {
        active = false;
        deferred.delete(attach);
        await Promise.all([stopLocal(), stopRemote?.()]);
      };
    },
    async close() {
      deferred.clear();
      await Promise.all([redis.close(), fallback.close()]);
    },
  };
}

function deferredFull(maxDeferred: number): MeshError {
  return new MeshError(
    `redis is unavailable and ${maxDeferred} subscriptions made meanwhile already wait for it ` +
      '(maxDeferredSubscriptions): unsubscribe some, or subscribe once Redis is back',
    'resource_exhausted',
    {
      details: {
        reason: 'DEFERRED_SUBSCRIPTIONS_EXHAUSTED',
        bound: 'maxDeferredSubscriptions',
        limit: maxDeferred,
        limitUnit: 'subscriptions',
      },
    },
  );
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
  const bound = (field: keyof typeof DEFAULT_RESILIENT_PORTS, min: number) => {
    const value = options[field] ?? DEFAULT_RESILIENT_PORTS[field];
    if (!Number.isInteger(value) || value < min) {
      throw new MeshError(`${field} must be a whole number >= ${min}`, 'invalid_argument', {
        details: { field },
      });
    }
    return value;
  };
  // 0 journal entries: every write made while Redis is away is refused.
  const maxJournalEntries = bound('maxJournalEntries', 0);
  const maxOutageLeases = bound('maxOutageLeases', 1);
  const maxDeferredSubscriptions = bound('maxDeferredSubscriptions', 1);
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
      maxJournalEntries,
    }),
    lock: resilientLock({
      redis: redis.lock,
      fallback: fallback.lock,
      controller,
      failMode: options.lockFailMode ?? 'closed',
      maxOutageLeases,
      now,
    }),
    events: resilientEventBus(redis.events, fallback.events, controller, logger, maxDeferredSubscriptions),
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
