import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { MeshError } from '../errors/mesh-error.js';
import {
  type CallToolRequest,
  CallToolRequestSchema,
  CallToolResponseSchema,
  MeshService,
} from '../gen/mesh/v1/mesh_pb.js';
import type { HostFeatures } from '../host/feature-host.js';
import type { ToolHost } from '../host/tool-host.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { stripUndefined } from '../options/strip-undefined.js';
import { serveCallChannel } from './call-channel-server.js';
import { type GrpcUnaryMethod, leanGrpcUnaryTimeout, serveGrpcUnary } from './grpc-unary-server.js';
import { createMeshEndpoint, type MeshEndpoint } from './mesh-endpoint.js';
import { DEFAULT_MAX_HOPS, generateCorrelationId, type PeerTlsInfo, peerTlsKey } from './mesh-service.js';
import type { PeerAuthVerifier } from './peer-auth.js';
import type { NodeEvent } from './peer-link-types.js';

/** TLS settings of a {@link MeshServer}. PEM strings or buffers. */
export interface MeshServerTlsOptions {
  /** The server's private key (PEM). */
  key: string | Buffer;
  /** The server's certificate chain (PEM). */
  cert: string | Buffer;
  /** CA certificates that client certificates must chain to (PEM). Required with `requestClientCert`. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Mutual TLS: ask every client for a certificate and reject calls (with `unauthenticated`) whose certificate
   * is missing or does not chain to `ca`. The certificate's subject CN becomes `InboundCall.principal`.
   * @default false
   */
  requestClientCert?: boolean;
}

/** Options for {@link createMeshServer}. */
export interface MeshServerOptions {
  /** The tools to serve: a node, or a gateway federating its peers. */
  host: ToolHost;
  /**
   * The resources, prompts and completion served beside the tools (`GetFeatures`, `ListResources`, `ReadResource`,
   * `ListPrompts`, `GetPrompt`, `Complete`); their changes go to watchers as `resources_changed`,
   * `prompts_changed` and `resource_updated` events. Default: the host's own (`host.features`, a gateway's
   * federated ones), else none: those methods answer `unimplemented`.
   * @default `host.features`, else none
   */
  features?: HostFeatures;
  /**
   * TCP port.
   * @default 0 (a free port; read it from {@link MeshServer.port} after `start()`)
   */
  port?: number;
  /**
   * Address to listen on.
   * @default `127.0.0.1`
   */
  hostname?: string;
  /**
   * Serve TLS (HTTP/2 over TLS) instead of h2c.
   * @default h2c, for loopback and private networks
   */
  tls?: MeshServerTlsOptions;
  /**
   * Checks the `authorization` header of every call.
   * @default none (any caller is accepted)
   */
  auth?: PeerAuthVerifier;
  /**
   * Most peer links a call may have crossed (`mesh-hop`); more is rejected as a routing loop.
   * @default 8
   */
  maxHops?: number;
  /**
   * Largest request message accepted, in bytes; larger ones get `resource_exhausted`.
   * @default 4194304 (4 MiB)
   */
  readMaxBytes?: number;
  /**
   * How long `close()` waits for calls in flight before cutting them off, in milliseconds.
   * @default 10000
   */
  closeTimeoutMs?: number;
  /**
   * Logger.
   * @default silent
   */
  logger?: Logger;
  /**
   * Clock in epoch milliseconds, for deadlines.
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Generates correlation ids for calls that arrive without one.
   * @default `crypto.randomUUID`
   */
  generateId?: () => string;
}

/** The defaults of {@link MeshServerOptions}, in milliseconds and bytes. */
export const DEFAULT_MESH_SERVER = {
  port: 0,
  hostname: '127.0.0.1',
  maxHops: DEFAULT_MAX_HOPS,
  readMaxBytes: 4 * 1024 * 1024,
  closeTimeoutMs: 10_000,
} as const;

/** {@link MeshServerOptions} with every default applied. */
export type ResolvedMeshServerOptions = Required<Omit<MeshServerOptions, 'tls' | 'auth' | 'features'>> &
  Pick<MeshServerOptions, 'tls' | 'auth' | 'features'>;

/**
 * Applies {@link DEFAULT_MESH_SERVER} to `options` and checks them once.
 *
 * @throws MeshError `invalid_argument` naming the field that is out of range.
 */
export function resolveMeshServerOptions(options: MeshServerOptions): ResolvedMeshServerOptions {
  const resolved: ResolvedMeshServerOptions = {
    ...DEFAULT_MESH_SERVER,
    logger: silentLogger,
    now: Date.now,
    generateId: generateCorrelationId,
    ...stripUndefined<MeshServerOptions>(options),
  };
  if (resolved.features === undefined && options.host.features) resolved.features = options.host.features;
  const integer = (
    field: 'port' | 'maxHops' | 'readMaxBytes' | 'closeTimeoutMs',
    min: number,
    max: number,
  ) => {
    const value = resolved[field];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new MeshError(
        `${field} must be an integer from ${min} to ${max}, got ${value}`,
        'invalid_argument',
        {
          details: { field },
        },
      );
    }
  };
  integer('port', 0, 65_535);
  integer('maxHops', 0, 1_000);
  integer('readMaxBytes', 1, 0xffff_ffff);
  integer('closeTimeoutMs', 0, 3_600_000);
  if (resolved.tls?.requestClientCert && resolved.tls.ca === undefined) {
    throw new MeshError('tls.ca is required when tls.requestClientCert is set', 'invalid_argument', {
      details: { field: 'tls.ca' },
    });
  }
  return resolved;
}

/**
 * Serves the mesh service (protos/mesh/v1) for a {@link ToolHost} over HTTP/2: h2c by default, TLS when given
 * a key pair, with optional mTLS and signed peer tokens. Speaks gRPC, Connect and gRPC-Web through
 * connect-node, so a plain `@grpc/grpc-js` client can call it too. The service itself (handlers, events, call
 * channels) is the mount-independent endpoint of `mesh-endpoint.ts`; this class mounts it on HTTP/2, with the lean
 * unary `CallTool` path and the call channel beside Connect.
 *
 * `close()` is graceful: watchers get a `draining` event, every connection gets a GOAWAY, and calls in flight
 * may finish within `closeTimeoutMs` before their connections are cut (which aborts their signals).
 */
export class MeshServer {
  readonly #options: ResolvedMeshServerOptions;
  readonly #endpoint: MeshEndpoint;
  readonly #sessions = new Set<http2.Http2Session>();
  #server: http2.Http2Server | http2.Http2SecureServer | undefined;
  #port: number | undefined;
  #inFlight = 0;
  #closing: Promise<void> | undefined;

  /** Prefer {@link createMeshServer}. @throws MeshError `invalid_argument` for bad options. */
  constructor(options: MeshServerOptions) {
    const resolved = resolveMeshServerOptions(options);
    this.#options = resolved;
    this.#endpoint = createMeshEndpoint({
      host: resolved.host,
      features: resolved.features,
      auth: resolved.auth,
      requireClientCertificate: resolved.tls?.requestClientCert === true,
      maxHops: resolved.maxHops,
      logger: resolved.logger,
      now: resolved.now,
      generateId: resolved.generateId,
    });
  }

  /** The port the server listens on. @throws MeshError `failed_precondition` before `start()`. */
  get port(): number {
    if (this.#port === undefined)
      throw new MeshError('the mesh server is not started', 'failed_precondition');
    return this.#port;
  }

  /** Base URL for `createPeerLink({ url })`, such as `http://127.0.0.1:54321`. */
  get url(): string {
    const { hostname, tls } = this.#options;
    const reachable = hostname === '0.0.0.0' ? '127.0.0.1' : hostname === '::' ? '::1' : hostname;
    const host = reachable.includes(':') ? `[${reachable}]` : reachable;
    return `${tls ? 'https' : 'http'}://${host}:${this.port}`;
  }

  /** Open HTTP/2 connections (sessions). A peer link uses one per peer. */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Requests being served now (watch streams included). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Starts listening. A server starts once; after `close()`, create a new one (on the same port if need be).
   *
   * @throws MeshError `unavailable` when the address cannot be bound (port in use…),
   *   `failed_precondition` when already started.
   */
  async start(): Promise<void> {
    if (this.#server) throw new MeshError('the mesh server was already started', 'failed_precondition');
    const { host, tls, logger } = this.#options;
    const requireClientCertificate = tls?.requestClientCert === true;
    const { implementation, callTool } = this.#endpoint;
    // Open call channels are registered with the endpoint, so close() can drain them (refuse new calls, end once idle).
    const registerChannel = this.#endpoint.registerChannel;
    // Unary CallTool (the hot path of every forwarded call) skips Connect's per-call pipeline; see
    // grpc-unary-server.ts and docs/decisions/0004-lean-unary-grpc-path.md.
    const callToolMethod: GrpcUnaryMethod<
      CallToolRequest,
      MessageInitShape<typeof CallToolResponseSchema>
    > = {
      readMaxBytes: this.#options.readMaxBytes,
      decode: (bytes) => fromBinary(CallToolRequestSchema, bytes),
      encode: (output) => toBinary(CallToolResponseSchema, create(CallToolResponseSchema, output)),
      handle: (input, call) =>
        callTool(input, {
          header: (name) => headerValue(call.headers[name]),
          tls: () => (requireClientCertificate ? peerTlsInfo(call.socket) : undefined),
          signal: call.signal,
          timeoutMs: call.timeoutMs,
        }),
    };
    const handler = connectNodeAdapter({
      routes: (router) => router.service(MeshService, implementation),
      readMaxBytes: this.#options.readMaxBytes,
      ...(requireClientCertificate
        ? { contextValues: (request) => createContextValues().set(peerTlsKey, peerTlsInfo(request.socket)) }
        : {}),
    });
    const onRequest = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => {
      this.#inFlight += 1;
      response.once('close', () => {
        this.#inFlight -= 1;
      });
      if (request.url === CALL_TOOL_PATH) {
        const lean = leanGrpcUnaryTimeout(request);
        if (lean) return serveGrpcUnary(request, response, lean.timeoutMs, callToolMethod);
      } else if (request.url === CALL_TOOL_CHANNEL_PATH) {
        // The channel itself has no deadline (each call carries its own); one with a stream deadline is left to
        // Connect, which enforces it.
        const lean = leanGrpcUnaryTimeout(request);
        if (lean && lean.timeoutMs === undefined) {
          return serveCallChannel(
            request,
            response,
            this.#options.readMaxBytes,
            {
              callTool,
              tls: () => (requireClientCertificate ? peerTlsInfo(request.socket) : undefined),
              nodeId: host.id,
            },
            registerChannel,
          );
        }
      }
      handler(request, response);
    };
    const server = tls
      ? http2.createSecureServer(
          {
            key: tls.key,
            cert: tls.cert,
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            // Checked per call instead, so a bad client certificate gets `unauthenticated`, not a reset.
            requestCert: requireClientCertificate,
            rejectUnauthorized: false,
          },
          onRequest,
        )
      : http2.createServer({}, onRequest);
    server.on('session', (session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
      session.on('error', (error) => logger.debug('mesh server session error', { error }));
    });
    server.on('tlsClientError', (error) => logger.debug('mesh server TLS handshake failed', { error }));
    this.#server = server;

    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.#server = undefined;
        reject(
          new MeshError(
            `cannot listen on ${this.#options.hostname}:${this.#options.port}: ${error.code ?? error.message}`,
            'unavailable',
            { cause: error },
          ),
        );
      };
      server.once('error', onError);
      server.listen(this.#options.port, this.#options.hostname, () => {
        server.off('error', onError);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#endpoint.open();
    logger.info('mesh server listening', { url: this.url, nodeId: host.id });
  }

  /**
   * Sends an event to every WatchEvents stream: circuit state changes, draining. Tool list changes of the
   * host, and the resource and prompt changes of `features`, are published automatically.
   */
  publishEvent(event: NodeEvent): void {
    this.#endpoint.publishEvent(event);
  }

  /**
   * Stops the server gracefully: publishes `draining`, ends watch streams, sends GOAWAY on every connection,
   * waits for calls in flight up to `timeoutMs`, then closes what is left. Safe to call more than once.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? this.#options.closeTimeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const { host, logger } = this.#options;
    // `draining` to watchers, call channels drained, watch streams ended (see `MeshEndpoint.drain`).
    this.#endpoint.drain();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const sessionsClosed = Promise.all(
      [...this.#sessions].map(
        (session) =>
          new Promise<void>((resolve) => {
            if (session.closed || session.destroyed) return resolve();
            session.once('close', () => resolve());
            // GOAWAY: the client opens new streams elsewhere; streams in flight run to completion.
            session.close();
          }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([sessionsClosed, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      logger.warn('mesh server close timed out; cutting off calls in flight', { inFlight: this.#inFlight });
      for (const session of this.#sessions) session.destroy();
    }
    await closed;
    logger.info('mesh server closed', { nodeId: host.id });
  }
}

/**
 * Creates a {@link MeshServer}; call `start()` to listen.
 *
 * @throws MeshError `invalid_argument` for bad options (naming the field).
 * @example
 * ```ts
 * const server = createMeshServer({ host: node, port: 7070, auth: peerAuth.verifier });
 * await server.start();
 * console.log(server.url);
 * ```
 */
export function createMeshServer(options: MeshServerOptions): MeshServer {
  return new MeshServer(options);
}

const CALL_TOOL_PATH = `/${MeshService.typeName}/${MeshService.method.callTool.name}`;
const CALL_TOOL_CHANNEL_PATH = `/${MeshService.typeName}/${MeshService.method.callToolChannel.name}`;

/** A request header as Connect's `Headers.get` returns it: repeated values joined with `, `. */
function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

function peerTlsInfo(socket: unknown): PeerTlsInfo {
  const tlsSocket = socket as Partial<TLSSocket> | undefined;
  if (typeof tlsSocket?.getPeerCertificate !== 'function') {
    return { authorized: false, authorizationError: 'the connection is not TLS' };
  }
  if (!tlsSocket.authorized) {
    const reason = tlsSocket.authorizationError;
    return { authorized: false, authorizationError: reason ? String(reason) : 'no client certificate' };
  }
  const commonName = tlsSocket.getPeerCertificate()?.subject?.CN;
  return { authorized: true, ...(typeof commonName === 'string' ? { commonName } : {}) };
}
