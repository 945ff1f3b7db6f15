import type { CircuitStateStore, Logger } from '@kidsstories/mesh-core';
import type { Unsubscribe } from '@kidsstories/mesh-core/ports';
import type { FailoverController } from './failover-controller.js';

/**
 * @internal Breaker state on Redis, mirrored into the in-memory store; while Redis is away breakers work on
 * the in-memory store, and a breaker opened meanwhile is published to Redis on resync unless the mesh already
 * has it open (otherwise the shared state wins, as a new replica adopts it rather than resetting it).
 */
export function createResilientCircuitState(
  redis: CircuitStateStore,
  fallback: CircuitStateStore,
  controller: FailoverController,
  logger: Logger,
): CircuitStateStore {
  const changedWhileDegraded = new Set<string>();
  const pendingWatches: Array<() => Promise<void>> = [];
  controller.addResyncTask(async () => {
    while (pendingWatches.length > 0) {
      await pendingWatches[0]!();
      pendingWatches.shift();
    }
    // A breaker opened locally while Redis was away is published to the mesh unless the mesh already has it
    // open; otherwise the shared state wins (a new replica adopts it rather than resetting it).
    for (const target of [...changedWhileDegraded]) {
      const local = await fallback.get(target);
      const shared = await redis.get(target);
      if (local?.state === 'open' && shared?.state !== 'open') {
        const next: Parameters<CircuitStateStore['transition']>[1] = {
          state: 'open',
          updatedBy: local.updatedBy,
        };
        if (local.openedAt !== undefined) next.openedAt = local.openedAt;
        if (local.halfOpenAt !== undefined) next.halfOpenAt = local.halfOpenAt;
        await redis.transition(target, next, shared?.version ?? 0);
      }
      changedWhileDegraded.delete(target);
    }
  });
  const mirror = async (target: string, next: Parameters<CircuitStateStore['transition']>[1]) => {
    try {
      const local = await fallback.get(target);
      await fallback.transition(target, next, local?.version ?? 0);
    } catch (error) {
      logger.debug('circuit mirror failed', { target, error });
    }
  };
  return {
    get: (target) =>
      controller.route(
        () => redis.get(target),
        () => fallback.get(target),
      ),
    transition: (target, next, expectedVersion) =>
      controller.route(
        async () => {
          const stored = await redis.transition(target, next, expectedVersion);
          if (stored) await mirror(target, next);
          return stored;
        },
        async () => {
          const stored = await fallback.transition(target, next, expectedVersion);
          if (stored) changedWhileDegraded.add(target);
          return stored;
        },
      ),
    tryAcquireProbe: (target, owner, ttlMs) =>
      controller.route(
        () => redis.tryAcquireProbe(target, owner, ttlMs),
        () => fallback.tryAcquireProbe(target, owner, ttlMs),
      ),
    async watch(listener) {
      // Local snapshots only matter while degraded; on Redis the mirror would repeat every transition.
      const stopLocal = await fallback.watch((snapshot) => {
        if (controller.mode() !== 'redis') listener(snapshot);
      });
      let stopRemote: Unsubscribe | undefined;
      let active = true;
      const attach = async () => {
        if (active) stopRemote = await redis.watch(listener);
      };
      await controller.route(attach, async () => {
        pendingWatches.push(attach);
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
