import { Code, ConnectError } from '@connectrpc/connect';

/**
 * The closed set of error codes used across the mesh. The vocabulary is Connect's (and so gRPC's), spelled
 * in snake_case as on the Connect wire, so a code maps one-to-one onto peer links and onto JSON-RPC / MCP
 * tool errors at the edge.
 */
export type MeshErrorCode =
  | 'canceled'
  | 'unknown'
  | 'invalid_argument'
  | 'deadline_exceeded'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data_loss'
  | 'unauthenticated';

/** Every {@link MeshErrorCode}, in Connect's numeric order. */
export const MESH_ERROR_CODES: readonly MeshErrorCode[] = [
  'canceled',
  'unknown',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'data_loss',
  'unauthenticated',
];

/** Structured, JSON-serialisable detail carried with an error across links and to MCP clients. */
export interface MeshErrorDetails {
  /** The argument that failed validation, as a dotted path (`pages.2.text`). */
  field?: string;
  /** How long the caller should wait before trying again, in milliseconds. */
  retryAfterMs?: number;
  /** A limit that was exceeded (bytes, tokens, USD…), with {@link MeshErrorDetails.limitUnit}. */
  limit?: number;
  /** The unit of {@link MeshErrorDetails.limit}, such as `bytes` or `usd`. */
  limitUnit?: string;
  /** Names offered as alternatives, for example the closest tool names for an unknown tool. */
  suggestions?: string[];
  /** The peer or node where the error arose. */
  origin?: string;
  /** Anything else that helps a caller act on the error. Must be JSON-serialisable. */
  [key: string]: unknown;
}

/** Options for {@link MeshError}. */
export interface MeshErrorOptions {
  /**
   * The underlying error. Never sent over the wire; kept for logs.
   * @default none
   */
  cause?: unknown;
  /**
   * Structured details, sent over the wire.
   * @default `{}`
   */
  details?: MeshErrorDetails;
}

const BRAND = Symbol.for('@kidsstories/mesh-core/MeshError');

const CONNECT_CODE: Record<MeshErrorCode, Code> = {
  canceled: Code.Canceled,
  unknown: Code.Unknown,
  invalid_argument: Code.InvalidArgument,
  deadline_exceeded: Code.DeadlineExceeded,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  failed_precondition: Code.FailedPrecondition,
  aborted: Code.Aborted,
  out_of_range: Code.OutOfRange,
  unimplemented: Code.Unimplemented,
  internal: Code.Internal,
  unavailable: Code.Unavailable,
  data_loss: Code.DataLoss,
  unauthenticated: Code.Unauthenticated,
};

/**
 * The one error type of the mesh. Use it for every failure a caller can act on; foreign errors are converted
 * into it at exactly one boundary per adapter (see {@link MeshError.from}).
 *
 * `instanceof` works across two copies of the package (ESM and CJS) through a `Symbol.for` brand.
 *
 * @example
 * ```ts
 * throw new MeshError('page_count must be between 1 and 24', 'invalid_argument', {
 *   details: { field: 'page_count' },
 * });
 * ```
 */
export class MeshError extends Error {
  /** The code from the closed set. */
  readonly code: MeshErrorCode;
  /** Structured details, sent over the wire. */
  readonly details: MeshErrorDetails;

  constructor(message: string, code: MeshErrorCode = 'unknown', options: MeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for a `MeshError` from any copy of this package. */
  static isInstance(value: unknown): value is MeshError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return MeshError.isInstance(value);
  }

  /**
   * Converts anything thrown into a `MeshError`. A `MeshError` is returned as is, a `ConnectError` keeps its
   * code, an `AbortError` becomes `canceled` (or `deadline_exceeded` for a timeout), and anything else becomes
   * `internal`: an unexpected failure is never reported as the caller's fault.
   */
  static from(reason: unknown, fallbackCode: MeshErrorCode = 'internal'): MeshError {
    if (MeshError.isInstance(reason)) return reason;
    if (reason instanceof ConnectError) return meshErrorFromConnect(reason);
    if (reason instanceof Error) {
      if (reason.name === 'TimeoutError') {
        return new MeshError(reason.message || 'deadline exceeded', 'deadline_exceeded', { cause: reason });
      }
      if (reason.name === 'AbortError') {
        return new MeshError(reason.message || 'operation was canceled', 'canceled', { cause: reason });
      }
      return new MeshError(reason.message, fallbackCode, { cause: reason });
    }
    return new MeshError(String(reason), fallbackCode, { cause: reason });
  }

  /** The error as plain JSON, as sent to MCP clients in a tool error's `_meta["io.kidsstories/error"]`. */
  toJSON(): { code: MeshErrorCode; message: string; details: MeshErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** The Connect/gRPC code for a mesh code. */
export function connectCodeOf(code: MeshErrorCode): Code {
  return CONNECT_CODE[code];
}

/** The mesh code for a Connect/gRPC code. */
export function meshCodeOf(code: Code): MeshErrorCode {
  return MESH_ERROR_CODES[code - 1] ?? 'unknown';
}

/** Converts a `MeshError` to a `ConnectError` for a peer link; details travel as JSON in `mesh-error-details-bin`. */
export function toConnectError(error: MeshError): ConnectError {
  const metadata = new Headers();
  if (Object.keys(error.details).length > 0) {
    metadata.set('mesh-error-details-bin', Buffer.from(JSON.stringify(error.details)).toString('base64'));
  }
  if (error.details.retryAfterMs !== undefined) {
    metadata.set('retry-after-ms', String(Math.ceil(error.details.retryAfterMs)));
  }
  return new ConnectError(error.message, connectCodeOf(error.code), metadata, undefined, error);
}

/** Converts a `ConnectError` received on a peer link back into a `MeshError`, restoring its details. */
export function meshErrorFromConnect(error: ConnectError): MeshError {
  let details: MeshErrorDetails = {};
  const encoded = error.metadata.get('mesh-error-details-bin');
  if (encoded) {
    try {
      details = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as MeshErrorDetails;
    } catch {
      details = {};
    }
  }
  const retryAfter = error.metadata.get('retry-after-ms');
  if (retryAfter && details.retryAfterMs === undefined) details.retryAfterMs = Number(retryAfter);
  return new MeshError(error.rawMessage, meshCodeOf(error.code), { cause: error, details });
}

/**
 * True for failures that may be retried: the callee was unavailable or out of capacity. The request did not run,
 * except for `unavailable` with `details.reason: 'connection_lost'` (the connection to the callee broke during
 * the call, so it may have run: tools reached that way must tolerate running twice, see
 * docs/guides/operations.md).
 */
export function isRetrySafe(error: MeshError): boolean {
  return error.code === 'unavailable' || error.code === 'resource_exhausted';
}

const LOCAL_FAILURE = Symbol.for('@kidsstories/mesh-core/local-failure');

/**
 * Marks `error` as raised on this side of a link, before the request left the process: the caller's input could
 * not be sent (arguments too deep to serialise, a closed link, an expired deadline) or the caller itself failed.
 * Such a failure says nothing about the peer, so it never counts against the peer's circuit breaker and is
 * never retried on another replica. The mark is not sent over the wire. Returns `error`.
 */
export function markLocalFailure(error: MeshError): MeshError {
  Object.defineProperty(error, LOCAL_FAILURE, { value: true });
  return error;
}

/** True for an error marked with {@link markLocalFailure} (by any copy of this package). */
export function isLocalFailure(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[LOCAL_FAILURE] === true
  );
}
