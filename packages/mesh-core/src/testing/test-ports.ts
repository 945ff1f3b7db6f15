import { createMemoryCircuitStateStore } from '../memory/memory-circuit-state-store.js';
import { createMemoryCostLedger } from '../memory/memory-cost-ledger.js';
import { createMemoryEventBus } from '../memory/memory-event-bus.js';
import { createMemoryLock } from '../memory/memory-lock.js';
import { createMemoryStateStore } from '../memory/memory-state-store.js';
import type { CircuitStateStore } from '../ports/circuit-state.js';
import type { Budget, CostLedger, PriceTable } from '../ports/cost-ledger.js';
import type { DistributedLock } from '../ports/distributed-lock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { StateStore } from '../ports/state-store.js';

/** Options for {@link createTestPorts}. */
export interface TestPortsOptions {
  /**
   * One clock for every port, in epoch milliseconds (see `createManualClock`).
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Prices for the ledger.
   * @default EMPTY_PRICE_TABLE (`{}`: only usages with their own `costUsd` can be charged)
   */
  prices?: PriceTable;
  /**
   * Budgets for the ledger.
   * @default none
   */
  budgets?: Record<string, Budget>;
  /**
   * Instance id the lock records as owner.
   * @default `test`
   */
  instanceId?: string;
}

/** Every port, in memory, as a node or gateway takes them. */
export interface TestPorts {
  stateStore: StateStore;
  lock: DistributedLock;
  eventBus: EventBus;
  costLedger: CostLedger;
  circuitState: CircuitStateStore;
  /** Closes every port. */
  close(): Promise<void>;
}

/**
 * Fresh in-memory implementations of every port, sharing one clock: the quickest way to stand up a node,
 * a gateway or a tool in a unit test.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const ports = createTestPorts({ now: clock.now, budgets: { global: { limitUsd: 1 } } });
 * // … use ports.costLedger, ports.lock …
 * await ports.close();
 * ```
 */
export function createTestPorts(options: TestPortsOptions = {}): TestPorts {
  const clock = options.now === undefined ? {} : { now: options.now };
  const stateStore = createMemoryStateStore(clock);
  const lock = createMemoryLock({ ...clock, instanceId: options.instanceId ?? 'test' });
  const eventBus = createMemoryEventBus();
  const costLedger = createMemoryCostLedger({
    ...clock,
    ...(options.prices === undefined ? {} : { prices: options.prices }),
    ...(options.budgets === undefined ? {} : { budgets: options.budgets }),
  });
  const circuitState = createMemoryCircuitStateStore(clock);
  return {
    stateStore,
    lock,
    eventBus,
    costLedger,
    circuitState,
    async close() {
      await Promise.all([
        stateStore.close(),
        lock.close(),
        eventBus.close(),
        costLedger.close(),
        circuitState.close(),
      ]);
    },
  };
}
