import { MeshError } from '../errors/mesh-error.js';

/** Options for {@link retryDelayMs}. */
export interface RetryBackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  initialDelayMs: number;
  /** Upper bound of any computed delay, in milliseconds (a server's `retryAfterMs` may exceed it). */
  maxDelayMs: number;
  /**
   * Share of each delay that is randomised, from 0 (no jitter) to 1 (full jitter): the delay is drawn from
   * `[base * (1 - jitter), base]`. 0.5 is "equal jitter".
   */
  jitter: number;
  /** Random source in `[0, 1)`, injectable for tests. */
  random: () => number;
}

/**
 * The delay before retry number `attempt` (1-based): exponential from `initialDelayMs`, doubled each time and
 * capped at `maxDelayMs`, with jitter; a `resource_exhausted` error carrying `details.retryAfterMs` waits at
 * least that long, as the server asked.
 *
 * @example
 * ```ts
 * retryDelayMs(2, new MeshError('busy', 'unavailable'), { initialDelayMs: 500, maxDelayMs: 5000, jitter: 0, random: Math.random }); // 1000
 * ```
 */
export function retryDelayMs(attempt: number, error: unknown, options: RetryBackoffOptions): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  const delay = base * (1 - jitter * options.random());
  if (MeshError.isInstance(error) && error.code === 'resource_exhausted') {
    const retryAfterMs = error.details.retryAfterMs;
    if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs > delay) {
      return Math.ceil(retryAfterMs);
    }
  }
  return Math.round(delay);
}
