import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { create, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import {
  type CallToolChannelRequest,
  CallToolChannelRequestSchema,
  CallToolChannelResponseSchema,
  type CallToolRequest,
  type CallToolResponseSchema,
  type ChannelCall,
  type ChannelErrorSchema,
} from '../gen/mesh/v1/mesh_pb.js';
import { createEnvelopeReader, envelope } from './grpc-envelope.js';
import type { MeshRequestScope, PeerTlsInfo } from './mesh-request-scope.js';

// The node's side of CallToolChannel (see the proto and docs/reference/wire.md "Call channel"): many calls on
// one stream, each with its own id, deadline, metadata and AbortSignal, answered in the order they finish.

/** Most calls one channel may have in flight; more are answered `resource_exhausted` without running. */
export const MAX_CHANNEL_CALLS = 4096;

type CallToolAnswer = MessageInitShape<typeof CallToolResponseSchema>;
/** @internal */
export type ChannelAnswer = MessageInitShape<typeof CallToolChannelResponseSchema>;

/** What a channel needs from the node. @internal */
export interface CallChannelContext {
  /** The unary `CallTool` handler (authentication, hop limit, error mapping); rejects with a `ConnectError`. */
  callTool(request: CallToolRequest, scope: MeshRequestScope): Promise<CallToolAnswer>;
  /** A header of the stream (credentials are read from here, never from a call's metadata). */
  streamHeader(name: string): string | null;
  /** What the TLS layer knows about the caller. */
  tls(): PeerTlsInfo | undefined;
  /** The node's id, for error messages. */
  nodeId: string;
}

/** One open call channel on a node. @internal */
export interface CallChannelSession {
  /** Handles one message from the client. */
  receive(message: CallToolChannelRequest): void;
  /** The client will send no more calls: end the stream once the calls in flight are answered. */
  finishReceiving(): void;
  /** The node is draining: refuse new calls (`unavailable`, not processed), end once idle. */
  drain(): void;
  /** The stream is gone: abort every call in flight with `reason`. Nothing more is sent. */
  abort(reason: ConnectError): void;
  /** Calls in flight. */
  readonly inFlight: number;
}

/** How a {@link CallChannelSession} sends. @internal */
export interface CallChannelSink {
  /** Sends one answer. */
  send(answer: ChannelAnswer): void;
  /** Ends the stream with an OK status (every call was answered). */
  end(): void;
}

/**
 * The transport-independent core of a call channel: the lean HTTP/2 path ({@link serveCallChannel}) and the
 * Connect handler (for compressed streams and other gRPC clients) both drive one.
 *
 * @internal
 */
export function createCallChannelSession(
  context: CallChannelContext,
  sink: CallChannelSink,
): CallChannelSession {
  const calls = new Map<number, AbortController>();
  let receiving = true;
  let draining = false;
  let ended = false;

  const endIfIdle = () => {
    if (ended || calls.size > 0 || (receiving && !draining)) return;
    ended = true;
    sink.end();
  };
  const answer = (value: ChannelAnswer) => {
    if (!ended) sink.send(value);
  };
  const fail = (callId: number, error: ConnectError) =>
    answer({ callId, outcome: { case: 'error', value: channelErrorOf(error) } });

  const start = (callId: number, call: ChannelCall) => {
    if (calls.has(callId)) {
      return fail(
        callId,
        new ConnectError(`call id ${callId} is already in flight on this channel`, Code.InvalidArgument),
      );
    }
    if (draining) {
      return fail(
        callId,
        notProcessed(`node "${context.nodeId}" is draining; the call was not processed`, Code.Unavailable),
      );
    }
    if (calls.size >= MAX_CHANNEL_CALLS) {
      return fail(
        callId,
        notProcessed(
          `more than ${MAX_CHANNEL_CALLS} calls in flight on one channel; the call was not processed`,
          Code.ResourceExhausted,
        ),
      );
    }
    if (call.request === undefined) {
      return fail(callId, new ConnectError('channel call without a request', Code.InvalidArgument));
    }
    const controller = new AbortController();
    calls.set(callId, controller);
    const timeoutMs = Number(call.timeoutMs);
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : undefined;
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => controller.abort(new ConnectError('the operation timed out', Code.DeadlineExceeded)),
            timeoutMs,
          );
    const metadata = call.metadata;
    const scope: MeshRequestScope = {
      header: (name) => (name === 'authorization' ? context.streamHeader(name) : (metadata[name] ?? null)),
      tls: context.tls,
      signal: controller.signal,
      timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
    };
    const settle = (value: ChannelAnswer) => {
      clearTimeout(timer);
      calls.delete(callId);
      answer(value);
      endIfIdle();
    };
    context.callTool(call.request, scope).then(
      (response) => settle({ callId, outcome: { case: 'response', value: response } }),
      (error: unknown) =>
        settle({
          callId,
          outcome: {
            case: 'error',
            value: channelErrorOf(
              error instanceof ConnectError
                ? error
                : new ConnectError('internal error', Code.Internal, undefined, undefined, error),
            ),
          },
        }),
    );
  };

  return {
    receive(message) {
      if (ended) return;
      const kind = message.kind;
      if (kind.case === 'call') {
        if (!receiving) return;
        start(message.callId, kind.value);
      } else if (kind.case === 'cancel') {
        calls
          .get(message.callId)
          ?.abort(new ConnectError('the call was canceled by the client', Code.Canceled));
      }
    },
    finishReceiving() {
      receiving = false;
      endIfIdle();
    },
    drain() {
      draining = true;
      endIfIdle();
    },
    abort(reason) {
      ended = true;
      for (const controller of calls.values()) controller.abort(reason);
      calls.clear();
    },
    get inFlight() {
      return calls.size;
    },
  };
}

/** Request header in which a peer link announces the largest answer it reads, in bytes. */
export const CHANNEL_READ_MAX_BYTES_HEADER = 'mesh-read-max-bytes';

/** The announced limit of {@link CHANNEL_READ_MAX_BYTES_HEADER}; unbounded when absent or invalid. @internal */
export function announcedReadMaxBytes(value: string | null): number {
  const announced = Number(value);
  return value !== null && Number.isSafeInteger(announced) && announced > 0
    ? announced
    : Number.POSITIVE_INFINITY;
}

/**
 * The answer sent instead of one the caller could not read (it would have to drop the channel): that call alone
 * fails `resource_exhausted`, as its unary call would fail on the caller's `readMaxBytes`. @internal
 */
export function oversizedAnswer(answer: ChannelAnswer, size: number, maxBytes: number): ChannelAnswer {
  const error = new ConnectError(
    `message size ${size} is larger than configured readMaxBytes ${maxBytes}`,
    Code.ResourceExhausted,
  );
  return { callId: answer.callId ?? 0, outcome: { case: 'error', value: channelErrorOf(error) } };
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A ConnectError marked as not processed, so the caller may retry or fail over. */
function notProcessed(message: string, code: Code): ConnectError {
  const metadata = new Headers();
  metadata.set(
    'mesh-error-details-bin',
    Buffer.from(JSON.stringify({ reason: 'not_processed' })).toString('base64'),
  );
  return new ConnectError(message, code, metadata);
}

/** The wire form of a failed call: code, message and the trailers CallTool would send. */
export function channelErrorOf(error: ConnectError): MessageInitShape<typeof ChannelErrorSchema> {
  const metadata: Record<string, string> = {};
  error.metadata.forEach((value, name) => {
    metadata[name] = value;
  });
  return { code: error.code, message: error.rawMessage, metadata };
}

const RESPONSE_HEADERS = Object.freeze({ 'content-type': 'application/grpc+proto' });

/**
 * Serves CallToolChannel over plain, uncompressed gRPC on HTTP/2 without Connect's per-message pipeline: reads
 * enveloped requests as they arrive, writes one enveloped answer per call. Protocol errors (a compressed or
 * oversized envelope, a message that does not parse) end the stream with the status Connect would send; the
 * calls in flight are then aborted.
 *
 * @internal Call only for POSTs of `application/grpc(+proto)` without compression.
 */
export function serveCallChannel(
  request: Http2ServerRequest,
  response: Http2ServerResponse,
  readMaxBytes: number,
  context: Omit<CallChannelContext, 'streamHeader'>,
  register: (session: CallChannelSession) => () => void,
): void {
  let closed = false;
  const answerMaxBytes = announcedReadMaxBytes(headerValue(request.headers[CHANNEL_READ_MAX_BYTES_HEADER]));
  response.writeHead(200, RESPONSE_HEADERS);
  const finish = (error?: ConnectError) => {
    if (closed) return;
    closed = true;
    unregister();
    if (response.destroyed || response.writableEnded) return;
    const trailers: Record<string, string> = {};
    setTrailerStatus(new Headers({ 'grpc-status': '0' }), error).forEach((value, name) => {
      trailers[name] = value;
    });
    response.addTrailers(trailers);
    response.end();
  };
  const session = createCallChannelSession(
    {
      ...context,
      streamHeader: (name) => headerValue(request.headers[name]),
    },
    {
      send: (answer) => {
        if (closed || response.destroyed) return;
        let bytes = toBinary(CallToolChannelResponseSchema, create(CallToolChannelResponseSchema, answer));
        if (bytes.byteLength > answerMaxBytes) {
          bytes = toBinary(
            CallToolChannelResponseSchema,
            create(CallToolChannelResponseSchema, oversizedAnswer(answer, bytes.byteLength, answerMaxBytes)),
          );
        }
        response.write(envelope(bytes));
      },
      end: () => finish(),
    },
  );
  const unregister = register(session);
  const protocolError = (error: ConnectError) => {
    session.abort(error);
    finish(error);
  };

  const reader = createEnvelopeReader({
    schema: CallToolChannelRequestSchema,
    readMaxBytes,
    compressedError: () =>
      new ConnectError('received compressed envelope, but do not know how to decompress', Code.Internal),
    onMessage: (message) => {
      session.receive(message);
      return !closed;
    },
    onError: protocolError,
  });
  request.on('data', (chunk: Buffer) => {
    if (!closed) reader.push(chunk);
  });
  request.once('end', () => {
    if (closed) return;
    if (reader.partial) {
      return protocolError(new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument));
    }
    session.finishReceiving();
  });
  request.once('close', () => {
    if (closed) return;
    closed = true;
    unregister();
    session.abort(new ConnectError('the call channel closed', Code.Canceled));
  });
}
