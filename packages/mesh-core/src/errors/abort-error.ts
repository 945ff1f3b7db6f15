import { MeshError } from './mesh-error.js';

/**
 * The `MeshError` for an aborted signal: `canceled`, or `deadline_exceeded` when the signal's reason is a
 * timeout (`AbortSignal.timeout()`); a reason that already is a `MeshError` is returned as it is.
 *
 * @example
 * ```ts
 * if (signal.aborted) throw abortError(signal);
 * ```
 */
export function abortError(signal: AbortSignal): MeshError {
  return MeshError.from(
    signal.reason ?? new DOMException('the operation was aborted', 'AbortError'),
    'canceled',
  );
}
