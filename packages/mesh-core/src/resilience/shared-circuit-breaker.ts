import {
  CircuitState as BreakerState,
  type CircuitBreakerPolicy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  SamplingBreaker,
} from 'cockatiel';
import { isLocalFailure, MeshError, type MeshErrorCode } from '../errors/mesh-error.js';
import type { Logger } from '../observability/logger.js';
import type { CircuitSnapshot, CircuitState, CircuitStateStore } from '../ports/circuit-state.js';
import type { EventBus, MeshEvent, Unsubscribe } from '../ports/event-bus.js';

/** Event-bus topic of breaker transitions. Event types: `circuit.opened`, `circuit.half_open`, `circuit.closed`. */
export const CIRCUIT_EVENT_TOPIC = 'mesh.circuit';

/** Payload of a breaker transition event on {@link CIRCUIT_EVENT_TOPIC}. */
export interface CircuitEventData {
  /** The guarded downstream, such as `peer:media`. */
  target: string;
  state: CircuitState;
  /** When the breaker opened, in epoch milliseconds. */
  openedAt?: number;
  /** When the open breaker lets a probe through, in epoch milliseconds. */
  halfOpenAt?: number;
  [key: string]: unknown;
}

/** Circuit-breaker settings (the brief's Polly defaults). */
export interface CircuitBreakerOptions {
  /**
   * Share of failed calls in the sampling window that opens the breaker, in `(0, 1]`.
   * @default 0.5
   */
  failureRatio?: number;
  /**
   * Length of the sliding sampling window, in milliseconds.
   * @default 30 000
   */
  samplingDurationMs?: number;
  /**
   * Fewest calls in the window before the ratio is considered.
   * @default 10
   */
  minimumThroughput?: number;
  /**
   * How long an opened breaker rejects before letting one probe through, in milliseconds.
   * @default 60 000
   */
  breakDurationMs?: number;
  /**
   * Lease of the single half-open probe across replicas, in milliseconds; other replicas reject for this long
   * before trying to probe themselves.
   * @default 10 000 (or `breakDurationMs` when shorter)
   */
  probeTtlMs?: number;
}

/** Where one breaker stands, for `circuit_status`. */
export interface CircuitStatus {
  target: string;
  state: CircuitState;
  /** When the breaker opened, in epoch milliseconds (open or half-open only). */
  openedAt?: number;
  /** When an open breaker lets a probe through, in epoch milliseconds. */
  halfOpenAt?: number;
  /** Milliseconds until a probe may run (open only). */
  retryAfterMs?: number;
  /** Version of the shared snapshot last seen (0 without a circuit-state store). */
  version: number;
  /** Instance id of the replica that made the last transition, when known. */
  updatedBy?: string;
}

/** Codes that count as a failure of the downstream; client faults (`invalid_argument`, `not_found`…) do not. */
const BREAKER_FAILURE_CODES: ReadonlySet<MeshErrorCode> = new Set<MeshErrorCode>([
  'unavailable',
  'deadline_exceeded',
  'internal',
  'unknown',
  'resource_exhausted',
]);

/**
 * True when a failure counts towards opening a breaker: a downstream fault code, and not raised on this side
 * before the request left (see `markLocalFailure`): the caller's input or the caller itself never trips
 * the downstream's breaker.
 */
export function countsAsBreakerFailure(error: unknown): boolean {
  return MeshError.isInstance(error) && BREAKER_FAILURE_CODES.has(error.code) && !isLocalFailure(error);
}

/** Resolved internal settings of {@link createSharedCircuitBreaker}. */
export interface SharedCircuitBreakerOptions {
  target: string;
  breaker: Required<CircuitBreakerOptions>;
  instanceId: string;
  events: EventBus | undefined;
  circuitState: CircuitStateStore | undefined;
  now: () => number;
  logger: Logger;
}

/** A cockatiel sampling breaker whose transitions are shared with other replicas. */
export interface SharedCircuitBreaker {
  readonly target: string;
  state(): CircuitState;
  status(): CircuitStatus;
  /** Runs `fn` through the breaker; rejects fast with `unavailable` (details `retryAfterMs`, `circuit`) when open. */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Calls `listener` on every local state change, adopted ones included. */
  onStateChange(listener: (state: CircuitState) => void): () => void;
  /** Reads the shared state (adopting it) and subscribes to changes. Idempotent. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const TO_STATE: Record<BreakerState, CircuitState> = {
  [BreakerState.Closed]: 'closed',
  [BreakerState.Open]: 'open',
  [BreakerState.HalfOpen]: 'half_open',
  [BreakerState.Isolated]: 'open',
};

const EVENT_TYPE: Record<CircuitState, string> = {
  open: 'circuit.opened',
  half_open: 'circuit.half_open',
  closed: 'circuit.closed',
};

/**
 * Creates the breaker of one downstream. Locally it is a cockatiel `SamplingBreaker`; every transition is
 * published on the event bus and written to the circuit-state store with compare-and-set, and a state another
 * replica stored (or announced) is adopted, so that when one replica opens the breaker all of them reject fast.
 * Only the replica that wins `tryAcquireProbe` probes a half-open breaker.
 *
 * The sampling window reads cockatiel's clock (`Date.now`); tests control it with fake timers.
 */
export function createSharedCircuitBreaker(options: SharedCircuitBreakerOptions): SharedCircuitBreaker {
  const { target, instanceId, events, circuitState: store, now, logger } = options;
  const settings = options.breaker;
  const listeners = new Set<(state: CircuitState) => void>();
  let current: CircuitBreakerPolicy;
  let openedAt: number | undefined;
  let halfOpenAt: number | undefined;
  let version = 0;
  let updatedBy: string | undefined;
  let lastEventTime = 0;
  let probePending = false;
  /** Another replica announced a half-open probe: we are open locally but report `half_open`. */
  let remoteProbing = false;
  let writes: Promise<void> = Promise.resolve();
  let started: Promise<void> | undefined;
  const stops: Unsubscribe[] = [];

  const notify = (state: CircuitState) => {
    for (const listener of listeners) {
      try {
        listener(state);
      } catch (error) {
        logger.warn('circuit listener failed', { target, error });
      }
    }
  };

  /** A fresh breaker; with `reopenAt` (our clock), hydrated open until then, as cockatiel's `initialState`. */
  const install = (reopenAt?: number) => {
    // Cockatiel's minimum-throughput check is `calls < window * rps`; derive rps from its rounded window so
    // that exactly `minimumThroughput` calls qualify.
    const windowCount = Math.max(5, Math.ceil(settings.samplingDurationMs / 1000));
    const windowMs = Math.round(settings.samplingDurationMs / windowCount) * windowCount;
    const sampling = new SamplingBreaker({
      // Polly opens at `ratio >= failureRatio`; cockatiel at `>`: nudge the threshold below.
      threshold: Math.min(1 - 1e-9, settings.failureRatio - 1e-9),
      duration: settings.samplingDurationMs,
      minimumRps: ((settings.minimumThroughput - 0.5) * 1000) / windowMs,
    });
    const initialState =
      reopenAt === undefined
        ? undefined
        : {
            // Translate our clock to cockatiel's (Date.now) so an injected `now` still lines up.
            ownState: {
              value: BreakerState.Open,
              openedAt: Date.now() + (reopenAt - now()) - settings.breakDurationMs,
              attemptNo: 1,
            },
            breakerState: sampling.state,
          };
    const breaker = circuitBreaker(handleWhen(countsAsBreakerFailure), {
      halfOpenAfter: settings.breakDurationMs,
      breaker: sampling,
      ...(initialState ? { initialState } : {}),
    });
    breaker.onStateChange((state) => {
      if (breaker === current) onLocalTransition(TO_STATE[state]);
    });
    current = breaker;
    remoteProbing = false;
  };

  const onLocalTransition = (state: CircuitState) => {
    const at = now();
    remoteProbing = false;
    if (state === 'open') {
      openedAt = at;
      halfOpenAt = at + settings.breakDurationMs;
    } else if (state === 'closed') {
      openedAt = undefined;
      halfOpenAt = undefined;
    }
    updatedBy = instanceId;
    logger.info(`circuit ${state}`, { target, state });
    notify(state);
    const snapshot = { state, updatedBy: instanceId, ...timing() };
    if (events) {
      const event: MeshEvent = {
        type: EVENT_TYPE[state],
        source: instanceId,
        time: at,
        data: { target, ...snapshot } satisfies CircuitEventData,
      };
      events.publish(CIRCUIT_EVENT_TOPIC, event).catch((error: unknown) => {
        logger.warn('could not publish circuit event', { target, error });
      });
    }
    if (store) writes = writes.then(() => write(snapshot)).catch(() => {});
  };

  const timing = () => ({
    ...(openedAt === undefined ? {} : { openedAt }),
    ...(halfOpenAt === undefined ? {} : { halfOpenAt }),
  });

  /** Compare-and-set our transition; on a lost race adopt the winner, unless ours is fresh failure evidence. */
  const write = async (next: Pick<CircuitSnapshot, 'state' | 'openedAt' | 'halfOpenAt' | 'updatedBy'>) => {
    if (!store) return;
    try {
      for (let round = 0; round < 3; round += 1) {
        const stored = await store.transition(target, next, version);
        if (stored) {
          version = Math.max(version, stored.version);
          return;
        }
        const latest = await store.get(target);
        if (!latest) {
          version = 0;
          continue;
        }
        if (next.state === 'open' && latest.state === 'closed') {
          version = latest.version;
          continue;
        }
        adopt(latest, true);
        return;
      }
    } catch (error) {
      logger.warn('could not store circuit state', { target, error });
    }
  };

  const localState = (): CircuitState =>
    remoteProbing && current.state === BreakerState.Open ? 'half_open' : TO_STATE[current.state];

  /** Makes the local breaker mirror a state another replica stored or announced. */
  const applyRemote = (state: CircuitState, remoteOpenedAt?: number, remoteHalfOpenAt?: number) => {
    // Our own probe is in flight: its outcome decides, and is written with compare-and-set.
    if (current.state === BreakerState.HalfOpen) return;
    const before = localState();
    if (state === 'closed') {
      if (before === 'closed') return;
      openedAt = undefined;
      halfOpenAt = undefined;
      install();
    } else {
      // Another replica probing: leave it the probe lease before trying ourselves.
      const reopenAt =
        state === 'half_open'
          ? now() + settings.probeTtlMs
          : (remoteHalfOpenAt ?? (remoteOpenedAt ?? now()) + settings.breakDurationMs);
      if (before === 'open' && halfOpenAt === reopenAt) return;
      openedAt = remoteOpenedAt ?? now();
      halfOpenAt = reopenAt;
      install(reopenAt);
      remoteProbing = state === 'half_open';
    }
    if (localState() !== before) notify(localState());
  };

  /**
   * Adopts a stored snapshot. Watch notifications only move forward; an authoritative read may also move the
   * version back (the key expired and versions restarted).
   */
  const adopt = (snapshot: CircuitSnapshot, authoritative = false) => {
    if (snapshot.target !== target) return;
    if (authoritative ? snapshot.version === version : snapshot.version <= version) return;
    version = snapshot.version;
    updatedBy = snapshot.updatedBy;
    if (snapshot.updatedBy === instanceId) return;
    applyRemote(snapshot.state, snapshot.openedAt, snapshot.halfOpenAt);
  };

  const onEvent = (event: MeshEvent) => {
    const data = event.data as Partial<CircuitEventData>;
    if (data.target !== target || event.source === instanceId) return;
    if (store) {
      // Events are hints: the store holds the authoritative, versioned state.
      store.get(target).then(
        (snapshot) => snapshot && adopt(snapshot, true),
        (error: unknown) => logger.warn('could not read circuit state', { target, error }),
      );
      return;
    }
    if (event.time < lastEventTime || !data.state || !(data.state in EVENT_TYPE)) return;
    lastEventTime = event.time;
    updatedBy = event.source;
    applyRemote(data.state, data.openedAt, data.halfOpenAt);
  };

  const reject = (state: CircuitState, retryAfterMs: number) =>
    new MeshError(
      `circuit for ${target} is ${state === 'open' ? 'open' : 'half-open (a probe is in flight)'}; retry in ${Math.ceil(retryAfterMs)} ms`,
      'unavailable',
      { details: { retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)), circuit: state, origin: target } },
    );

  /** A call while the circuit is not plainly closed: refuse it, or acquire the probe, then run it. */
  const executeGuarded = async <T>(
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> => {
    if (current.state === BreakerState.HalfOpen || probePending)
      throw reject('half_open', settings.probeTtlMs);
    if (current.state !== BreakerState.Closed) {
      const waitMs = (halfOpenAt ?? 0) - now();
      if (waitMs > 0) throw reject(remoteProbing ? 'half_open' : 'open', waitMs);
      if (store) {
        probePending = true;
        let won: boolean;
        try {
          won = await store.tryAcquireProbe(target, instanceId, settings.probeTtlMs);
        } catch (error) {
          // Without the store no replica can coordinate; probing locally is the lesser evil.
          logger.warn('could not acquire circuit probe', { target, error });
          won = true;
        } finally {
          probePending = false;
        }
        if (!won) throw reject('half_open', settings.probeTtlMs);
      }
    }
    try {
      return await current.execute(({ signal: inner }) => fn(inner), signal);
    } catch (error) {
      if (isBrokenCircuitError(error)) {
        throw reject('open', Math.max(0, (halfOpenAt ?? now()) - now()));
      }
      throw error;
    }
  };

  install();

  return {
    target,
    state: localState,
    status() {
      const state = localState();
      const status: CircuitStatus = { target, state, version, ...timing() };
      if (state === 'open' && halfOpenAt !== undefined) status.retryAfterMs = Math.max(0, halfOpenAt - now());
      if (updatedBy !== undefined) status.updatedBy = updatedBy;
      return status;
    },
    execute(fn, signal) {
      // Closed, no probe pending (nearly every call): cockatiel runs the call and cannot refuse it, so there is
      // nothing to map and no need for an async frame of ours around it.
      if (current.state === BreakerState.Closed && !probePending) {
        return current.execute(({ signal: inner }) => fn(inner), signal);
      }
      return executeGuarded(fn, signal);
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    start() {
      started ??= (async () => {
        try {
          if (store) {
            // Adopt, never reset, what other replicas recorded.
            const snapshot = await store.get(target);
            if (snapshot) adopt(snapshot, true);
            stops.push(await store.watch((next) => adopt(next)));
          }
          if (events) stops.push(await events.subscribe(CIRCUIT_EVENT_TOPIC, onEvent));
        } catch (error) {
          logger.warn('could not join shared circuit state; using the local breaker only', { target, error });
        }
      })();
      return started;
    },
    async close() {
      await started;
      await writes;
      const pending = stops.splice(0);
      await Promise.allSettled(pending.map((stop) => stop()));
      listeners.clear();
    },
  };
}
