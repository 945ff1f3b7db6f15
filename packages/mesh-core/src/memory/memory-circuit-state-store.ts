import { MeshError } from '../errors/mesh-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { CircuitSnapshot, CircuitState, CircuitStateStore } from '../ports/circuit-state.js';
import { checkKey, checkTtlMs, closedError } from './validate.js';

/** Options for {@link createMemoryCircuitStateStore}. */
export interface MemoryCircuitStateStoreOptions {
  /**
   * Clock for probe ownership expiry, in epoch milliseconds.
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Where a watcher that throws is reported.
   * @default {@link silentLogger}
   */
  logger?: Logger;
}

const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/**
 * A {@link CircuitStateStore} shared by the breakers of one process. Transitions are compare-and-set on the
 * snapshot's version; `tryAcquireProbe` hands a half-open probe to one owner at a time until its TTL runs
 * out; watchers get a copy of every stored snapshot on a later microtask.
 *
 * @example
 * ```ts
 * const circuits = createMemoryCircuitStateStore();
 * const opened = await circuits.transition('peer:media', { state: 'open', openedAt: Date.now(), updatedBy: 'gw-1' }, 0);
 * ```
 */
export function createMemoryCircuitStateStore(
  options: MemoryCircuitStateStoreOptions = {},
): CircuitStateStore {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const snapshots = new Map<string, CircuitSnapshot>();
  const probes = new Map<string, { owner: string; expiresAt: number }>();
  const watchers = new Set<(snapshot: CircuitSnapshot) => void>();
  let closed = false;

  const open = (target: string) => {
    if (closed) throw closedError('circuit state store');
    checkKey(target, 'target');
  };

  return {
    async get(target) {
      open(target);
      const snapshot = snapshots.get(target);
      return snapshot ? { ...snapshot } : undefined;
    },
    async transition(target, next, expectedVersion) {
      open(target);
      if (!STATES.includes(next.state)) {
        throw new MeshError(`unknown circuit state "${String(next.state)}"`, 'invalid_argument', {
          details: { field: 'state' },
        });
      }
      if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
        throw new MeshError('expectedVersion must be a whole number >= 0', 'invalid_argument', {
          details: { field: 'expectedVersion' },
        });
      }
      checkKey(next.updatedBy, 'updatedBy');
      const currentVersion = snapshots.get(target)?.version ?? 0;
      if (currentVersion !== expectedVersion) return undefined;
      const snapshot: CircuitSnapshot = {
        target,
        state: next.state,
        version: currentVersion + 1,
        updatedBy: next.updatedBy,
        ...(next.openedAt === undefined ? {} : { openedAt: next.openedAt }),
        ...(next.halfOpenAt === undefined ? {} : { halfOpenAt: next.halfOpenAt }),
      };
      snapshots.set(target, snapshot);
      for (const watcher of [...watchers]) {
        const copy = { ...snapshot };
        queueMicrotask(() => {
          if (!watchers.has(watcher)) return;
          try {
            watcher(copy);
          } catch (error) {
            logger.warn('circuit watcher threw', { target, error });
          }
        });
      }
      return { ...snapshot };
    },
    async tryAcquireProbe(target, owner, ttlMs) {
      open(target);
      checkKey(owner, 'owner');
      checkTtlMs(ttlMs);
      const probe = probes.get(target);
      // SET NX PX semantics: while a probe is owned, nobody (the owner included) gets another one.
      if (probe && probe.expiresAt > now()) return false;
      probes.set(target, { owner, expiresAt: now() + ttlMs });
      return true;
    },
    async watch(listener) {
      if (closed) throw closedError('circuit state store');
      const entry = (snapshot: CircuitSnapshot) => listener(snapshot);
      watchers.add(entry);
      return async () => {
        watchers.delete(entry);
      };
    },
    async close() {
      closed = true;
      watchers.clear();
      probes.clear();
    },
  };
}
