import { Code, ConnectError, createRouterTransport } from '@connectrpc/connect';
import { MeshService } from '../gen/mesh/v1/mesh_pb.js';
import type { HostFeatures } from '../host/feature-host.js';
import type { ToolHost } from '../host/tool-host.js';
import { createConnectPeerTransport } from '../link/connect-peer-transport.js';
import { DEFAULT_HTTP2_PEER_TRANSPORT } from '../link/http2-peer-transport.js';
import { createMeshEndpoint } from '../link/mesh-endpoint.js';
import { DEFAULT_MAX_HOPS, generateCorrelationId } from '../link/mesh-service.js';
import type { PeerAuthVerifier } from '../link/peer-auth.js';
import type { NodeEvent } from '../link/peer-link-types.js';
import type { PeerTransport } from '../link/peer-transport.js';
import { notProcessedError } from '../link/transport-errors.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkInteger, checkNonEmptyString, checkNonNegative } from '../options/check-options.js';

/** Options for {@link createInMemoryMeshServer}. */
export interface InMemoryMeshServerOptions {
  /** The tools to serve: a local host, or a gateway federating its peers. */
  host: ToolHost;
  /**
   * The resources, prompts and completion served beside the tools. Default: the host's own (`host.features`, a
   * gateway's federated ones), else none (those methods answer `unimplemented`).
   */
  features?: HostFeatures;
  /** Checks the `authorization` header of every call, as `createMeshServer({ auth })`. Default: none. */
  auth?: PeerAuthVerifier;
  /** Most peer links a call may have crossed (`mesh-hop`); more is rejected as a routing loop. Default 8. */
  maxHops?: number;
  /** Largest request message accepted, in bytes; larger ones get `resource_exhausted`. Default 4194304 (4 MiB). */
  readMaxBytes?: number;
  /** How long `close()` waits for calls in flight before cutting them off, in milliseconds. Default 10000. */
  closeTimeoutMs?: number;
  /** What the transports report as their `url` (and links as `details.origin`). Default `memory://<host.id>`. */
  url?: string;
  /** Logger. Default: silent. */
  logger?: Logger;
  /** Clock in epoch milliseconds, for deadlines. Default `Date.now`. */
  now?: () => number;
  /** Generates correlation ids for calls that arrive without one. Default `crypto.randomUUID`. */
  generateId?: () => string;
}

/** Defaults of {@link InMemoryMeshServerOptions}. */
export const DEFAULT_IN_MEMORY_MESH_SERVER = {
  maxHops: DEFAULT_MAX_HOPS,
  readMaxBytes: 4 * 1024 * 1024,
  closeTimeoutMs: 10_000,
} as const;

/** {@link InMemoryMeshServerOptions} with every default applied and checked once. */
function resolveInMemoryMeshServerOptions(options: InMemoryMeshServerOptions) {
  const { host } = options;
  return {
    host,
    maxHops: checkInteger(options.maxHops ?? DEFAULT_IN_MEMORY_MESH_SERVER.maxHops, 'maxHops', 0),
    readMaxBytes: checkInteger(
      options.readMaxBytes ?? DEFAULT_IN_MEMORY_MESH_SERVER.readMaxBytes,
      'readMaxBytes',
    ),
    closeTimeoutMs: checkNonNegative(
      options.closeTimeoutMs ?? DEFAULT_IN_MEMORY_MESH_SERVER.closeTimeoutMs,
      'closeTimeoutMs',
    ),
    url: checkNonEmptyString(options.url ?? `memory://${host.id}`, 'url'),
    logger: (options.logger ?? silentLogger).child({ nodeId: host.id, transport: 'memory' }),
  };
}

/**
 * The mesh service of a host, served in this process without sockets: the counterpart of `createMeshServer` for
 * tests. Each {@link InMemoryMeshServer.createTransport} is a connection a peer link runs on.
 */
export interface InMemoryMeshServer {
  /** What the transports report as their `url`. */
  readonly url: string;
  /** Requests being served now (watch streams included). */
  readonly inFlight: number;
  /**
   * A new {@link PeerTransport} to this server, for `createPeerLink({ transport })`. Closing it (the link does)
   * ends its own requests only.
   */
  createTransport(): PeerTransport;
  /** Sends an event to every `WatchEvents` stream (circuit changes; host changes are published automatically). */
  publishEvent(event: NodeEvent): void;
  /**
   * Stops serving, like `MeshServer.close()`: watchers get `draining` and their streams end, new requests are
   * refused `unavailable` with `details.reason: 'not_processed'` (as a node that is gone), calls in flight may
   * finish within `timeoutMs` (default `closeTimeoutMs`) and are then cut off (their links see `unavailable`,
   * `details.reason: 'connection_lost'`; their handlers' signals abort). Safe to call more than once.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Serves a host's mesh service in-process: the real handlers of the mesh service (authentication, hop limit,
 * deadlines, the error boundary, the wire codec and the Connect protocol in binary) on a Connect router transport
 * (`createRouterTransport` of `@connectrpc/connect`), so a mesh of nodes and gateways can be tested without
 * opening a socket. Calls take Connect's unary and streaming paths; the HTTP/2-only call channel and lean unary
 * path are not involved.
 *
 * @throws MeshError `invalid_argument` for bad options, naming the field.
 * @example
 * ```ts
 * const server = createInMemoryMeshServer({ host: createLocalToolHost({ id: 'story', tools: [greet], ports }) });
 * const link = createPeerLink({ transport: server.createTransport() });
 * await link.callTool('greet', { name: 'Ada' }, { metadata: { correlationId: 'c-1', hop: 1 } });
 * await server.close();
 * ```
 */
export function createInMemoryMeshServer(options: InMemoryMeshServerOptions): InMemoryMeshServer {
  const { host, maxHops, readMaxBytes, closeTimeoutMs, url, logger } =
    resolveInMemoryMeshServerOptions(options);
  const endpoint = createMeshEndpoint({
    host,
    features: options.features ?? host.features,
    auth: options.auth,
    maxHops,
    logger,
    now: options.now ?? Date.now,
    generateId: options.generateId ?? generateCorrelationId,
  });
  // Aborting it aborts every handler's signal, as cutting off connections does on HTTP/2.
  const shutdown = new AbortController();
  // Aborting it ends every request in flight on the callers' side: the connections are gone.
  const cut = new AbortController();
  const router = createRouterTransport((routes) => routes.service(MeshService, endpoint.implementation), {
    router: { readMaxBytes, shutdownSignal: shutdown.signal },
    // The callers read at most what a peer link reads over HTTP/2 by default.
    transport: { readMaxBytes: DEFAULT_HTTP2_PEER_TRANSPORT.readMaxBytes },
  });
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  endpoint.open();

  /** Counts a request while it runs; refuses it once the server is closing. */
  const admit = (): (() => void) => {
    if (closing) throw notProcessedError(`${url} is closed and did not process the request`);
    inFlight += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      inFlight -= 1;
      if (inFlight === 0) idle?.();
    };
  };

  const close = async (timeoutMs: number) => {
    endpoint.drain();
    if (inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        idle = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      idle = undefined;
    }
    if (inFlight > 0)
      logger.warn('in-memory mesh server close timed out; cutting off calls in flight', { inFlight });
    const reason = new ConnectError(`the in-memory mesh server ${url} closed`, Code.Canceled);
    shutdown.abort(reason);
    cut.abort(reason);
  };

  return {
    url,
    get inFlight() {
      return inFlight;
    },
    createTransport() {
      return createInMemoryConnection(url, router, admit, cut.signal);
    },
    publishEvent(event) {
      endpoint.publishEvent(event);
    },
    close(closeOptions = {}) {
      closing ??= close(checkNonNegative(closeOptions.timeoutMs ?? closeTimeoutMs, 'timeoutMs'));
      return closing;
    },
  };
}

/** Options for {@link createInMemoryPeerTransport}: those of the server it starts, without `host`. */
export type InMemoryPeerTransportOptions = Omit<InMemoryMeshServerOptions, 'host'>;

/**
 * A {@link PeerTransport} to a host's mesh service served in this process (see {@link createInMemoryMeshServer}):
 * the shortest way to put a host behind a peer link in a test. The transport owns its server: closing it (the link
 * does) closes the server without waiting for calls in flight.
 *
 * @throws MeshError `invalid_argument` for bad options, naming the field.
 * @example
 * ```ts
 * const link = createPeerLink({ transport: createInMemoryPeerTransport(host) });
 * const gateway = createGateway({ id: 'gateway', ports, peers: [{ name: 'story', replicas: [link] }] });
 * ```
 */
export function createInMemoryPeerTransport(
  host: ToolHost,
  options: InMemoryPeerTransportOptions = {},
): PeerTransport {
  const server = createInMemoryMeshServer({ ...options, host });
  const transport = server.createTransport();
  return {
    ...transport,
    async close() {
      await transport.close();
      await server.close({ timeoutMs: 0 });
    },
  };
}

/** One connection to an in-memory server: Connect calls over its router, counted and cut off with it. */
function createInMemoryConnection(
  url: string,
  router: ReturnType<typeof createRouterTransport>,
  admit: () => () => void,
  serverCut: AbortSignal,
): PeerTransport {
  const connection = new AbortController();
  const connect = createConnectPeerTransport({ url, transport: router });
  /** The caller's signal, ended too when this connection or the server goes away. */
  const linked = (signal: AbortSignal | undefined) =>
    AbortSignal.any([connection.signal, serverCut, ...(signal ? [signal] : [])]);
  const closedError = () => notProcessedError(`the connection to ${url} is closed`);

  const unary = <R>(
    run: (signal: AbortSignal) => Promise<R>,
    signal: AbortSignal | undefined,
  ): Promise<R> => {
    if (connection.signal.aborted) return Promise.reject(closedError());
    let release: () => void;
    try {
      release = admit();
    } catch (error) {
      return Promise.reject(error);
    }
    return run(linked(signal)).finally(release);
  };
  async function* stream<R>(
    run: (signal: AbortSignal) => AsyncIterable<R>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<R> {
    if (connection.signal.aborted) throw closedError();
    const release = admit();
    try {
      yield* run(linked(signal));
    } finally {
      release();
    }
  }

  return {
    url,
    callTool: (request, call) =>
      unary((signal) => connect.callTool(request, { ...call, signal }), call.signal),
    callToolStream: (request, call) =>
      stream((signal) => connect.callToolStream(request, { ...call, signal }), call.signal),
    listTools: (call) => unary((signal) => connect.listTools({ ...call, signal }), call.signal),
    health: (call) => unary((signal) => connect.health({ ...call, signal }), call.signal),
    watchEvents: (call) => stream((signal) => connect.watchEvents({ ...call, signal }), call.signal),
    getFeatures: (call) => unary((signal) => connect.getFeatures({ ...call, signal }), call.signal),
    listResources: (request, call) =>
      stream((signal) => connect.listResources(request, { ...call, signal }), call.signal),
    listResourceTemplates: (call) =>
      unary((signal) => connect.listResourceTemplates({ ...call, signal }), call.signal),
    readResource: (request, call) =>
      stream((signal) => connect.readResource(request, { ...call, signal }), call.signal),
    listPrompts: (call) => unary((signal) => connect.listPrompts({ ...call, signal }), call.signal),
    getPrompt: (request, call) =>
      stream((signal) => connect.getPrompt(request, { ...call, signal }), call.signal),
    complete: (request, call) =>
      unary((signal) => connect.complete(request, { ...call, signal }), call.signal),
    async close() {
      connection.abort(new ConnectError(`the connection to ${url} was closed`, Code.Canceled));
      await connect.close();
    },
  };
}
