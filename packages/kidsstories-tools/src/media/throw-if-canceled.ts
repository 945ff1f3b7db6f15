import { abortError } from '@kidsstories/mesh-core/ports';

/**
 * Throws `MeshError` `canceled` (or `deadline_exceeded` for a timeout) when `signal` has aborted: the providers'
 * and tools' form of `throwIfCanceled(signal)`, which would throw a plain `DOMException` (the conversion is
 * mesh-core's one `abortError`).
 */
export function throwIfCanceled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
