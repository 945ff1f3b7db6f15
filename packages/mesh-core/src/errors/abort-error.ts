import { MeshError } from './mesh-error.js';

/**
 * The one conversion of an aborted signal into a `MeshError`: a reason that already is a `MeshError` is returned as
 * it is; a timeout (`AbortSignal.timeout()`) is `deadline_exceeded`; anything else is `canceled`. With `what` (the
 * work that stopped, such as `"the call of echo"`), the message names it: `<what>: the caller's deadline passed`,
 * `<what> was canceled by the caller`; without it, the message is the reason's.
 *
 * @example
 * ```ts
 * if (signal.aborted) throw abortError(signal);
 * ```
 */
export function abortError(signal: AbortSignal, what?: string): MeshError {
  const reason: unknown = signal.reason ?? new DOMException('the operation was aborted', 'AbortError');
  if (MeshError.isInstance(reason) || what === undefined) return MeshError.from(reason, 'canceled');
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new MeshError(`${what}: the caller's deadline passed`, 'deadline_exceeded', { cause: reason });
  }
  return new MeshError(`${what} was canceled by the caller`, 'canceled', { cause: reason });
}
