import { MeshError } from '@kidsstories/mesh-core';

/**
 * Throws `MeshError` `canceled` (or `deadline_exceeded` for a timeout) when `signal` has aborted: the providers'
 * and tools' form of `throwIfCanceled(signal)`, which would throw a plain `DOMException`.
 */
export function throwIfCanceled(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  throw new MeshError(
    timedOut ? 'deadline exceeded' : 'operation was canceled',
    timedOut ? 'deadline_exceeded' : 'canceled',
    {
      cause: reason,
    },
  );
}
