import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { MeshError } from '../errors/mesh-error.js';
import { CallToolRequestSchema, CallToolResponseSchema, MeshService } from '../gen/mesh/v1/mesh_pb.js';
import { stripUndefined } from '../options/strip-undefined.js';
import {
  CHANNEL_MAX_REQUEST_BYTES,
  CHANNEL_UNSUPPORTED,
  createCallChannelClient,
} from './call-channel-client.js';
import { createConnectPeerTransport } from './connect-peer-transport.js';
import { grpcUnary } from './grpc-unary.js';
import { metadataHeaders } from './metadata-headers.js';
import type { PeerTransport } from './peer-transport.js';

/** TLS settings of a peer link. PEM strings or buffers. */
export interface PeerLinkTlsOptions {
  /**
   * CA certificates the peer's certificate must chain to.
   * @default Node's bundled public CAs
   */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate, for mTLS. */
  cert?: string | Buffer;
  /** Client private key, for mTLS. */
  key?: string | Buffer;
  /**
   * Name to verify the peer's certificate against.
   * @default the URL's host name
   */
  servername?: string;
}

/** Options for {@link createHttp2PeerTransport}: the HTTP/2 settings of `createPeerLink({ url })`. @internal */
export interface Http2PeerTransportOptions {
  /** Base URL of the peer's mesh service: `http://` (h2c) or `https://` (TLS). */
  url: string;
  /** TLS settings for `https://` URLs. */
  tls?: PeerLinkTlsOptions | undefined;
  /**
   * Interval between HTTP/2 keepalive PINGs, in milliseconds.
   * @default 30000
   */
  pingIntervalMs?: number | undefined;
  /**
   * How long to wait for a PING answer before the connection counts as dead, in milliseconds.
   * @default 10000
   */
  pingTimeoutMs?: number | undefined;
  /**
   * Close the connection after this long without calls, in milliseconds.
   * @default 900000 (15 minutes)
   */
  idleConnectionTimeoutMs?: number | undefined;
  /**
   * Largest response message accepted, in bytes.
   * @default 16777216 (16 MiB)
   */
  readMaxBytes?: number | undefined;
  /**
   * Multiplex calls without progress on a `CallToolChannel` stream.
   * @default `true`
   */
  callChannel?: boolean | undefined;
}

/** Defaults of {@link Http2PeerTransportOptions}. @internal */
export const DEFAULT_HTTP2_PEER_TRANSPORT = {
  pingIntervalMs: 30_000,
  pingTimeoutMs: 10_000,
  idleConnectionTimeoutMs: 900_000,
  /** A call channel with no call in flight for this long is ended (never longer than the connection's idle timeout). */
  channelIdleTimeoutMs: 30_000,
  readMaxBytes: 16 * 1024 * 1024,
} as const;

/**
 * Checks a mesh service URL and returns it without trailing slashes.
 *
 * @throws MeshError `invalid_argument` (field `url`) when it is not a valid `http:` or `https:` URL.
 * @internal
 */
export function checkPeerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new MeshError('url is not a valid URL', 'invalid_argument', {
      cause: error,
      details: { field: 'url' },
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new MeshError(`url must be http: or https:, got ${parsed.protocol}`, 'invalid_argument', {
      details: { field: 'url' },
    });
  }
  return url.replace(/\/+$/, '');
}

/**
 * The HTTP/2 {@link PeerTransport} of `createPeerLink({ url })`: ONE HTTP/2 session per peer (keepalive PINGs; a
 * new connection opened transparently after the peer restarts or sends GOAWAY) carrying three CallTool paths,
 * chosen per call:
 *
 * 1. the call channel (docs/decisions/0005-call-channel.md): calls whose strings are at most 64 KiB share one
 *    long-lived `CallToolChannel` stream, until the node answers `unimplemented` (then never again);
 * 2. the lean unary gRPC call (docs/decisions/0004-lean-unary-grpc-path.md) for larger calls, `callChannel: false`
 *    and nodes without the channel: the same gRPC wire without Connect's per-call pipeline;
 * 3. Connect's `CallToolStream` for calls with progress or log records (`callToolStream`).
 *
 * Every other operation is a Connect gRPC call on the same session.
 *
 * @throws MeshError `invalid_argument` when the URL is not a valid `http:` or `https:` URL.
 * @internal Use `createPeerLink({ url })`.
 */
export function createHttp2PeerTransport(options: Http2PeerTransportOptions): PeerTransport {
  const url = checkPeerUrl(options.url);
  const tls = options.tls;
  const idleConnectionTimeoutMs =
    options.idleConnectionTimeoutMs ?? DEFAULT_HTTP2_PEER_TRANSPORT.idleConnectionTimeoutMs;
  const sessionManager = new Http2SessionManager(
    url,
    {
      pingIntervalMs: options.pingIntervalMs ?? DEFAULT_HTTP2_PEER_TRANSPORT.pingIntervalMs,
      pingTimeoutMs: options.pingTimeoutMs ?? DEFAULT_HTTP2_PEER_TRANSPORT.pingTimeoutMs,
      idleConnectionTimeoutMs,
    },
    tls === undefined ? undefined : stripUndefined({ ...tls }),
  );
  const readMaxBytes = options.readMaxBytes ?? DEFAULT_HTTP2_PEER_TRANSPORT.readMaxBytes;
  const servicePath = `${new URL(url).pathname.replace(/\/+$/, '')}/${MeshService.typeName}`;
  const callToolPath = `${servicePath}/${MeshService.method.callTool.name}`;
  const channel =
    options.callChannel === false
      ? undefined
      : createCallChannelClient({
          sessionManager,
          path: `${servicePath}/${MeshService.method.callToolChannel.name}`,
          readMaxBytes,
          idleTimeoutMs: Math.min(DEFAULT_HTTP2_PEER_TRANSPORT.channelIdleTimeoutMs, idleConnectionTimeoutMs),
        });
  const connect = createConnectPeerTransport({
    url,
    transport: createGrpcTransport({ baseUrl: url, sessionManager, readMaxBytes }),
    close: () => {
      channel?.close();
      sessionManager.abort();
    },
  });

  return {
    ...connect,

    // The hot path of every forwarded call: the same gRPC wire, without Connect's per-call pipeline.
    async callTool(request, call) {
      if (channel && requestChars(request) <= CHANNEL_MAX_REQUEST_BYTES) {
        const answer = await channel.call({
          request,
          timeoutMs: call.timeoutMs,
          // The channel's stream carries the token (a new token opens a new channel); each call its metadata.
          metadata: metadataHeaders(call.metadata, undefined),
          authorization: call.authorization,
          signal: call.signal,
        });
        if (answer !== CHANNEL_UNSUPPORTED) return answer;
      }
      const response = await grpcUnary(sessionManager, {
        path: callToolPath,
        headers: metadataHeaders(call.metadata, call.authorization),
        message: toBinary(CallToolRequestSchema, create(CallToolRequestSchema, request)),
        timeoutMs: call.timeoutMs,
        signal: call.signal,
        readMaxBytes,
      });
      return fromBinary(CallToolResponseSchema, response);
    },

    inFlight() {
      const counts = channel?.inFlight();
      return { channelCalls: counts?.calls ?? 0, channels: counts?.channels ?? 0 };
    },
  };
}

/** The characters of a call's strings: the size that decides between the call channel and a unary call. */
function requestChars(request: MessageInitShape<typeof CallToolRequestSchema>): number {
  return (
    (request.name?.length ?? 0) +
    (request.argumentsJson?.length ?? 0) +
    (request.inputResponsesJson?.length ?? 0) +
    (request.requestState?.length ?? 0)
  );
}
