import { MeshError } from '../errors/mesh-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkFinite, checkInteger, checkPositive } from '../options/check-options.js';
import type { CircuitStateStore } from '../ports/circuit-state.js';
import type { EventBus } from '../ports/event-bus.js';
import { type BackoffOptions, resolveBackoffOptions } from './backoff.js';
import type { CircuitBreakerOptions } from './shared-circuit-breaker.js';

/** Deadlines of calls to one peer. Precedence: per tool, then per peer, then global. */
export interface TimeoutOptions {
  /**
   * Deadline of a call when nothing more specific applies, in milliseconds.
   * @default 30 000
   */
  globalMs?: number;
  /**
   * Deadline of every call to this peer, in milliseconds.
   * @default `globalMs`
   */
  peerMs?: number;
  /** Deadline per tool name (the peer's own name, before any prefix), in milliseconds. */
  toolMs?: Record<string, number>;
  /**
   * Deadline of one attempt, in milliseconds: a slower attempt fails `deadline_exceeded` and, when the call is
   * idempotent and time is left, is retried.
   * @default none (an attempt may use the whole deadline)
   */
  attemptMs?: number;
}

/**
 * Retries of retry-safe failures (`unavailable`, `resource_exhausted`, and `deadline_exceeded` of idempotent
 * calls): exponential backoff with jitter, never waiting past the call's deadline.
 */
export interface RetryOptions extends BackoffOptions {
  /**
   * Attempts in all, the first included; 1 disables retries.
   * @default 4 (3 retries, the brief's Polly setting)
   */
  maxAttempts?: number;
  /**
   * Delay before the first retry, in milliseconds.
   * @default 500
   */
  initialDelayMs?: number;
  /**
   * Cap on a computed delay, in milliseconds (a server's `retryAfterMs` may exceed it).
   * @default 10 000
   */
  maxDelayMs?: number;
  /**
   * Factor the delay grows by per retry, at least 1.
   * @default 2
   */
  multiplier?: number;
  /**
   * Randomised share of each delay, 0 (none) to 1 (full jitter).
   * @default 0.5
   */
  jitter?: number;
}

/** The bulkhead: an independent concurrency pool per peer, so one slow peer cannot starve the others. */
export interface BulkheadOptions {
  /**
   * Calls running at once.
   * @default 128
   */
  maxConcurrent?: number;
  /**
   * Calls waiting for a slot; more are rejected with `resource_exhausted`.
   * @default 1024
   */
  maxQueued?: number;
}

/** Options for {@link createPeerPolicy}. */
export interface PeerPolicyOptions {
  /** The guarded downstream, such as `peer:media`; names the breaker in events and the circuit-state store. */
  target: string;
  /**
   * Deadlines.
   * @default `{ globalMs: 30_000 }` (DEFAULT_PEER_POLICY.timeouts)
   */
  timeouts?: TimeoutOptions;
  /**
   * Retries.
   * @default 4 attempts, 500 ms doubling to 10 s, jitter 0.5 (DEFAULT_PEER_POLICY.retry)
   */
  retry?: RetryOptions;
  /**
   * Circuit breaker.
   * @default opens at 50 % failures over 30 s (10 calls at least), for 60 s (DEFAULT_PEER_POLICY.breaker)
   */
  breaker?: CircuitBreakerOptions;
  /**
   * Concurrency pool.
   * @default 128 concurrent, 1 024 queued (DEFAULT_PEER_POLICY.bulkhead)
   */
  bulkhead?: BulkheadOptions;
  /**
   * Where breaker transitions are published (topic `mesh.circuit`).
   * @default not published
   */
  events?: EventBus;
  /**
   * Where breaker state is shared with other replicas.
   * @default the breaker is local
   */
  circuitState?: CircuitStateStore;
  /**
   * Id of this replica, unique among replicas sharing state.
   * @default a random id
   */
  instanceId?: string;
  /**
   * Clock in epoch milliseconds.
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Random source for jitter, in `[0, 1)`.
   * @default `Math.random`
   */
  random?: () => number;
  /**
   * Logger.
   * @default silent
   */
  logger?: Logger;
}

/** Defaults of {@link PeerPolicyOptions}. */
export const DEFAULT_PEER_POLICY = {
  timeouts: { globalMs: 30_000 },
  retry: { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 10_000, multiplier: 2, jitter: 0.5 },
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

/** Applies defaults and checks limits once; throws `invalid_argument` naming the bad option. */
export function resolvePeerPolicyOptions(options: PeerPolicyOptions): ResolvedPeerPolicyOptions {
  if (!options.target)
    throw new MeshError('target is required', 'invalid_argument', { details: { field: 'target' } });
  const t = options.timeouts ?? {};
  const toolMs: Record<string, number> = {};
  for (const [tool, ms] of Object.entries(t.toolMs ?? {}))
    toolMs[tool] = checkPositive(ms, `timeouts.toolMs.${tool}`);
  const r = { ...DEFAULT_PEER_POLICY.retry, ...options.retry };
  const breakDurationMs = checkPositive(
    options.breaker?.breakDurationMs ?? 60_000,
    'breaker.breakDurationMs',
  );
  const b = {
    ...DEFAULT_PEER_POLICY.breaker,
    probeTtlMs: Math.min(DEFAULT_PEER_POLICY.breaker.probeTtlMs, breakDurationMs),
    ...options.breaker,
  };
  const k = { ...DEFAULT_PEER_POLICY.bulkhead, ...options.bulkhead };
  return {
    target: options.target,
    timeouts: {
      globalMs: checkPositive(t.globalMs ?? DEFAULT_PEER_POLICY.timeouts.globalMs, 'timeouts.globalMs'),
      peerMs: t.peerMs === undefined ? undefined : checkPositive(t.peerMs, 'timeouts.peerMs'),
      toolMs,
      attemptMs: t.attemptMs === undefined ? undefined : checkPositive(t.attemptMs, 'timeouts.attemptMs'),
    },
    retry: {
      maxAttempts: checkInteger(r.maxAttempts, 'retry.maxAttempts', 1),
      ...resolveBackoffOptions(r, DEFAULT_PEER_POLICY.retry, 'retry'),
    },
    breaker: {
      failureRatio: checkPositive(
        checkFinite(b.failureRatio, 'breaker.failureRatio', { max: 1 }),
        'breaker.failureRatio',
      ),
      samplingDurationMs: checkPositive(b.samplingDurationMs, 'breaker.samplingDurationMs'),
      minimumThroughput: checkInteger(b.minimumThroughput, 'breaker.minimumThroughput', 1),
      breakDurationMs,
      probeTtlMs: checkPositive(b.probeTtlMs, 'breaker.probeTtlMs'),
    },
    bulkhead: {
      maxConcurrent: checkInteger(k.maxConcurrent, 'bulkhead.maxConcurrent', 1),
      maxQueued: checkInteger(k.maxQueued, 'bulkhead.maxQueued', 0),
    },
    events: options.events,
    circuitState: options.circuitState,
    instanceId: options.instanceId ?? `policy-${Math.random().toString(36).slice(2, 10)}`,
    now: options.now ?? (() => Date.now()),
    random: options.random ?? Math.random,
    logger: (options.logger ?? silentLogger).child({ target: options.target }),
  };
}
