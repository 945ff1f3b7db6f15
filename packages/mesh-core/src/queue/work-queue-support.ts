import { raceAbort } from '../context/call-scope.js';
import { abortError } from '../errors/abort-error.js';
import { MeshError } from '../errors/mesh-error.js';
import type { WorkQueueLimits } from '../ports/work-queue.js';

/** {@link WorkQueueLimits} with defaults applied and checked. */
export interface ResolvedWorkQueueLimits {
  concurrency: number;
  rateLimit?: { max: number; durationMs: number };
}

/**
 * Applies the defaults of {@link WorkQueueLimits} (concurrency 1, no rate limit) and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field.
 */
export function resolveWorkQueueLimits(limits: WorkQueueLimits = {}): ResolvedWorkQueueLimits {
  const concurrency = limits.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new MeshError('concurrency must be a whole number >= 1', 'invalid_argument', {
      details: { field: 'concurrency' },
    });
  }
  const { rateLimit } = limits;
  if (rateLimit === undefined) return { concurrency };
  if (!Number.isInteger(rateLimit.max) || rateLimit.max < 1) {
    throw new MeshError('rateLimit.max must be a whole number >= 1', 'invalid_argument', {
      details: { field: 'rateLimit.max' },
    });
  }
  if (!Number.isFinite(rateLimit.durationMs) || rateLimit.durationMs <= 0) {
    throw new MeshError('rateLimit.durationMs must be a number of milliseconds > 0', 'invalid_argument', {
      details: { field: 'rateLimit.durationMs' },
    });
  }
  return { concurrency, rateLimit: { max: rateLimit.max, durationMs: rateLimit.durationMs } };
}

/** Resolves `promise`, or rejects `canceled` as soon as `signal` aborts (the work itself is not stopped). */
export async function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  try {
    return await raceAbort(promise, signal);
  } catch (error) {
    if (signal.aborted && error === signal.reason) throw abortError(signal, 'waiting for the job');
    throw error;
  }
}

const ENCODED_ERROR = 'mesh-error:';

/** A job's error as a string a queue on Redis can carry (BullMQ keeps only the message). */
export function encodeJobError(error: unknown): string {
  const mesh = MeshError.from(error);
  return `${ENCODED_ERROR}${JSON.stringify(mesh.toJSON())}`;
}

/** The `MeshError` back from {@link encodeJobError}'s text; any other text becomes `internal`. */
export function decodeJobError(text: string): MeshError {
  if (text.startsWith(ENCODED_ERROR)) {
    try {
      const { code, message, details } = JSON.parse(text.slice(ENCODED_ERROR.length)) as ReturnType<
        MeshError['toJSON']
      >;
      return new MeshError(message, code, { details });
    } catch {
      // Fall through: not ours after all.
    }
  }
  return new MeshError(text, 'internal');
}
