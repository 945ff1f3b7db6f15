import { MeshError } from '../errors/mesh-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkInteger, checkPositive } from '../options/check-options.js';
import type { DistributedLock, LockLease } from '../ports/distributed-lock.js';
import type { StateStore } from '../ports/state-store.js';
import {
  type AcquireLockOptions,
  acquireLock,
  createTimerSleep,
  DEFAULT_ACQUIRE_LOCK,
  type Sleep,
} from './acquire-lock.js';

/**
 * Why a lease ended without a verified release: `lost` (an extend found another owner or no lease),
 * `expired` (the lease ran out: an extend kept failing past its expiry, or the final release found it gone),
 * `release_failed` (the final release threw, so the lease is left to expire).
 */
export type LockLossReason = 'lost' | 'expired' | 'release_failed';

/** Where `withLock` records leases that ended without a verified release. */
export interface LockDeadLetter {
  /** The store holding the dead-letter stream. */
  store: StateStore;
  /** The stream appended to, such as `dead-letter:generation`. */
  stream: string;
  /**
   * Most records the stream keeps; older ones are trimmed.
   * @default 10000 (`DEFAULT_WITH_LOCK.deadLetterMaxLength`)
   */
  maxLength?: number;
}

/** Options for {@link withLock}: {@link AcquireLockOptions} plus the watchdog's. */
export interface WithLockOptions extends AcquireLockOptions {
  /**
   * How often the watchdog extends the lease, in milliseconds.
   * @default `ttlMs / 3` (Redisson's rule)
   */
  extendEveryMs?: number;
  /**
   * Called once when the watchdog finds the lease lost or expired, after `fn`'s signal is aborted.
   * @default none
   */
  onLost?: (lease: LockLease, reason: LockLossReason) => void;
  /**
   * Where to append `{ key, ownerToken, fencingToken, reason, at, error? }` when the lease was lost, expired
   * or could not be released.
   * @default nowhere (a warning is logged)
   */
  deadLetter?: LockDeadLetter;
  /**
   * Reports watchdog and release trouble.
   * @default {@link silentLogger}
   */
  logger?: Logger;
}

/**
 * Defaults of {@link withLock}: those of `acquireLock` ({@link DEFAULT_ACQUIRE_LOCK}), the watchdog's extension
 * interval as a share of the lease (`extendEveryMs = ttlMs / extendsPerTtl`, Redisson's rule) and the
 * dead-letter stream's length.
 */
export const DEFAULT_WITH_LOCK = Object.freeze({
  ...DEFAULT_ACQUIRE_LOCK,
  extendsPerTtl: 3,
  deadLetterMaxLength: 10_000,
});

/** The watchdog's part of {@link WithLockOptions}, with every default applied and every value checked. */
export interface ResolvedWithLockOptions {
  ttlMs: number;
  extendEveryMs: number;
  /** The dead-letter stream and its length, when one is set. */
  deadLetter: (LockDeadLetter & { maxLength: number }) | undefined;
  logger: Logger;
  now: () => number;
  /** The watchdog's sleep (its timer does not keep Node running). */
  sleep: Sleep;
}

/**
 * Applies {@link DEFAULT_WITH_LOCK} to the watchdog's options and checks them (`acquireLock` resolves and checks
 * the acquisition's own).
 *
 * @throws MeshError `invalid_argument` naming the field: a `ttlMs` not above 0, an `extendEveryMs` not above 0 or
 *   not below `ttlMs`, a `deadLetter.maxLength` that is not a whole number above 0.
 * @example
 * ```ts
 * resolveWithLockOptions({ ttlMs: 30_000 }).extendEveryMs; // 10000
 * ```
 */
export function resolveWithLockOptions(options: WithLockOptions = {}): ResolvedWithLockOptions {
  const ttlMs = checkPositive(options.ttlMs ?? DEFAULT_WITH_LOCK.ttlMs, 'ttlMs');
  const extendEveryMs = checkPositive(
    options.extendEveryMs ?? ttlMs / DEFAULT_WITH_LOCK.extendsPerTtl,
    'extendEveryMs',
  );
  if (extendEveryMs >= ttlMs) {
    throw new MeshError('extendEveryMs must be above 0 and below ttlMs', 'invalid_argument', {
      details: { field: 'extendEveryMs' },
    });
  }
  const deadLetter = options.deadLetter;
  return {
    ttlMs,
    extendEveryMs,
    deadLetter: deadLetter && {
      ...deadLetter,
      maxLength: checkInteger(
        deadLetter.maxLength ?? DEFAULT_WITH_LOCK.deadLetterMaxLength,
        'deadLetter.maxLength',
      ),
    },
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? createTimerSleep(false),
  };
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `fn` while holding `key`: acquires with {@link acquireLock}, extends the lease every `ttlMs / 3`,
 * aborts `fn`'s signal and calls `onLost` when the lease is lost, then releases with verification. A lease
 * that ended without a verified release is appended to `deadLetter`. Pass `lease.fencingToken` to whatever
 * `fn` writes so the resource can reject a writer whose lease was lost.
 *
 * @returns what `fn` resolves.
 * @throws {MeshError} `aborted` (details `key`, `fencingToken`, `reason`) when the lease was lost or expired
 *   before release, even if `fn` resolved, since its work may have overlapped another holder's; otherwise
 *   `fn`'s own error, or acquisition errors from {@link acquireLock}.
 * @example
 * ```ts
 * const story = await withLock(lock, 'generation:2026-11-24:6-8', async (signal, lease) =>
 *   generateStory({ signal, fencingToken: lease.fencingToken }),
 * { deadLetter: { store, stream: 'dead-letter:generation' } });
 * ```
 */
export async function withLock<T>(
  lock: DistributedLock,
  key: string,
  fn: (signal: AbortSignal, lease: LockLease) => Promise<T>,
  options: WithLockOptions = {},
): Promise<T> {
  const resolved = resolveWithLockOptions(options);
  const { ttlMs, extendEveryMs, logger, now, sleep } = resolved;
  const first = await acquireLock(lock, key, options);
  let lease = first;
  let lossReason: LockLossReason | undefined;

  const work = new AbortController();
  const onOuterAbort = () => work.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const stop = new AbortController();

  const markLost = (reason: LockLossReason) => {
    lossReason = reason;
    work.abort(
      new MeshError(`lock "${key}" was ${reason === 'lost' ? 'lost' : 'expired'}`, 'aborted', {
        details: { key, fencingToken: lease.fencingToken, reason },
      }),
    );
    try {
      options.onLost?.(lease, reason);
    } catch (error) {
      logger.warn('onLost threw', { key, error });
    }
  };

  const watchdog = async () => {
    while (!stop.signal.aborted) {
      try {
        await sleep(extendEveryMs, stop.signal);
      } catch {
        return;
      }
      if (stop.signal.aborted) return;
      try {
        const extended = await lock.extend(lease, ttlMs);
        if (!extended) return markLost('lost');
        lease = extended;
      } catch (error) {
        // Keep trying while the lease may still be ours; past its expiry it is gone for sure.
        logger.warn('lock extend failed', { key, error });
        if (now() >= lease.expiresAt) return markLost('expired');
      }
    }
  };
  const watching = watchdog();

  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: await fn(work.signal, first) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  stop.abort();
  await watching;
  options.signal?.removeEventListener('abort', onOuterAbort);

  let releaseError: unknown;
  if (lossReason === undefined) {
    try {
      if (!(await lock.release(lease))) lossReason = 'expired';
    } catch (error) {
      releaseError = error;
      lossReason = 'release_failed';
      logger.warn('lock release failed; the lease is left to expire', { key, error });
    }
  }
  if (lossReason !== undefined) await recordDeadLetter(resolved, lease, lossReason, outcome, releaseError);
  if (lossReason === 'lost' || lossReason === 'expired') {
    throw new MeshError(`lock "${key}" was ${lossReason} before release`, 'aborted', {
      cause: outcome.ok ? undefined : outcome.error,
      details: { key, fencingToken: lease.fencingToken, reason: lossReason },
    });
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function recordDeadLetter(
  { deadLetter, logger, now }: ResolvedWithLockOptions,
  lease: LockLease,
  reason: LockLossReason,
  outcome: Outcome<unknown>,
  releaseError: unknown,
): Promise<void> {
  const failure = releaseError ?? (outcome.ok ? undefined : outcome.error);
  const fields: Record<string, string> = {
    key: lease.key,
    ownerToken: lease.ownerToken,
    fencingToken: String(lease.fencingToken),
    reason,
    at: String(now()),
  };
  if (failure !== undefined) fields.error = failure instanceof Error ? failure.message : String(failure);
  if (!deadLetter) {
    logger.warn('lock ended without a verified release', { key: lease.key, reason });
    return;
  }
  try {
    await deadLetter.store.streamAppend(deadLetter.stream, fields, { maxLength: deadLetter.maxLength });
  } catch (error) {
    logger.error('could not append the lock dead-letter record', { key: lease.key, reason, error });
  }
}
