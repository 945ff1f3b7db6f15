import { MeshError, type MeshErrorCode } from '@kidsstories/mesh-core';

/** Connection-level error codes of Node sockets that mean "Redis is not reachable right now". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);

/**
 * Reply prefixes the Redis server uses (`-NOGROUP …`, `-WRONGTYPE …`) and the mesh code each one means.
 * Transient server states are `unavailable` so callers may retry; nothing a server does is reported as the
 * caller's fault.
 */
const REPLY_CODES: Record<string, MeshErrorCode> = {
  NOGROUP: 'not_found',
  WRONGTYPE: 'failed_precondition',
  BUSYGROUP: 'already_exists',
  NOAUTH: 'unauthenticated',
  WRONGPASS: 'unauthenticated',
  NOPERM: 'permission_denied',
  OOM: 'resource_exhausted',
  LOADING: 'unavailable',
  BUSY: 'unavailable',
  MASTERDOWN: 'unavailable',
  CLUSTERDOWN: 'unavailable',
  TRYAGAIN: 'unavailable',
  READONLY: 'unavailable',
  MOVED: 'unavailable',
  ASK: 'unavailable',
  NOREPLICAS: 'unavailable',
  MISCONF: 'unavailable',
  EXECABORT: 'aborted',
  NOSCRIPT: 'internal',
};

/** Messages ioredis uses for a connection that is closed, closing or not writable. */
const CLOSED_MESSAGE =
  /connection is closed|stream isn't writeable|enableofflinequeue|connection (?:is )?ended|socket closed|reached the max retries|command timed out|connect etimedout|timed out/i;

/**
 * Converts anything a Redis client throws into a `MeshError`: the one place in this package where Redis and
 * ioredis errors are translated (house style rule 13).
 *
 * - refused, reset or closed connections, the offline queue being disabled, retries exhausted and command
 *   timeouts become `unavailable` (safe to retry elsewhere; `details.reason` names the cause);
 * - `NOGROUP` becomes `not_found` with `details.reason: 'NOGROUP'` (a consumer group vanished, typically
 *   after a Redis restart without persistence: recreate it);
 * - `WRONGTYPE` becomes `failed_precondition`, `NOAUTH` / `WRONGPASS` `unauthenticated`, `NOPERM`
 *   `permission_denied`, `OOM` `resource_exhausted`, `LOADING` / `BUSY` / `READONLY` / cluster redirections
 *   `unavailable`;
 * - an `AbortSignal` abort is `canceled`; any other failure is `internal`, never a client-fault code.
 *
 * A `MeshError` is returned unchanged.
 *
 * @example
 * ```ts
 * try {
 *   await redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
 * } catch (error) {
 *   throw meshErrorFromRedis(error); // MeshError('…', 'not_found', { details: { reason: 'NOGROUP' } })
 * }
 * ```
 */
export function meshErrorFromRedis(error: unknown): MeshError {
  if (MeshError.isInstance(error)) return error;
  if (typeof DOMException !== 'undefined' && error instanceof DOMException) {
    // AbortSignal.reason: a caller's cancellation or deadline, not a Redis failure.
    return MeshError.from(error);
  }
  if (!(error instanceof Error)) {
    return new MeshError(`redis: ${String(error)}`, 'internal', { cause: error });
  }
  const message = error.message;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new MeshError(`redis unavailable: ${message}`, 'unavailable', {
      cause: error,
      details: { reason: code },
    });
  }
  if (error.name === 'ReplyError') {
    const prefix = /^([A-Z]+)/.exec(message)?.[1] ?? 'ERR';
    // A generic `ERR …` reply means this package sent something Redis did not accept: our bug, not the
    // caller's, so `internal` rather than `invalid_argument`.
    const mapped = REPLY_CODES[prefix] ?? 'internal';
    return new MeshError(`redis: ${message}`, mapped, { cause: error, details: { reason: prefix } });
  }
  if (error.name === 'MaxRetriesPerRequestError') {
    return new MeshError(`redis unavailable: ${message}`, 'unavailable', {
      cause: error,
      details: { reason: 'MAX_RETRIES' },
    });
  }
  if (CLOSED_MESSAGE.test(message) || error.name === 'AbortError') {
    // ioredis' own AbortError means "the connection went away with the command in flight".
    const reason = /timed out/i.test(message) ? 'TIMEOUT' : 'CONNECTION_CLOSED';
    return new MeshError(`redis unavailable: ${message}`, 'unavailable', {
      cause: error,
      details: { reason },
    });
  }
  return new MeshError(`redis: ${message}`, 'internal', { cause: error });
}

/** True when `error` (already converted) means Redis could not be reached. */
export function isRedisUnavailable(error: unknown): boolean {
  return MeshError.isInstance(error) && error.code === 'unavailable';
}
