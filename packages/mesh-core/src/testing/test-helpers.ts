import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { MeshError, type MeshErrorCode } from '../errors/mesh-error.js';

/**
 * Makes the subject of a contract suite for one test, and the cleanup that closes it. Called before every
 * test; keys inside each test are prefixed uniquely, so the suites can share one real Redis.
 */
export type ContractFactory<T> = () => Promise<{ subject: T; cleanup(): Promise<void> }>;

/** A unique key prefix such as `t-3fa9c2d1e0:`, so tests sharing one backend never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomBytes(5).toString('hex')}:`;
}

/** Resolves after `ms` milliseconds of real time. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options for {@link eventually}. */
export interface EventuallyOptions {
  /**
   * Give up after this long, in milliseconds.
   * @default 2 000
   */
  timeoutMs?: number;
  /**
   * Pause between attempts, in milliseconds.
   * @default 10
   */
  intervalMs?: number;
}

/**
 * Retries `check` until it stops throwing (and resolves its value), for asynchronous effects such as event
 * delivery. Rethrows the last failure after `timeoutMs`.
 *
 * @example
 * ```ts
 * await eventually(() => expect(received).toHaveLength(2));
 * ```
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await delay(intervalMs);
    }
  }
}

/** A clock for `now` options that only moves when told to. */
export interface ManualClock {
  /** The current time, in epoch milliseconds. */
  now(): number;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the clock, in epoch milliseconds. */
  set(epochMs: number): void;
}

/**
 * A manual clock for injecting as `now` (lock expiry, TTLs, budget windows) without sleeping.
 *
 * @param startMs - the initial time, in epoch milliseconds. Default 1 767 225 600 000 (2026-01-01T00:00:00Z).
 * @example
 * ```ts
 * const clock = createManualClock();
 * const lock = createMemoryLock({ now: clock.now });
 * clock.advance(300_001);
 * ```
 */
export function createManualClock(startMs = 1_767_225_600_000): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (epochMs) => {
      current = epochMs;
    },
  };
}

/**
 * Expects `promise` to reject with a `MeshError` of `code`, and resolves that error for further checks.
 *
 * @example
 * ```ts
 * const error = await expectMeshError(ledger.reserve(usage), 'resource_exhausted');
 * expect(error.details.scope).toBe('global');
 * ```
 */
export async function expectMeshError(promise: Promise<unknown>, code: MeshErrorCode): Promise<MeshError> {
  const error = await meshFailureOf(promise, `a MeshError ${code}`);
  expect(error.code, error.message).toBe(code);
  return error;
}

/**
 * Awaits `promise`, expects it to reject with a `MeshError` and returns that error, whatever its code (for
 * tests that look at the code and details themselves).
 *
 * @example
 * ```ts
 * const failure = await meshFailureOf(link.callTool('crash', {}, { metadata }));
 * expect(failure.details.reason).toBe('connection_lost');
 * ```
 */
export async function meshFailureOf(promise: Promise<unknown>, expected = 'a MeshError'): Promise<MeshError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(MeshError.isInstance(caught), `expected ${expected}, got ${String(caught)}`).toBe(true);
  return caught as MeshError;
}

/**
 * Runs `run`, expects it to throw a `MeshError` `invalid_argument`, and returns the field it names
 * (`details.field`): the check of an options resolver that refuses a bad value.
 *
 * @example
 * ```ts
 * expect(invalidFieldOf(() => resolvePeerLinkOptions({ url: 'ftp://peer' }))).toBe('url');
 * ```
 */
export function invalidFieldOf(run: () => unknown): unknown {
  const error = thrownMeshError(run, 'a MeshError invalid_argument');
  expect(error.code, error.message).toBe('invalid_argument');
  return error.details.field;
}

/**
 * Runs `run`, expects it to throw a `MeshError` and returns that error, whatever its code: the synchronous
 * counterpart of {@link meshFailureOf}.
 *
 * @example
 * ```ts
 * expect(thrownMeshError(() => costOf({}, { model: 'gpt-4o', inputTokens: 1 })).code).toBe('invalid_argument');
 * ```
 */
export function thrownMeshError(run: () => unknown, expected = 'a MeshError'): MeshError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(MeshError.isInstance(caught), `expected ${expected}, got ${String(caught)}`).toBe(true);
  return caught as MeshError;
}
