/** Options for {@link createCallScope}. */
export interface CallScopeOptions {
  /** Signals whose abort cancels the scope (the caller's cancellation, a drain); their reason is kept. */
  signals?: readonly (AbortSignal | undefined)[];
  /** The caller's deadline, in epoch milliseconds. */
  deadline?: number;
  /** Longest the scope may last from now, in milliseconds (a tool's or a host's timeout). */
  timeoutMs?: number;
  /**
   * Clock, for tests.
   * @default `Date.now`
   */
  now?: () => number;
}

/**
 * A cancellation scope for one call: one signal combining the caller's cancellation and a deadline (the parent's
 * own signal when there is one parent and no deadline).
 */
export interface CallScope {
  /** Aborts when any parent signal aborts (with its reason) or the deadline passes (with a `TimeoutError`). */
  readonly signal: AbortSignal;
  /** The effective deadline (the earlier of the caller's and now + `timeoutMs`), in epoch milliseconds. */
  readonly deadline: number | undefined;
  /** True once the scope aborted because its own deadline passed. */
  timedOut(): boolean;
  /** Stops the timer and detaches from the parent signals. Call it when the call ends. */
  dispose(): void;
}

/**
 * Combines parent signals and a deadline into one `AbortSignal`, the way Connect turns `timeoutMs` into
 * `ctx.signal`. The timer is a plain `setTimeout` so fake timers drive it in tests.
 *
 * @example
 * ```ts
 * const scope = createCallScope({ signals: [call.signal], deadline: call.deadline, timeoutMs: 30_000 });
 * try { await work(scope.signal); } finally { scope.dispose(); }
 * ```
 */
export function createCallScope(options: CallScopeOptions): CallScope {
  const now = options.now ?? Date.now;
  const start = now();
  const candidates = [
    options.deadline,
    options.timeoutMs === undefined ? undefined : start + options.timeoutMs,
  ];
  const bounded = candidates.filter(
    (value): value is number => value !== undefined && Number.isFinite(value),
  );
  const deadline = bounded.length > 0 ? Math.min(...bounded) : undefined;
  if (deadline === undefined) {
    // One parent and no deadline: the scope's signal is the parent's own (an abort controller and two listeners
    // less a call, on an edge's hot path); it aborts exactly when, and why, the parent does.
    let only: AbortSignal | undefined;
    let parents = 0;
    for (const parent of options.signals ?? []) {
      if (!parent) continue;
      only = parent;
      parents += 1;
    }
    if (parents === 1 && only) return { signal: only, deadline, timedOut: () => false, dispose: () => {} };
  }
  const controller = new AbortController();
  let expired = false;
  const detachers: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const dispose = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const detach of detachers.splice(0)) detach();
  };
  const abort = (reason: unknown) => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    dispose();
  };

  for (const parent of options.signals ?? []) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    const onAbort = () => abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    detachers.push(() => parent.removeEventListener('abort', onAbort));
  }
  if (deadline !== undefined && !controller.signal.aborted) {
    const expire = () => {
      expired = true;
      abort(new DOMException(`deadline exceeded after ${Math.max(0, deadline - start)} ms`, 'TimeoutError'));
    };
    const remainingMs = deadline - start;
    if (remainingMs <= 0) expire();
    else timer = setTimeout(expire, remainingMs);
  }
  return { signal: controller.signal, deadline, timedOut: () => expired, dispose };
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
