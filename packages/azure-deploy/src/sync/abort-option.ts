/** `{ abortSignal }` when there is a signal, else nothing: the SDK's options do not accept `undefined`. */
export function abortOption(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
