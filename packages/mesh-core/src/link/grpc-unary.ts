import { type ClientHttp2Stream, constants, type IncomingHttpHeaders } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Http2SessionManager } from '@connectrpc/connect-node';
import {
  canceledError,
  connectErrorFromNodeReason,
  connectErrorFromResetCode,
  deadlineExceededError,
} from './transport-errors.js';

/** One unary gRPC call for {@link grpcUnary}. */
export interface GrpcUnaryRequest {
  /** Request path, `/<package.Service>/<Method>` after any base path. */
  path: string;
  /** Extra request headers (metadata), lower-case names. */
  headers: Record<string, string>;
  /** The serialized request message. */
  message: Uint8Array;
  /** Deadline of the call, in milliseconds (sent as `grpc-timeout` and enforced here). Must be > 0. */
  timeoutMs: number;
  /** Cancels the call (the stream is reset with `CANCEL`). */
  signal?: AbortSignal | undefined;
  /** Largest response message accepted, in bytes. */
  readMaxBytes: number;
}

const USER_AGENT = 'kidsstories-mesh';
const HEADER_BYTES = 5;

/**
 * A lean unary gRPC call over a Connect `Http2SessionManager` (the same HTTP/2 session, keepalive and
 * reconnects as the link's Connect client). It speaks exactly the gRPC wire Connect's client speaks (binary
 * protobuf, one length-prefixed message each way, `grpc-timeout`, status in trailers) but without its
 * per-call async-iterable pipeline, linked abort controllers and interceptor chain, which dominated the
 * gateway's CPU per forwarded call. Responses are never compressed: no `grpc-accept-encoding` is sent.
 *
 * Rejects with a `ConnectError` built like connect-node's: Node errors keep their `cause` and get
 * connect-node's code (`ECONNREFUSED` is `unavailable`…), HTTP/2 resets map like connect-node's, a non-zero
 * `grpc-status` becomes a `ConnectError` whose metadata holds the response headers and trailers.
 *
 * @internal
 */
export function grpcUnary(
  sessionManager: Http2SessionManager,
  request: GrpcUnaryRequest,
): Promise<Uint8Array> {
  const { signal } = request;
  if (signal?.aborted) return Promise.reject(canceledError(signal.reason));
  return new Promise<Uint8Array>((resolve, reject) => {
    let stream: ClientHttp2Stream | undefined;
    let settled = false;
    let responseHeaders: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    let received = 0;

    const finish = (error: ConnectError | undefined, message?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        // Like connect-node: a canceled call resets with CANCEL, any other failure with INTERNAL_ERROR.
        if (stream && !stream.closed) {
          stream.close(
            error.code === Code.Canceled ? constants.NGHTTP2_CANCEL : constants.NGHTTP2_INTERNAL_ERROR,
          );
        }
        reject(error);
      } else {
        resolve(message as Uint8Array);
      }
    };
    const onAbort = () => finish(canceledError(signal?.reason));
    const timer = setTimeout(() => finish(deadlineExceededError()), request.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    const frame = Buffer.allocUnsafe(HEADER_BYTES + request.message.byteLength);
    frame[0] = 0;
    frame.writeUInt32BE(request.message.byteLength, 1);
    frame.set(request.message, HEADER_BYTES);
    const headers = {
      ...request.headers,
      'content-type': 'application/grpc+proto',
      te: 'trailers',
      'grpc-timeout': grpcTimeout(request.timeoutMs),
      'user-agent': USER_AGENT,
    };

    sessionManager.request('POST', request.path, headers, {}).then(
      (opened) => {
        stream = opened;
        if (settled) {
          // Canceled or timed out while the session was connecting; the call already failed, so a later
          // stream error (the session going away) has no one to report to.
          opened.on('error', () => {});
          opened.close(constants.NGHTTP2_CANCEL);
          return;
        }
        opened.on('response', (received) => {
          responseHeaders = received;
        });
        opened.on('trailers', (received) => {
          trailers = received;
        });
        opened.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.byteLength;
          sessionManager.notifyResponseByteRead(opened);
          if (received > request.readMaxBytes + HEADER_BYTES) {
            finish(
              new ConnectError(
                `message size is larger than configured readMaxBytes ${request.readMaxBytes}`,
                Code.ResourceExhausted,
              ),
            );
          }
        });
        opened.on('error', (error) => {
          // The server answered and closed before the request was written: its answer wins.
          if (opened.writableEnded && (error as NodeJS.ErrnoException).code === 'ERR_STREAM_WRITE_AFTER_END')
            return;
          finish(connectErrorFromNodeReason(error));
        });
        // The answer is complete when the readable side ends, even while a large request is still being
        // written (a trailers-only rejection of an oversized request).
        const complete = () => {
          if (settled) return;
          // A stream the peer reset (rather than answered) fails like connect-node's client reports it.
          const reset = trailers === undefined ? connectErrorFromResetCode(opened.rstCode) : undefined;
          if (reset) return finish(reset);
          const outcome = readResponse(responseHeaders, trailers, chunks, received, request.readMaxBytes);
          if (outcome instanceof ConnectError) finish(outcome);
          else finish(undefined, outcome);
        };
        opened.on('end', complete);
        opened.on('close', complete);
        opened.end(frame);
      },
      (error: unknown) => finish(connectErrorFromNodeReason(error)),
    );
  });
}

/** The unary answer, or the `ConnectError` the status, headers or framing call for. */
function readResponse(
  headers: IncomingHttpHeaders | undefined,
  trailers: IncomingHttpHeaders | undefined,
  chunks: Buffer[],
  received: number,
  readMaxBytes: number,
): Uint8Array | ConnectError {
  if (headers === undefined)
    return new ConnectError('protocol error: the stream closed without a response', Code.Internal);
  const status = Number(headers[':status']);
  if (status !== 200)
    return new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status), metadataOf(headers));
  const contentType = String(headers['content-type'] ?? '');
  if (!contentType.startsWith('application/grpc')) {
    return new ConnectError(`unsupported content type ${contentType}`, Code.Internal, metadataOf(headers));
  }
  const encoding = headers['grpc-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return new ConnectError(`unsupported response compression ${String(encoding)}`, Code.Internal);
  }
  // Trailers-only answers carry the status in the headers.
  const final = trailers ?? headers;
  const grpcStatus = final['grpc-status'];
  if (grpcStatus === undefined) return new ConnectError('protocol error: missing status', Code.Internal);
  if (Number(grpcStatus) !== 0) return grpcStatusError(final, headers, trailers);
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
  if (body.byteLength < HEADER_BYTES) {
    return new ConnectError('protocol error: missing output message for unary method', Code.Unimplemented);
  }
  if (body[0] !== 0) return new ConnectError('protocol error: received a compressed message', Code.Internal);
  const length = body.readUInt32BE(1);
  if (length > readMaxBytes) {
    return new ConnectError(
      `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
      Code.ResourceExhausted,
    );
  }
  if (body.byteLength < HEADER_BYTES + length) {
    return new ConnectError('protocol error: promised message size is larger than the body', Code.Internal);
  }
  if (body.byteLength > HEADER_BYTES + length) {
    return new ConnectError(
      'protocol error: received extra output message for unary method',
      Code.Unimplemented,
    );
  }
  return body.subarray(HEADER_BYTES, HEADER_BYTES + length);
}

/**
 * The `ConnectError` of a non-zero `grpc-status` in `final` (the trailers, or the headers of a trailers-only
 * answer); its metadata holds the response headers and trailers. @internal
 */
export function grpcStatusError(
  final: IncomingHttpHeaders,
  headers: IncomingHttpHeaders | undefined,
  trailers: IncomingHttpHeaders | undefined,
): ConnectError {
  const code = Number(final['grpc-status']);
  const message = final['grpc-message'];
  return new ConnectError(
    decodeGrpcMessage(typeof message === 'string' ? message : ''),
    code in Code ? (code as Code) : Code.Unknown,
    metadataOf(headers, trailers),
  );
}

/** `grpc-timeout`: at most 8 digits and a unit. */
function grpcTimeout(timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  return ms < 1e8 ? `${ms}m` : `${Math.min(99_999_999, Math.ceil(ms / 1000))}S`;
}

function decodeGrpcMessage(message: string): string {
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}

function metadataOf(...sources: Array<IncomingHttpHeaders | undefined>): Headers {
  const metadata = new Headers();
  for (const source of sources) {
    if (!source) continue;
    for (const [name, value] of Object.entries(source)) {
      if (name.startsWith(':') || value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) metadata.append(name, item);
      else metadata.set(name, String(value));
    }
  }
  return metadata;
}

/** The gRPC code for a non-200 HTTP status (gRPC's HTTP-to-gRPC status mapping). */
function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}
