/** Options for {@link createAsyncQueue}. */
export interface AsyncQueueOptions {
  /**
   * Most items held before the oldest is dropped, so a slow reader cannot grow memory without bound.
   * @default 256
   */
  maxItems?: number;
  /** Called with each item dropped because the queue was full. */
  onDrop?: () => void;
}

/**
 * A single-reader push queue that is read with `for await`. Used to turn callbacks (progress reports,
 * node events) into the async iterables that Connect's server-streaming handlers return.
 *
 * @internal Not exported from the package.
 */
export interface AsyncQueue<T> extends AsyncIterable<T> {
  /** Adds an item; ignored once the queue has ended. */
  push(item: T): void;
  /** Ends the queue: the reader gets the items already queued, then the iteration finishes. */
  end(): void;
  /** Items waiting to be read. */
  readonly size: number;
}

/**
 * Creates an {@link AsyncQueue}. Iteration also finishes (without error) when `signal` aborts.
 *
 * @internal
 */
export function createAsyncQueue<T>(signal?: AbortSignal, options: AsyncQueueOptions = {}): AsyncQueue<T> {
  const maxItems = options.maxItems ?? 256;
  const items: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onAbort = () => {
    ended = true;
    items.length = 0;
    notify();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();

  return {
    push(item) {
      if (ended) return;
      if (items.length >= maxItems) {
        items.shift();
        options.onDrop?.();
      }
      items.push(item);
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    get size() {
      return items.length;
    },
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (items.length > 0) {
            yield items.shift() as T;
            continue;
          }
          if (ended) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
