import { checkFinite, checkNonNegative } from '../options/check-options.js';

/**
 * Exponential backoff, the one option vocabulary of every wait between tries in the mesh: peer-policy retries,
 * lock waits, reconnects of a peer link's event stream and of Redis, the pipeline's job retries. The wait before
 * retry `n` (0-based) is capped at `min(maxDelayMs, initialDelayMs * multiplier^n)`, and `jitter` of that cap is
 * drawn at random, so contenders spread out instead of retrying in lockstep.
 */
export interface BackoffOptions {
  /**
   * Cap of the first wait, in milliseconds.
   * @default the caller's (see its `DEFAULT_X`)
   */
  initialDelayMs?: number;
  /**
   * Largest cap of any wait, in milliseconds.
   * @default the caller's
   */
  maxDelayMs?: number;
  /** Factor the cap grows by per retry, at least 1 (1 waits the same every time). @default 2 */
  multiplier?: number;
  /**
   * Randomised share of each wait, from 0 (always the full cap) to 1 ("full jitter": uniform in `[0, cap)`).
   * The wait is drawn from `[cap * (1 - jitter), cap]`.
   * @default the caller's
   */
  jitter?: number;
}

/** {@link BackoffOptions} with every field set (see {@link resolveBackoffOptions}). */
export type ResolvedBackoffOptions = Readonly<Required<BackoffOptions>>;

/** Defaults of {@link resolveBackoffOptions} when the caller gives none: 100 ms doubling to 10 s, full jitter. */
export const DEFAULT_BACKOFF: ResolvedBackoffOptions = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 1,
});

/**
 * Applies `defaults` to `options` and checks every field once: delays finite and >= 0, `multiplier` finite and
 * >= 1, `jitter` in [0, 1]. A `maxDelayMs` below `initialDelayMs` caps every wait, the first included.
 *
 * @param field - Prefix of the field names in errors, such as `retry` or `watchBackoff`.
 * @throws {MeshError} `invalid_argument` naming the field (`details.field`).
 * @example
 * ```ts
 * const backoff = resolveBackoffOptions({ initialDelayMs: 250 }, { ...DEFAULT_BACKOFF, maxDelayMs: 5_000 });
 * ```
 */
export function resolveBackoffOptions(
  options: { readonly [K in keyof BackoffOptions]?: number | undefined } | undefined,
  defaults: ResolvedBackoffOptions = DEFAULT_BACKOFF,
  field?: string,
): ResolvedBackoffOptions {
  const name = (key: string) => (field === undefined ? key : `${field}.${key}`);
  const initialDelayMs = checkNonNegative(
    options?.initialDelayMs ?? defaults.initialDelayMs,
    name('initialDelayMs'),
  );
  const maxDelayMs = checkNonNegative(options?.maxDelayMs ?? defaults.maxDelayMs, name('maxDelayMs'));
  const multiplier = checkFinite(options?.multiplier ?? defaults.multiplier, name('multiplier'), { min: 1 });
  const jitter = checkFinite(options?.jitter ?? defaults.jitter, name('jitter'), { min: 0, max: 1 });
  return Object.freeze({ initialDelayMs, maxDelayMs, multiplier, jitter });
}

/**
 * The cap of the wait before retry `retry` (0-based): `min(maxDelayMs, initialDelayMs * multiplier^retry)`,
 * computed without overflow for any `retry`.
 */
export function backoffCapMs(retry: number, options: ResolvedBackoffOptions): number {
  let cap = options.initialDelayMs;
  for (let step = 0; step < retry && cap > 0 && cap < options.maxDelayMs; step++) cap *= options.multiplier;
  return Math.min(cap, options.maxDelayMs);
}

/**
 * The wait before retry `retry` (0-based), in milliseconds (not rounded): `cap * (1 - jitter) + cap * jitter *
 * random()` with the cap of {@link backoffCapMs}, so `random() = 0` waits the least and values near 1 the full cap.
 *
 * @param random - Random source in `[0, 1)`. Default `Math.random`.
 * @example
 * ```ts
 * backoffDelayMs(2, { initialDelayMs: 50, maxDelayMs: 800, multiplier: 2, jitter: 1 }, () => 0.5); // 100
 * ```
 */
export function backoffDelayMs(
  retry: number,
  options: ResolvedBackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = backoffCapMs(retry, options);
  if (options.jitter === 0) return cap;
  return cap * (1 - options.jitter) + cap * options.jitter * random();
}

/** Longest delay `setTimeout` accepts, in milliseconds (about 24.8 days): longer ones fire at once, so cap to it. */
export const MAX_TIMER_MS = 2_147_483_647;
