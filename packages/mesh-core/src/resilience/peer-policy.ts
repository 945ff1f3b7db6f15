import { type BulkheadPolicy, bulkhead, isBulkheadRejectedError } from 'cockatiel';
import { abortError } from '../errors/abort-error.js';
import { isLocalFailure, isRetrySafe, MeshError } from '../errors/mesh-error.js';
import type { CircuitState } from '../ports/circuit-state.js';
import { MAX_TIMER_MS } from './backoff.js';
import { type PeerPolicyOptions, resolvePeerPolicyOptions } from './peer-policy-options.js';
import { retryDelayMs } from './retry-backoff.js';
import {
  type CircuitStatus,
  createSharedCircuitBreaker,
  type SharedCircuitBreaker,
} from './shared-circuit-breaker.js';

export type {
  BulkheadOptions,
  PeerPolicyOptions,
  RetryOptions,
  TimeoutOptions,
} from './peer-policy-options.js';
export { DEFAULT_PEER_POLICY, resolvePeerPolicyOptions } from './peer-policy-options.js';

/** One attempt of a call, as passed to the function run by {@link PeerPolicy.execute}. */
export interface PolicyAttempt {
  /** Aborts on the deadline or the caller's cancellation. Pass it to the link. */
  signal: AbortSignal;
  /** This attempt's deadline in epoch milliseconds (never later than the call's, nor the caller's). */
  deadline: number;
  /** 1 for the first attempt, 2 for the first retry… */
  attempt: number;
}

/** Options for one {@link PeerPolicy.execute}. */
export interface PolicyCallOptions {
  /** The tool called (its name on the peer): selects a per-tool timeout. */
  tool?: string;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** The caller's deadline in epoch milliseconds; the call never runs past it. */
  deadline?: number;
  /**
   * The call may run twice without harm (the tool's `idempotentHint` or `readOnlyHint`): an attempt that fails
   * `deadline_exceeded` (the peer's own timeout, or `timeouts.attemptMs`) is retried too.
   * @default false
   */
  idempotent?: boolean;
  /**
   * Every attempt ends on its own by its `deadline` (a peer link given `timeoutMs: deadline - now()` does): the
   * attempts' signal is then the caller's `signal` itself, which aborts on the caller's cancellation only, and the
   * policy makes no `AbortController` of its own for the call (a few microseconds a call, on a gateway's hot path).
   * The caller is still answered `deadline_exceeded` at the deadline, and no attempt starts after it. Without a
   * caller `signal` this has no effect.
   * @default false
   */
  attemptsKeepDeadline?: boolean;
}

/** Where a peer's policy stands, for `circuit_status`. */
export interface PeerPolicyStatus extends CircuitStatus {
  /** Calls holding a bulkhead slot. */
  active: number;
  /** Calls waiting for a slot. */
  queued: number;
  maxConcurrent: number;
  maxQueued: number;
}

/** Timeout, retry, circuit breaker and bulkhead for the calls to one peer. */
export interface PeerPolicy {
  readonly target: string;
  /**
   * Runs `fn` under the policy: deadline (tool > peer > global, capped by the caller's), bulkhead, retries of
   * retry-safe failures (and of `deadline_exceeded` for idempotent calls), and the circuit breaker. A retry whose
   * delay (backoff, or the peer's `retryAfterMs`) would end past the deadline is not attempted: the peer's own
   * failure is returned at once, and the bulkhead slot is free as soon as the caller is answered. Rejects with a
   * `MeshError`: the last failure, `unavailable` with `details.retryAfterMs` when the breaker is open,
   * `resource_exhausted` when the bulkhead is full, `deadline_exceeded` or `canceled`.
   */
  execute<T>(fn: (attempt: PolicyAttempt) => Promise<T>, options?: PolicyCallOptions): Promise<T>;
  /** The deadline for a tool, in milliseconds. */
  timeoutFor(tool?: string): number;
  /** The breaker's state. */
  state(): CircuitState;
  status(): PeerPolicyStatus;
  /** Calls `listener` on every breaker state change; returns a function that stops it. */
  onStateChange(listener: (state: CircuitState) => void): () => void;
  /** Joins the shared circuit state (adopting it). Called by the first `execute` when not called before. */
  start(): Promise<void>;
  /** Leaves the shared circuit state. */
  close(): Promise<void>;
}

/**
 * Rejections made by the policy itself (open breaker, full bulkhead) and local failures are never retried: only the peer's own
 * retry-safe failures are, and its timeouts when the call is idempotent (the brief's "text timeout: retry 3x").
 */
function isRetryable(error: MeshError, idempotent: boolean): boolean {
  if (error.details.circuit !== undefined || error.details.bulkhead !== undefined) return false;
  // Failures of this side (the caller's input, the gateway itself) are never retried: see isLocalFailure.
  if (isLocalFailure(error)) return false;
  return isRetrySafe(error) || (idempotent && error.code === 'deadline_exceeded');
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller was answered: free the slot). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Creates the resilience policy of one peer: a deadline, then cockatiel's bulkhead, the retry loop and the
 * circuit breaker, in that order (outermost first): the deadline (one timer per call) covers queueing and every
 * retry, the bulkhead bounds a logical call with its retries, each attempt passes the breaker, and an open
 * breaker is never retried. Retries wait `retryDelayMs` (exponential backoff with jitter, at least the peer's
 * `retryAfterMs`) and are skipped when that wait does not fit in the deadline. Breaker transitions are shared through `events` and `circuitState` (see `createSharedCircuitBreaker`).
 *
 * @throws MeshError `invalid_argument` naming the option when an option is out of range.
 * @example
 * ```ts
 * const policy = createPeerPolicy({ target: 'peer:media', timeouts: { peerMs: 20_000, toolMs: { generate_image: 60_000 } } });
 * const result = await policy.execute(({ signal, deadline }) => link.callTool('generate_image', args, { signal, timeoutMs: deadline - Date.now(), metadata }), { tool: 'generate_image' });
 * ```
 */
export function createPeerPolicy(options: PeerPolicyOptions): PeerPolicy {
  const resolved = resolvePeerPolicyOptions(options);
  const { target, now, logger } = resolved;
  const circuit: SharedCircuitBreaker = createSharedCircuitBreaker({
    target,
    breaker: resolved.breaker,
    instanceId: resolved.instanceId,
    events: resolved.events,
    circuitState: resolved.circuitState,
    now,
    logger,
  });
  const pool: BulkheadPolicy = bulkhead(resolved.bulkhead.maxConcurrent, resolved.bulkhead.maxQueued);
  const backoff = { ...resolved.retry, random: resolved.random };
  const { attemptMs } = resolved.timeouts;
  let circuitJoined = false;

  const timeoutFor = (tool?: string) =>
    (tool === undefined ? undefined : resolved.timeouts.toolMs[tool]) ??
    resolved.timeouts.peerMs ??
    resolved.timeouts.globalMs;

  return {
    target,
    timeoutFor,
    state: () => circuit.state(),
    status() {
      return {
        ...circuit.status(),
        active: resolved.bulkhead.maxConcurrent - pool.executionSlots,
        queued: resolved.bulkhead.maxQueued - pool.queueSlots,
        maxConcurrent: resolved.bulkhead.maxConcurrent,
        maxQueued: resolved.bulkhead.maxQueued,
      };
    },
    onStateChange: (listener) => circuit.onStateChange(listener),
    start: () => circuit.start(),
    close: () => circuit.close(),
    async execute<T>(fn: (attempt: PolicyAttempt) => Promise<T>, call: PolicyCallOptions = {}): Promise<T> {
      // Joined once: later calls skip the await (a microtask on every call of a gateway's hot path).
      if (!circuitJoined) {
        await circuit.start();
        circuitJoined = true;
      }
      const callerSignal = call.signal;
      const startedAt = now();
      const ownMs = timeoutFor(call.tool);
      const callerMs = call.deadline === undefined ? Number.POSITIVE_INFINITY : call.deadline - startedAt;
      const timeoutMs = Math.min(ownMs, callerMs);
      const what = call.tool === undefined ? target : `${call.tool} on ${target}`;
      if (callerSignal?.aborted) throw abortError(callerSignal, what);
      const deadlineError = (cause?: unknown) =>
        new MeshError(
          `${what} did not complete within ${Math.round(timeoutMs)} ms${timeoutMs === callerMs ? " (the caller's deadline)" : ''}`,
          'deadline_exceeded',
          { cause, details: { origin: target, timeoutMs: Math.round(timeoutMs) } },
        );
      const attemptDeadlineError = (attempt: number, cause: unknown) =>
        new MeshError(
          `${what}: attempt ${attempt} did not complete within ${attemptMs} ms`,
          'deadline_exceeded',
          {
            cause,
            details: { origin: target, timeoutMs: attemptMs ?? timeoutMs },
          },
        );
      if (timeoutMs <= 0) throw deadlineError();
      const deadline = startedAt + timeoutMs;
      let lastError: MeshError | undefined;
      // One controller and one timer per call carry the deadline and the caller's cancellation to every attempt.
      // (A per-call cockatiel `timeout()` policy costs a derived controller, a race and an abort-on-return
      // `DOMException` on every call: measurable on the gateway's hot path, see docs/performance.md.) Attempts
      // that keep the deadline themselves take the caller's signal, and the timer alone ends the call.
      const controller =
        call.attemptsKeepDeadline === true && callerSignal !== undefined ? undefined : new AbortController();
      const signal = controller ? controller.signal : callerSignal!;
      let timedOut = false;
      // The caller was answered (deadline or cancellation): nothing more may start.
      const over = () => timedOut || signal.aborted;
      const idempotent = call.idempotent === true;
      // One attempt through the breaker, under the call's signal and, when set, its own shorter deadline.
      const attemptOnce = (attempt: number) =>
        circuit.execute(async (inner) => {
          // A retry whose delay outlived the deadline must not reach the peer.
          if (inner.aborted || timedOut) throw deadlineError(lastError);
          const attemptDeadline = attemptMs === undefined ? deadline : Math.min(deadline, now() + attemptMs);
          const own = attemptDeadline < deadline ? new AbortController() : undefined;
          const ownTimer = own && setTimeout(() => own.abort(), Math.max(1, attemptDeadline - now()));
          const attemptSignal = own ? AbortSignal.any([inner, own.signal]) : inner;
          try {
            return await fn({ signal: attemptSignal, deadline: attemptDeadline, attempt });
          } catch (error) {
            let failure = MeshError.from(error);
            // Our deadline aborted the attempt: the peer was too slow, which the breaker must count.
            if (attemptSignal.aborted && !callerSignal?.aborted && failure.code === 'canceled') {
              failure = inner.aborted ? deadlineError(failure) : attemptDeadlineError(attempt, failure);
            }
            lastError = failure;
            throw failure;
          } finally {
            clearTimeout(ownTimer);
          }
        }, signal);
      const run = pool.execute(async () => {
        for (let attempt = 1; ; attempt++) {
          // Dequeued after the caller was answered: call nobody (and count nothing against the peer).
          if (over()) throw lastError ?? deadlineError();
          try {
            return await attemptOnce(attempt);
          } catch (error) {
            const failure = MeshError.from(error);
            if (over() || attempt >= resolved.retry.maxAttempts || !isRetryable(failure, idempotent)) {
              throw failure;
            }
            const delayMs = retryDelayMs(attempt, failure, backoff);
            // Waiting past the deadline only turns the peer's answer into a timeout: return it now (issue 19).
            if (now() + delayMs >= deadline) {
              logger.debug('not retrying: the delay does not fit in the deadline', { attempt, delayMs });
              throw failure;
            }
            logger.debug('retrying', { attempt, delayMs, reason: failure.message });
            await sleep(delayMs, signal);
            // The caller was answered meanwhile (deadline or cancellation): free the slot, call nobody.
            if (over()) throw failure;
          }
        }
      }, signal);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onCallerAbort: (() => void) | undefined;
      try {
        return await new Promise<T>((resolve, reject) => {
          timer = setTimeout(
            () => {
              timedOut = true;
              controller?.abort();
              reject(deadlineError(lastError));
            },
            Math.min(timeoutMs, MAX_TIMER_MS),
          );
          if (callerSignal) {
            onCallerAbort = () => {
              controller?.abort(callerSignal.reason);
              reject(abortError(callerSignal, what));
            };
            callerSignal.addEventListener('abort', onCallerAbort, { once: true });
          }
          run.then(resolve, (error: unknown) => reject(policyFailure(error)));
        });
      } finally {
        clearTimeout(timer);
        if (onCallerAbort) callerSignal?.removeEventListener('abort', onCallerAbort);
      }

      function policyFailure(error: unknown): MeshError {
        if (isTaskCancelled(error)) {
          if (callerSignal?.aborted) return abortError(callerSignal, what);
          return deadlineError(lastError);
        }
        if (isBulkheadRejectedError(error)) {
          return new MeshError(
            `too many calls to ${target} in flight; try again later`,
            'resource_exhausted',
            {
              cause: error,
              details: {
                origin: target,
                bulkhead: 'full',
                limit: resolved.bulkhead.maxConcurrent + resolved.bulkhead.maxQueued,
                limitUnit: 'calls',
              },
            },
          );
        }
        return MeshError.from(error);
      }
    },
  };
}

/**
 * cockatiel 3.2.1's own `isTaskCancelledError` tests the bulkhead's marker property, so it also matches a
 * `BulkheadRejectedError` and misses a real cancellation; test the marker this error sets instead.
 */
function isTaskCancelled(error: unknown): boolean {
  return error instanceof Error && 'isTaskCancelledError' in error;
}
