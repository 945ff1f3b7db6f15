import type { Unsubscribe } from './event-bus.js';

/** State of a circuit breaker. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Shared state of the breaker guarding one downstream (a peer, a model deployment). */
export interface CircuitSnapshot {
  /** The guarded downstream, such as `peer:media`. */
  target: string;
  state: CircuitState;
  /** When the breaker opened, in epoch milliseconds (present when open or half-open). */
  openedAt?: number;
  /** When an open breaker lets a probe through, in epoch milliseconds. */
  halfOpenAt?: number;
  /** Increases on every transition; transitions are compare-and-set on it. */
  version: number;
  /** Instance id of the replica that made the last transition. */
  updatedBy: string;
}

/**
 * The circuit-state port: where replicas keep the authoritative breaker state of each downstream so that
 * when one replica opens a breaker every replica rejects fast. The in-memory implementation shares state
 * inside one process; `@kidsstories/mesh-redis` shares it across machines.
 * Every implementation must pass `circuitStateContract` from `@kidsstories/mesh-core/testing`.
 */
export interface CircuitStateStore {
  /** The shared snapshot, or `undefined` when no replica has recorded one (or it expired). */
  get(target: string): Promise<CircuitSnapshot | undefined>;
  /**
   * Atomically moves the breaker to `next` if its version is still `expectedVersion` (0 when absent).
   * Resolves the stored snapshot, or `undefined` when another replica transitioned first (re-read then).
   */
  transition(
    target: string,
    next: Pick<CircuitSnapshot, 'state' | 'openedAt' | 'halfOpenAt' | 'updatedBy'>,
    expectedVersion: number,
  ): Promise<CircuitSnapshot | undefined>;
  /** Lets exactly one replica probe a half-open breaker: resolves `true` for the one that may. */
  tryAcquireProbe(target: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Calls `listener` with every snapshot stored by any replica. */
  watch(listener: (snapshot: CircuitSnapshot) => void): Promise<Unsubscribe>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
