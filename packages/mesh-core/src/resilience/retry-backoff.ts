import { MeshError } from '../errors/mesh-error.js';
import { type BackoffOptions, backoffDelayMs } from './backoff.js';

/** Options for {@link retryDelayMs}: the shared {@link BackoffOptions} vocabulary, every field set but `multiplier`. */
export interface RetryBackoffOptions extends BackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  initialDelayMs: number;
  /** Upper bound of any computed delay, in milliseconds (a server's `retryAfterMs` may exceed it). */
  maxDelayMs: number;
  /** Factor the delay grows by per retry. @default 2 */
  multiplier?: number;
  /**
   * Share of each delay that is randomised, from 0 (no jitter) to 1 (full jitter): the delay is drawn from
   * `[base * (1 - jitter), base]`. 0.5 is "equal jitter".
   */
  jitter: number;
  /**
   * Random source in `[0, 1)`, injectable for tests. The retry delay is drawn downwards from the full delay:
   * `random() = 0` waits the full `base`, values near 1 wait `base * (1 - jitter)`.
   */
  random: () => number;
}

/**
 * The delay before retry number `attempt` (1-based): exponential from `initialDelayMs` (the shared
 * {@link backoffDelayMs}, multiplied by `multiplier`, default 2, each time and capped at `maxDelayMs`), with
 * jitter, rounded to whole milliseconds; a `resource_exhausted` error carrying `details.retryAfterMs` waits at
 * least that long, as the server asked.
 *
 * @example
 * ```ts
 * retryDelayMs(2, new MeshError('busy', 'unavailable'), { initialDelayMs: 500, maxDelayMs: 5000, jitter: 0, random: Math.random }); // 1000
 * ```
 */
export function retryDelayMs(attempt: number, error: unknown, options: RetryBackoffOptions): number {
  const backoff = {
    initialDelayMs: options.initialDelayMs,
    maxDelayMs: options.maxDelayMs,
    multiplier: options.multiplier ?? 2,
    jitter: Math.min(1, Math.max(0, options.jitter)),
  };
  // The shared draw grows with random(); the retry delay has always shrunk with it (random() = 0 is the full
  // delay), which seeded tests and callers rely on: feed it the mirrored draw, the same uniform distribution.
  const delay = backoffDelayMs(Math.max(0, attempt - 1), backoff, () => 1 - options.random());
  if (MeshError.isInstance(error) && error.code === 'resource_exhausted') {
    const retryAfterMs = error.details.retryAfterMs;
    if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs > delay) {
      return Math.ceil(retryAfterMs);
    }
  }
  return Math.round(delay);
}
