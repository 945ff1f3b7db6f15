import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import { parseTimeout, setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import { envelope } from './grpc-envelope.js';
import { connectErrorFromResetCode, deadlineExceededError } from './transport-errors.js';

// The server side of one unary gRPC call without Connect's per-call pipeline (see
// docs/decisions/0004-lean-unary-grpc-path.md). It answers on the wire exactly as connect-node's gRPC handler
// does, and it only takes requests whose handling it reproduces: anything else (compression, an invalid
// `grpc-timeout`, the JSON codec, GET…) is left to Connect.

const HEADER_BYTES = 5;
const FLAG_COMPRESSED = 0b01;
const CONTENT_TYPES = new Set(['application/grpc', 'application/grpc+proto']);
const RESPONSE_HEADERS = Object.freeze({ 'content-type': 'application/grpc+proto' });
const OK_TRAILERS = Object.freeze({ 'grpc-status': '0' });

/** How one unary method is served by {@link serveGrpcUnary}. @internal */
export interface GrpcUnaryMethod<I, O> {
  /** Largest request message accepted, in bytes (Connect's `readMaxBytes`). */
  readMaxBytes: number;
  /** Parses the request message; throws on malformed input (answered as `internal`, like Connect). */
  decode(bytes: Uint8Array): I;
  /** Serializes the answer. */
  encode(output: O): Uint8Array;
  /** Runs the call; rejects with a `ConnectError` (anything else is answered as `internal`). */
  handle(input: I, call: GrpcUnaryServerCall): Promise<O>;
}

/** What a unary handler sees of its request. @internal */
export interface GrpcUnaryServerCall {
  /** Request headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** The connection (a `TLSSocket` under TLS), for client certificates. */
  socket: unknown;
  /** Aborted by the deadline (`deadline_exceeded`) or when the caller resets the stream or goes away. */
  signal: AbortSignal;
  /** Milliseconds left until the deadline, or `undefined` without one. */
  timeoutMs(): number | undefined;
}

/**
 * The parsed `grpc-timeout` when the lean path may serve this request exactly as connect-node would (a POST of
 * binary gRPC, uncompressed both ways, with a valid timeout), or `undefined` to leave it to Connect.
 *
 * @internal
 */
export function leanGrpcUnaryTimeout(
  request: Http2ServerRequest,
): { timeoutMs?: number | undefined } | undefined {
  const headers = request.headers;
  if (request.method !== 'POST' || !CONTENT_TYPES.has(headers['content-type'] ?? '')) return undefined;
  const encoding = headers['grpc-encoding'];
  if (encoding !== undefined && encoding !== 'identity') return undefined;
  // A client that accepts compressed answers may get one from Connect: leave the negotiation to it.
  if (headers['grpc-accept-encoding'] !== undefined) return undefined;
  const timeout = headers['grpc-timeout'];
  if (timeout === undefined) return {};
  const parsed = parseTimeout(String(timeout), Number.MAX_SAFE_INTEGER);
  return parsed.error ? undefined : { timeoutMs: parsed.timeoutMs };
}

/**
 * Serves one unary gRPC call: reads the one enveloped request message (limits and protocol errors as in
 * Connect), runs `method.handle` with a signal that carries the deadline and the caller's cancellation, and
 * writes headers, the enveloped answer and the status trailers in one go. One `AbortController` and at most
 * one timer per call; the signal is not aborted after a normal completion.
 *
 * @internal Call only for requests {@link leanGrpcUnaryTimeout} accepted.
 */
export function serveGrpcUnary<I, O>(
  request: Http2ServerRequest,
  response: Http2ServerResponse,
  timeoutMs: number | undefined,
  method: GrpcUnaryMethod<I, O>,
): void {
  const controller = new AbortController();
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let answered = false;
  const onDeadline = () => controller.abort(deadlineExceededError());
  if (timeoutMs !== undefined) {
    if (timeoutMs <= 0) onDeadline();
    else timer = setTimeout(onDeadline, timeoutMs);
  }
  request.once('close', () => {
    clearTimeout(timer);
    if (answered || controller.signal.aborted) return;
    // Like connect-node: the stream's reset code becomes the abort reason.
    controller.abort(connectErrorFromResetCode(request.stream.rstCode));
  });

  const respond = (output: O | undefined, error: unknown) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    if (response.destroyed || response.writableEnded) return;
    if (error === undefined) {
      let frame: Buffer;
      try {
        frame = envelope(method.encode(output as O));
      } catch (cause) {
        const message = cause instanceof Error ? cause.message : String(cause);
        return writeError(response, new ConnectError(`serialize binary: ${message}`, Code.Internal));
      }
      response.writeHead(200, RESPONSE_HEADERS);
      response.addTrailers(OK_TRAILERS);
      response.end(frame);
      return;
    }
    writeError(
      response,
      error instanceof ConnectError
        ? error
        : new ConnectError('internal error', Code.Internal, undefined, undefined, error),
    );
  };

  const chunks: Buffer[] = [];
  let received = 0;
  let failed = false;
  let headerChecked = false;
  request.on('data', (chunk: Buffer) => {
    if (failed) return;
    chunks.push(chunk);
    received += chunk.byteLength;
    // Connect rejects an envelope as soon as its header announces more than readMaxBytes.
    if (!headerChecked && received >= HEADER_BYTES) {
      headerChecked = true;
      const head = chunks[0]!.byteLength >= HEADER_BYTES ? chunks[0]! : Buffer.concat(chunks, received);
      const length = head.readUInt32BE(1);
      if (length > method.readMaxBytes) {
        failed = true;
        chunks.length = 0;
        respond(undefined, readMaxBytesError(length, method.readMaxBytes));
      }
    }
  });
  request.once('end', () => {
    if (failed || answered) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
    chunks.length = 0;
    let input: I;
    try {
      input = readUnaryRequest(body, method);
    } catch (error) {
      return respond(undefined, error);
    }
    const call: GrpcUnaryServerCall = {
      headers: request.headers,
      socket: request.socket,
      signal: controller.signal,
      timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
    };
    method.handle(input, call).then(
      (output) => respond(output, undefined),
      (error: unknown) => respond(undefined, error),
    );
  });
}

/** The one request message of a unary call, with Connect's errors for anything else. */
function readUnaryRequest<I>(body: Buffer, method: GrpcUnaryMethod<I, unknown>): I {
  if (body.byteLength === 0) {
    throw new ConnectError('protocol error: missing input message for unary method', Code.Unimplemented);
  }
  if (body.byteLength < HEADER_BYTES) {
    throw new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument);
  }
  const flags = body[0]!;
  const length = body.readUInt32BE(1);
  if (body.byteLength < HEADER_BYTES + length) {
    throw new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument);
  }
  if ((flags & FLAG_COMPRESSED) === FLAG_COMPRESSED) {
    throw new ConnectError('received compressed envelope, but do not know how to decompress', Code.Internal);
  }
  let input: I;
  try {
    input = method.decode(body.subarray(HEADER_BYTES, HEADER_BYTES + length));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConnectError(`parse binary: ${message}`, Code.Internal);
  }
  const rest = body.byteLength - HEADER_BYTES - length;
  if (rest > 0) {
    // Connect reads on to see whether a second message follows, with the same envelope checks.
    if (rest < HEADER_BYTES)
      throw new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument);
    const next = body.readUInt32BE(HEADER_BYTES + length + 1);
    if (next > method.readMaxBytes) throw readMaxBytesError(next, method.readMaxBytes);
    if (rest < HEADER_BYTES + next) {
      throw new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument);
    }
    throw new ConnectError(
      'protocol error: received extra input message for unary method',
      Code.Unimplemented,
    );
  }
  return input;
}

function readMaxBytesError(length: number, readMaxBytes: number): ConnectError {
  return new ConnectError(
    `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
    Code.ResourceExhausted,
  );
}

/** Headers, no message, the status in the trailers: what connect-node writes for a failed unary call. */
function writeError(response: Http2ServerResponse, error: ConnectError): void {
  const trailers: Record<string, string> = {};
  setTrailerStatus(new Headers(OK_TRAILERS), error).forEach((value, name) => {
    trailers[name] = value;
  });
  response.writeHead(200, RESPONSE_HEADERS);
  response.addTrailers(trailers);
  response.end();
}
