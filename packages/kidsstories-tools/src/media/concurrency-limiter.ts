import { availableParallelism } from 'node:os';
import { MeshError } from '@kidsstories/mesh-core';

/** Runs tasks with at most `maxConcurrency` at once; the rest wait in FIFO order. */
export interface ConcurrencyLimiter {
  /** Most tasks running at once. */
  readonly maxConcurrency: number;
  /** Tasks running now. */
  readonly active: number;
  /**
   * Runs `task` when a slot is free. A waiting task whose `signal` aborts is dropped and rejects with
   * `MeshError` `canceled`.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** The default parallelism for CPU-bound media work: the machine's available parallelism. */
export function defaultMediaConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Creates a {@link ConcurrencyLimiter}. Media providers use one to keep CPU-bound work (Flite workers, H.264
 * encoders) to the number of cores instead of oversubscribing them.
 *
 * @throws MeshError `invalid_argument` when `maxConcurrency` is not a positive integer.
 * @example
 * ```ts
 * const limiter = createConcurrencyLimiter(2);
 * const clips = await Promise.all(pages.map((page) => limiter.run(() => render(page))));
 * ```
 */
export function createConcurrencyLimiter(maxConcurrency: number): ConcurrencyLimiter {
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new MeshError(
      `maxConcurrency must be a positive integer, got ${maxConcurrency}`,
      'invalid_argument',
      {
        details: { field: 'maxConcurrency' },
      },
    );
  }
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return {
    maxConcurrency,
    get active() {
      return active;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = () => {
          signal?.removeEventListener('abort', onAbort);
          active++;
          task().then(resolve, reject).finally(release);
        };
        const onAbort = () => {
          const index = queue.indexOf(start);
          if (index >= 0) queue.splice(index, 1);
          reject(
            new MeshError('canceled while waiting for a free slot', 'canceled', { cause: signal?.reason }),
          );
        };
        if (signal?.aborted) {
          onAbort();
          return;
        }
        if (active < maxConcurrency) {
          start();
          return;
        }
        queue.push(start);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
