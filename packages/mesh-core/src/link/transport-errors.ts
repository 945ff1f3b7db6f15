import { constants } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import { isLocalFailure, MeshError, meshErrorFromConnect } from '../errors/mesh-error.js';

// The one module where the failures of a peer link's transport become errors the mesh understands (issue 16,
// house style rule 13): HTTP/2 reset codes and Node stream errors become `ConnectError`s the way connect-node
// reports them (so the lean unary path, the call channel, the lean server and Connect's own paths all say the same
// thing), and every `ConnectError` or Node error a link sees becomes a `MeshError` in `meshErrorFromTransport`.
// One message per case; docs/reference/wire.md "Errors" describes the mapping.

/** HTTP/2 reset codes (RFC 9113 section 7) with a gRPC meaning, as connect-node maps them. */
const RESET_CODES: ReadonlyMap<number, { name: string; code: Code }> = new Map([
  [constants.NGHTTP2_PROTOCOL_ERROR, { name: 'PROTOCOL_ERROR', code: Code.Internal }],
  [constants.NGHTTP2_INTERNAL_ERROR, { name: 'INTERNAL_ERROR', code: Code.Internal }],
  [constants.NGHTTP2_FLOW_CONTROL_ERROR, { name: 'FLOW_CONTROL_ERROR', code: Code.Internal }],
  [constants.NGHTTP2_SETTINGS_TIMEOUT, { name: 'SETTINGS_TIMEOUT', code: Code.Internal }],
  [constants.NGHTTP2_FRAME_SIZE_ERROR, { name: 'FRAME_SIZE_ERROR', code: Code.Internal }],
  [constants.NGHTTP2_REFUSED_STREAM, { name: 'REFUSED_STREAM', code: Code.Unavailable }],
  [constants.NGHTTP2_CANCEL, { name: 'CANCEL', code: Code.Canceled }],
  [constants.NGHTTP2_COMPRESSION_ERROR, { name: 'COMPRESSION_ERROR', code: Code.Internal }],
  [constants.NGHTTP2_CONNECT_ERROR, { name: 'CONNECT_ERROR', code: Code.Internal }],
  [constants.NGHTTP2_ENHANCE_YOUR_CALM, { name: 'ENHANCE_YOUR_CALM', code: Code.ResourceExhausted }],
  [constants.NGHTTP2_INADEQUATE_SECURITY, { name: 'INADEQUATE_SECURITY', code: Code.PermissionDenied }],
  [constants.NGHTTP2_HTTP_1_1_REQUIRED, { name: 'HTTP_1_1_REQUIRED', code: Code.PermissionDenied }],
]);

/**
 * The `ConnectError` of an HTTP/2 stream closed with reset code `rstCode` (connect-node's
 * `connectErrorFromH2ResetCode`, which it does not export), or `undefined` for `NO_ERROR`, `STREAM_CLOSED`
 * (deliberately unmapped, as gRPC says) and unknown codes. The message is the same on every path:
 * `http/2 stream closed with error code REFUSED_STREAM (0x7)`. A refused stream is `unavailable` and marked
 * `not_processed` (RFC 9113 section 8.7: the peer did not process it).
 *
 * @internal Used by the lean unary client and server and by the call channel client.
 */
export function connectErrorFromResetCode(rstCode: number | undefined): ConnectError | undefined {
  const entry = rstCode === undefined ? undefined : RESET_CODES.get(rstCode);
  if (entry === undefined || rstCode === undefined) return undefined;
  const message = `http/2 stream closed with error code ${entry.name} (0x${rstCode.toString(16)})`;
  if (rstCode === constants.NGHTTP2_REFUSED_STREAM) return notProcessedError(message);
  return new ConnectError(message, entry.code);
}

/** Node error codes of a connection that went away (ECONNRESET…) or a stream destroyed under the call. */
const ABORTED_CODES = new Set([
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_STREAM_DESTROYED',
  'ERR_HTTP2_INVALID_STREAM',
  'ECONNRESET',
]);

/** Node error codes of a peer that cannot be reached. */
const UNREACHABLE_CODES = new Set(['ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED']);

/**
 * connect-node's mapping of Node errors (its `connectErrorFromNodeReason`, which it does not export): a stream
 * destroyed or a connection reset is `aborted`, an unreachable peer (`ECONNREFUSED`, DNS failures, a connect
 * timeout) `unavailable`, anything else `internal`. The Node error stays in `cause`, where
 * {@link meshErrorFromTransport} looks for TLS failures and unsent requests.
 *
 * @internal
 */
export function connectErrorFromNodeReason(reason: unknown): ConnectError {
  const codes = errorCodes(reason, 10);
  let code = Code.Internal;
  if (codes.some((c) => ABORTED_CODES.has(c))) code = Code.Aborted;
  else if (codes.some((c) => UNREACHABLE_CODES.has(c))) code = Code.Unavailable;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}

/** The `ConnectError` of a call its caller canceled, keeping the signal's reason as `cause`. @internal */
export function canceledError(reason: unknown): ConnectError {
  return new ConnectError('the operation was aborted', Code.Canceled, undefined, undefined, reason);
}

/** The `ConnectError` of a call whose deadline passed on this side. @internal */
export function deadlineExceededError(): ConnectError {
  return new ConnectError('the operation timed out', Code.DeadlineExceeded);
}

/**
 * `unavailable`, marked `details.reason: 'not_processed'` (the peer did not run the request), so a caller may retry
 * or fail over without doing work twice. The mark travels like a peer's own details (`mesh-error-details-bin`).
 *
 * @internal
 */
export function notProcessedError(message: string): ConnectError {
  const metadata = new Headers();
  metadata.set(
    'mesh-error-details-bin',
    Buffer.from(JSON.stringify({ reason: 'not_processed' })).toString('base64'),
  );
  return new ConnectError(message, Code.Unavailable, metadata);
}

/**
 * Converts anything a peer transport rejected with into a `MeshError` naming `origin` (the peer's URL) in
 * `details.origin` unless the peer named itself:
 *
 * - a TLS handshake or certificate failure (connect-node says `internal`) is `unavailable`: the peer is unusable
 *   from here, so a gateway may fail over to a replica with a valid certificate;
 * - a request the peer never processed (a stream it refused with `REFUSED_STREAM`, typically a call racing its
 *   GOAWAY; a stream that never left because the session had received GOAWAY or was gone), which connect-node
 *   reports as `internal` or `unknown`, is `unavailable` with `details.reason: 'not_processed'`;
 * - any other `ConnectError` keeps its code and the details the peer sent (`meshErrorFromConnect`);
 * - anything else goes through `MeshError.from` (`internal` unless it is an abort or a timeout).
 *
 * @internal The one boundary of a peer link (`createPeerLink`).
 */
export function meshErrorFromTransport(reason: unknown, origin: string): MeshError {
  if (isTlsFailure(reason)) {
    const message = reason instanceof Error ? reason.message : String(reason);
    return new MeshError(`TLS handshake with ${origin} failed: ${message}`, 'unavailable', {
      cause: reason,
      details: { origin },
    });
  }
  if (reason instanceof ConnectError && isUnprocessedRequest(reason)) {
    return new MeshError(`${origin} did not process the request: ${reason.rawMessage}`, 'unavailable', {
      cause: reason,
      details: { origin, reason: 'not_processed' },
    });
  }
  const error = reason instanceof ConnectError ? meshErrorFromConnect(reason) : MeshError.from(reason);
  if (error.details.origin !== undefined) return error;
  return new MeshError(error.message, error.code, {
    cause: error.cause,
    details: { ...error.details, origin },
  });
}

/**
 * A call failure seen through {@link meshErrorFromTransport}, except that a call `canceled` although its caller did
 * not cancel it (the connection went away under it: the peer process died or the network dropped it, resetting
 * the stream) is `unavailable` with `details.reason: 'connection_lost'`: the peer is unreachable, and the call may
 * have run (not `not_processed`). A local failure or a call its caller canceled is returned unchanged.
 *
 * @internal
 */
export function meshErrorOfCall(reason: unknown, origin: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || isLocalFailure(reason)) return reason;
  const failure = meshErrorFromTransport(reason, origin);
  if (failure.code !== 'canceled') return failure;
  return new MeshError(
    `the connection to ${origin} was lost during the call: ${failure.message}`,
    'unavailable',
    {
      cause: reason,
      details: { ...failure.details, origin, reason: 'connection_lost' },
    },
  );
}

const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** True when `reason` (or an error in its `cause` chain) is a TLS handshake or certificate failure. */
function isTlsFailure(reason: unknown): boolean {
  return errorCodes(reason, 5).some((code) => TLS_ERROR_CODE.test(code));
}

/**
 * Node HTTP/2 error codes raised before a request reached the peer: the session had already received GOAWAY
 * or was gone when the stream was opened, or the stream was cancelled while still pending.
 */
const UNSENT_REQUEST_CODES = new Set([
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
]);

/**
 * True when connect reports as `internal` or `unknown` a request the peer never processed: its HTTP/2 stream
 * was refused (`NGHTTP2_REFUSED_STREAM`) or never left this process (see {@link UNSENT_REQUEST_CODES}).
 * Errors the peer sent itself carry no Node error in their cause chain and are never matched.
 */
function isUnprocessedRequest(error: ConnectError): boolean {
  if (error.code !== Code.Internal && error.code !== Code.Unknown) return false;
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 5 && cause instanceof Error; depth += 1) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ERR_HTTP2_STREAM_ERROR' && cause.message.includes('NGHTTP2_REFUSED_STREAM')) return true;
    if (typeof code === 'string' && UNSENT_REQUEST_CODES.has(code)) return true;
    cause = cause.cause;
  }
  return false;
}

/** The Node error codes (`error.code`) along `reason`'s cause chain, at most `depth` errors deep. */
function errorCodes(reason: unknown, depth: number): string[] {
  const codes: string[] = [];
  for (let error = reason, seen = 0; error instanceof Error && seen < depth; seen += 1) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') codes.push(code);
    error = error.cause;
  }
  return codes;
}
