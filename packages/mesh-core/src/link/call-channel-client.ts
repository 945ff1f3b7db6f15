import { type ClientHttp2Stream, constants, type IncomingHttpHeaders } from 'node:http2';
import { create, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Http2SessionManager } from '@connectrpc/connect-node';
import {
  type CallToolChannelRequestSchema,
  type CallToolChannelResponse,
  CallToolChannelResponseSchema,
  type CallToolRequestSchema,
  type CallToolResponse,
  CallToolChannelRequestSchema as RequestSchema,
} from '../gen/mesh/v1/mesh_pb.js';
import { CHANNEL_READ_MAX_BYTES_HEADER } from './call-channel-server.js';
import { createEnvelopeReader, envelope } from './grpc-envelope.js';
import { grpcStatusError } from './grpc-unary.js';
import {
  canceledError,
  connectErrorFromNodeReason,
  connectErrorFromResetCode,
  deadlineExceededError,
  notProcessedError,
} from './transport-errors.js';

// The peer link's side of CallToolChannel (see the proto and docs/reference/wire.md "Call channel"): the
// link's calls without progress share one long-lived gRPC stream instead of opening an HTTP/2 stream each.

const USER_AGENT = 'kidsstories-mesh';
/** Requests larger than this go as unary calls, so one large upload does not hold up the others. */
export const CHANNEL_MAX_REQUEST_BYTES = 64 * 1024;
/** Calls ids wrap around at 2^32; they only need to be unique among the calls in flight. */
const MAX_CALL_ID = 0xffff_ffff;

/** Returned by {@link CallChannelClient.call} when the node does not offer the channel: call it unary. */
export const CHANNEL_UNSUPPORTED = Symbol('channel unsupported');

/** One call for {@link CallChannelClient.call}. */
export interface ChannelCallRequest {
  request: MessageInitShape<typeof CallToolRequestSchema>;
  /** The call's deadline in milliseconds (> 0). */
  timeoutMs: number;
  /** The call's metadata (mesh request header names). */
  metadata: Record<string, string>;
  /** The `authorization` header value, when the link signs its calls. */
  authorization: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Multiplexes a peer link's unary calls on CallToolChannel streams. @internal */
export interface CallChannelClient {
  /**
   * Runs one call on the channel. Resolves with the node's answer or {@link CHANNEL_UNSUPPORTED} when the node
   * does not offer the channel (nothing ran); rejects with a `ConnectError` as a unary call would.
   */
  call(call: ChannelCallRequest): Promise<CallToolResponse | typeof CHANNEL_UNSUPPORTED>;
  /** Ends the open channel (its calls in flight still get their answers). */
  close(): void;
  /** Calls waiting for an answer, and channels not yet ended (issue 20: both return to 0 when idle). */
  inFlight(): { calls: number; channels: number };
}

/** Options for {@link createCallChannelClient}. @internal */
export interface CallChannelClientOptions {
  sessionManager: Http2SessionManager;
  /** The request path of CallToolChannel. */
  path: string;
  /** Largest answer accepted, in bytes. */
  readMaxBytes: number;
  /** An open channel with no call in flight for this long is ended (so an idle connection may close). */
  idleTimeoutMs: number;
}

interface PendingCall {
  resolve(response: CallToolResponse | typeof CHANNEL_UNSUPPORTED): void;
  reject(error: ConnectError): void;
}

interface Channel {
  authorization: string | undefined;
  stream: ClientHttp2Stream | undefined;
  /** Frames written before the stream opened. */
  queued: Buffer[];
  pending: Map<number, PendingCall>;
  /** True once the node answered a call: it offers the channel. */
  answered: boolean;
  ended: boolean;
  /** No longer given new calls (idle, a new token, the link closing). */
  retired: boolean;
  /** Half-closed (or to be, once open): no more frames are written. */
  closing: boolean;
  lastUsedAt: number;
}

/** @internal */
export function createCallChannelClient(options: CallChannelClientOptions): CallChannelClient {
  const { sessionManager, readMaxBytes } = options;
  let unsupported = false;
  let current: Channel | undefined;
  let nextId = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  /** Every channel opened and not yet ended, retired ones included. */
  const live = new Set<Channel>();

  const write = (channel: Channel, frame: Buffer) => {
    if (channel.closing) return;
    if (channel.stream) channel.stream.write(frame);
    else channel.queued.push(frame);
  };

  /** Fails or re-routes every call still waiting on `channel`, which is over. */
  const settleAll = (channel: Channel, error: ConnectError) => {
    channel.ended = true;
    live.delete(channel);
    if (current === channel) current = undefined;
    // A node without the channel answers `unimplemented` before anything ran: use unary calls from now on.
    const isUnsupported =
      !channel.answered && (error.code === Code.Unimplemented || error.code === Code.NotFound);
    if (isUnsupported) unsupported = true;
    const calls = [...channel.pending.values()];
    channel.pending.clear();
    // Otherwise every call fails as a unary call would on the same failure (an unopened or refused stream keeps
    // the Node error the link maps to `unavailable`, not processed).
    for (const call of calls) {
      if (isUnsupported) call.resolve(CHANNEL_UNSUPPORTED);
      else call.reject(error);
    }
  };

  const open = (authorization: string | undefined): Channel => {
    const channel: Channel = {
      authorization,
      stream: undefined,
      queued: [],
      pending: new Map(),
      answered: false,
      ended: false,
      retired: false,
      closing: false,
      lastUsedAt: Date.now(),
    };
    live.add(channel);
    const headers: Record<string, string> = {
      'content-type': 'application/grpc+proto',
      te: 'trailers',
      'user-agent': USER_AGENT,
      [CHANNEL_READ_MAX_BYTES_HEADER]: String(readMaxBytes),
    };
    if (authorization !== undefined) headers.authorization = authorization;
    sessionManager.request('POST', options.path, headers, {}).then(
      (stream) => {
        if (channel.ended) {
          stream.on('error', () => {});
          stream.close(constants.NGHTTP2_CANCEL);
          return;
        }
        channel.stream = stream;
        if (channel.queued.length > 0) {
          stream.write(channel.queued.length === 1 ? channel.queued[0] : Buffer.concat(channel.queued));
          channel.queued = [];
        }
        listen(channel, stream);
        if (channel.closing) stream.end();
      },
      (error: unknown) => settleAll(channel, connectErrorFromNodeReason(error)),
    );
    return channel;
  };

  const listen = (channel: Channel, stream: ClientHttp2Stream) => {
    let headers: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    const fail = (error: ConnectError) => {
      if (channel.ended) return;
      settleAll(channel, error);
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    };
    const reader = createEnvelopeReader({
      schema: CallToolChannelResponseSchema,
      readMaxBytes,
      compressedError: () => new ConnectError('protocol error: received a compressed message', Code.Internal),
      onMessage: (answer) => {
        channel.answered = true;
        deliver(channel, answer);
        return !channel.ended;
      },
      onError: fail,
    });
    stream.on('response', (received) => {
      headers = received;
      const status = Number(received[':status']);
      const contentType = String(received['content-type'] ?? '');
      if (status !== 200) {
        fail(new ConnectError(`HTTP ${status}`, status === 404 ? Code.Unimplemented : Code.Unknown));
      } else if (!contentType.startsWith('application/grpc')) {
        fail(new ConnectError(`unsupported content type ${contentType}`, Code.Internal));
      }
    });
    stream.on('trailers', (received) => {
      trailers = received;
    });
    stream.on('data', (chunk: Buffer) => {
      if (channel.ended) return;
      sessionManager.notifyResponseByteRead(stream);
      reader.push(chunk);
    });
    stream.on('error', (error) => fail(connectErrorFromNodeReason(error)));
    const complete = () => {
      if (channel.ended) return;
      // A stream the node reset (rather than ended) fails like a unary call on a reset stream.
      const reset = trailers === undefined ? connectErrorFromResetCode(stream.rstCode) : undefined;
      if (reset) return fail(reset);
      const final = trailers ?? headers;
      const grpcStatus = final?.['grpc-status'];
      if (grpcStatus !== undefined && grpcStatus !== '0') {
        return fail(grpcStatusError(final as IncomingHttpHeaders, headers, trailers));
      }
      if (final === undefined || grpcStatus === undefined) {
        return fail(
          new ConnectError('protocol error: the call channel closed without a status', Code.Internal),
        );
      }
      // The node ended the channel (it is draining, or we ended it): calls it never read were not processed.
      settleAll(channel, notProcessedError('the node ended the call channel before reading the call'));
      // Close our side too, so the node's connection can shut down (a draining node waits for its streams).
      if (!stream.closed) stream.close();
    };
    stream.on('end', complete);
    stream.on('close', complete);
  };

  const deliver = (channel: Channel, answer: CallToolChannelResponse) => {
    const call = channel.pending.get(answer.callId);
    if (call === undefined) return; // canceled or timed out here already
    channel.pending.delete(answer.callId);
    closeIfDone(channel);
    const outcome = answer.outcome;
    if (outcome.case === 'response') return call.resolve(outcome.value);
    if (outcome.case === 'error') {
      const metadata = new Headers();
      for (const [name, value] of Object.entries(outcome.value.metadata)) metadata.set(name, value);
      const code = outcome.value.code in Code ? (outcome.value.code as Code) : Code.Unknown;
      return call.reject(new ConnectError(outcome.value.message, code, metadata));
    }
    call.reject(new ConnectError('protocol error: a channel answer without an outcome', Code.Internal));
  };

  /**
   * Takes `channel` out of use. Its calls in flight keep it open (their cancel messages still go out); once the
   * last one settles it is half-closed, and the node ends it.
   */
  const retire = (channel: Channel) => {
    if (current === channel) current = undefined;
    channel.retired = true;
    closeIfDone(channel);
  };
  const closeIfDone = (channel: Channel) => {
    if (!channel.retired || channel.closing || channel.pending.size > 0) return;
    channel.closing = true;
    // Half-close; the node ends the stream once it has answered (or dropped) every call it read.
    channel.stream?.end(); // (or once it opens)
  };

  const armIdleTimer = () => {
    if (idleTimer !== undefined) return;
    idleTimer = setInterval(
      () => {
        const channel = current;
        if (channel === undefined) {
          clearInterval(idleTimer);
          idleTimer = undefined;
          return;
        }
        if (channel.pending.size === 0 && Date.now() - channel.lastUsedAt >= options.idleTimeoutMs) {
          retire(channel);
        }
      },
      Math.max(1, Math.floor(options.idleTimeoutMs / 2)),
    );
    idleTimer.unref();
  };

  return {
    call(call) {
      if (unsupported) return Promise.resolve(CHANNEL_UNSUPPORTED);
      const { signal } = call;
      if (signal?.aborted) return Promise.reject(canceledError(signal.reason));
      let channel = current;
      if (channel !== undefined && channel.authorization !== call.authorization) {
        // A new token: new calls go on a channel the node authenticates with it.
        retire(channel);
        channel = undefined;
      }
      if (channel === undefined) {
        channel = open(call.authorization);
        current = channel;
        armIdleTimer();
      }
      const target = channel;
      target.lastUsedAt = Date.now();
      nextId = nextId >= MAX_CALL_ID ? 1 : nextId + 1;
      const callId = nextId;
      const message: MessageInitShape<typeof CallToolChannelRequestSchema> = {
        callId,
        kind: {
          case: 'call',
          value: { request: call.request, timeoutMs: Math.ceil(call.timeoutMs), metadata: call.metadata },
        },
      };
      const frame = envelope(toBinary(RequestSchema, create(RequestSchema, message)));
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const giveUp = (error: ConnectError) => {
          if (!target.pending.delete(callId)) return;
          done();
          if (!target.ended) write(target, cancelFrame(callId));
          closeIfDone(target);
          reject(error);
        };
        const onAbort = () => giveUp(canceledError(signal?.reason));
        target.pending.set(callId, {
          resolve: (response) => {
            done();
            resolve(response);
          },
          reject: (error) => {
            done();
            reject(error);
          },
        });
        timer = setTimeout(() => giveUp(deadlineExceededError()), call.timeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        write(target, frame);
      });
    },
    close() {
      if (current) retire(current);
      clearInterval(idleTimer);
      idleTimer = undefined;
    },
    inFlight() {
      let calls = 0;
      for (const channel of live) calls += channel.pending.size;
      return { calls, channels: live.size };
    },
  };
}

function cancelFrame(callId: number): Buffer {
  return envelope(
    toBinary(RequestSchema, create(RequestSchema, { callId, kind: { case: 'cancel', value: true } })),
  );
}
