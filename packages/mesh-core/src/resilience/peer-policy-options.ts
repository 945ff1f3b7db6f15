import { MeshError } from '../errors/mesh-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { CircuitStateStore } from '../ports/circuit-state.js';
import type { EventBus } from '../ports/event-bus.js';
import type { CircuitBreakerOptions } from './shared-circuit-breaker.js';

/** Deadlines of calls to one peer. Precedence: per tool, then per peer, then global. */
export interface TimeoutOptions {
  /** Deadline of a call when nothing more specific applies, in milliseconds. Default 30 000. */
  globalMs?: number;
  /** Deadline of every call to this peer, in milliseconds. Default: `globalMs`. */
  peerMs?: number;
  /** Deadline per tool name (the peer's own name, before any prefix), in milliseconds. */
  toolMs?: Record<string, number>;
  /**
   * Deadline of one attempt, in milliseconds: a slower attempt fails `deadline_exceeded` and, when the call is
   * idempotent and time is left, is retried. Default: none (an attempt may use the whole deadline).
   */
  attemptMs?: number;
}

/**
 * Retries of retry-safe failures (`unavailable`, `resource_exhausted`, and `deadline_exceeded` of idempotent
 * calls): exponential backoff with jitter, never waiting past the call's deadline.
 */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 disables retries. Default 4 (3 retries, the brief's Polly setting). */
  maxAttempts?: number;
  /** Delay before the first retry, in milliseconds. Default 500. */
  initialDelayMs?: number;
  /** Cap on a computed delay, in milliseconds (a server's `retryAfterMs` may exceed it). Default 10 000. */
  maxDelayMs?: number;
  /** Randomised share of each delay, 0 (none) to 1 (full jitter). Default 0.5. */
  jitter?: number;
}

/** The bulkhead: an independent concurrency pool per peer, so one slow peer cannot starve the others. */
export interface BulkheadOptions {
  /** Calls running at once. Default 128. */
  maxConcurrent?: number;
  /** Calls waiting for a slot; more are rejected with `resource_exhausted`. Default 1024. */
  maxQueued?: number;
}

/** Options for {@link createPeerPolicy}. */
export interface PeerPolicyOptions {
  /** The guarded downstream, such as `peer:media`; names the breaker in events and the circuit-state store. */
  target: string;
  /** Deadlines. */
  timeouts?: TimeoutOptions;
  /** Retries. */
  retry?: RetryOptions;
  /** Circuit breaker. */
  breaker?: CircuitBreakerOptions;
  /** Concurrency pool. */
  bulkhead?: BulkheadOptions;
  /** Where breaker transitions are published (topic `mesh.circuit`). Default: not published. */
  events?: EventBus;
  /** Where breaker state is shared with other replicas. Default: the breaker is local. */
  circuitState?: CircuitStateStore;
  /** Id of this replica, unique among replicas sharing state. Default: a random id. */
  instanceId?: string;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Random source for jitter, in `[0, 1)`. Default `Math.random`. */
  random?: () => number;
  /** Logger. Default: silent. */
  logger?: Logger;
}

/** Defaults of {@link PeerPolicyOptions}. */
export const DEFAULT_PEER_POLICY = {
  timeouts: { globalMs: 30_000 },
  retry: { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 10_000, jitter: 0.5 },
  breaker: {
    failureRatio: 0.5,
    samplingDurationMs: 30_000,
    minimumThroughput: 10,
    breakDurationMs: 60_000,
    probeTtlMs: 10_000,
  },
  bulkhead: { maxConcurrent: 128, maxQueued: 1024 },
} as const;

/** {@link PeerPolicyOptions} with defaults applied. */
export interface ResolvedPeerPolicyOptions {
  target: string;
  timeouts: {
    globalMs: number;
    peerMs: number | undefined;
    toolMs: Record<string, number>;
    attemptMs: number | undefined;
  };
  retry: Required<RetryOptions>;
  breaker: Required<CircuitBreakerOptions>;
  bulkhead: Required<BulkheadOptions>;
  events: EventBus | undefined;
  circuitState: CircuitStateStore | undefined;
  instanceId: string;
  now: () => number;
  random: () => number;
  logger: Logger;
}

function check(name: string, value: number, valid: boolean, rule: string): number {
  if (!valid || Number.isNaN(value)) {
    throw new MeshError(`${name} must be ${rule}, got ${value}`, 'invalid_argument', {
      details: { field: name },
    });
  }
  return value;
}

const positive = (name: string, value: number) => check(name, value, value > 0, 'a positive number');
const whole = (name: string, value: number, min: number) =>
  check(name, value, Number.isInteger(value) && value >= min, `an integer >= ${min}`);

/** Applies defaults and checks limits once; throws `invalid_argument` naming the bad option. */
export function resolvePeerPolicyOptions(options: PeerPolicyOptions): ResolvedPeerPolicyOptions {
  if (!options.target)
    throw new MeshError('target is required', 'invalid_argument', { details: { field: 'target' } });
  const t = options.timeouts ?? {};
  const toolMs: Record<string, number> = {};
  for (const [tool, ms] of Object.entries(t.toolMs ?? {}))
    toolMs[tool] = positive(`timeouts.toolMs.${tool}`, ms);
  const r = { ...DEFAULT_PEER_POLICY.retry, ...options.retry };
  const breakDurationMs = positive('breaker.breakDurationMs', options.breaker?.breakDurationMs ?? 60_000);
  const b = {
    ...DEFAULT_PEER_POLICY.breaker,
    probeTtlMs: Math.min(DEFAULT_PEER_POLICY.breaker.probeTtlMs, breakDurationMs),
    ...options.breaker,
  };
  const k = { ...DEFAULT_PEER_POLICY.bulkhead, ...options.bulkhead };
  return {
    target: options.target,
    timeouts: {
      globalMs: positive('timeouts.globalMs', t.globalMs ?? DEFAULT_PEER_POLICY.timeouts.globalMs),
      peerMs: t.peerMs === undefined ? undefined : positive('timeouts.peerMs', t.peerMs),
      toolMs,
      attemptMs: t.attemptMs === undefined ? undefined : positive('timeouts.attemptMs', t.attemptMs),
    },
    retry: {
      maxAttempts: whole('retry.maxAttempts', r.maxAttempts, 1),
      initialDelayMs: check('retry.initialDelayMs', r.initialDelayMs, r.initialDelayMs >= 0, '>= 0'),
      maxDelayMs: check('retry.maxDelayMs', r.maxDelayMs, r.maxDelayMs >= 0, '>= 0'),
      jitter: check('retry.jitter', r.jitter, r.jitter >= 0 && r.jitter <= 1, 'between 0 and 1'),
    },
    breaker: {
      failureRatio: check(
        'breaker.failureRatio',
        b.failureRatio,
        b.failureRatio > 0 && b.failureRatio <= 1,
        'in (0, 1]',
      ),
      samplingDurationMs: positive('breaker.samplingDurationMs', b.samplingDurationMs),
      minimumThroughput: whole('breaker.minimumThroughput', b.minimumThroughput, 1),
      breakDurationMs,
      probeTtlMs: positive('breaker.probeTtlMs', b.probeTtlMs),
    },
    bulkhead: {
      maxConcurrent: whole('bulkhead.maxConcurrent', k.maxConcurrent, 1),
      maxQueued: whole('bulkhead.maxQueued', k.maxQueued, 0),
    },
    events: options.events,
    circuitState: options.circuitState,
    instanceId: options.instanceId ?? `policy-${Math.random().toString(36).slice(2, 10)}`,
    now: options.now ?? (() => Date.now()),
    random: options.random ?? Math.random,
    logger: (options.logger ?? silentLogger).child({ target: options.target }),
  };
}
