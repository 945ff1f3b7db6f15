import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type CallOptions,
  type Client,
  Code,
  ConnectError,
  createClient,
  type Interceptor,
} from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { isLocalFailure, MeshError, markLocalFailure, meshErrorFromConnect } from '../errors/mesh-error.js';
import { CallToolRequestSchema, CallToolResponseSchema, MeshService } from '../gen/mesh/v1/mesh_pb.js';
import type { HostHealth } from '../host/tool-host.js';
import type { ClientLogRecord, ClientLogSink } from '../observability/client-logger.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkInteger, checkPositive } from '../options/check-options.js';
import { stripUndefined } from '../options/strip-undefined.js';
import {
  type BackoffOptions,
  backoffDelayMs,
  type ResolvedBackoffOptions,
  resolveBackoffOptions,
} from '../resilience/backoff.js';
import { inputRequiredNotRelayable } from '../tool/input-required.js';
import {
  isInputRequired,
  type MeshToolInfo,
  type ToolCallResult,
  type ToolOutcome,
} from '../tool/tool-context.js';
import {
  CHANNEL_MAX_REQUEST_BYTES,
  CHANNEL_UNSUPPORTED,
  createCallChannelClient,
} from './call-channel-client.js';
import {
  clientLogFromWire,
  completeRequestToWire,
  completionFromWire,
  featuresFromWire,
  NO_FEATURES,
  promptResultFromWire,
  promptsFromWire,
  readResultFromWire,
  resourcesFromWire,
  resourceTemplatesFromWire,
} from './feature-wire-codec.js';
import { grpcUnary } from './grpc-unary.js';
import { MESH_HEADERS } from './mesh-service.js';
import type { PeerAuthSigner } from './peer-auth.js';
import type {
  LinkCallMetadata,
  LinkCallOptions,
  LinkFeatureOptions,
  NodeEvent,
  PeerLink,
  ResourceSubscriptionOptions,
} from './peer-link-types.js';
import {
  callRequestToWire,
  eventFromWire,
  healthFromWire,
  inputRequiredFromWire,
  outcomeFromWire,
  progressFromWire,
  resultFromWire,
  toolFromWire,
} from './wire-codec.js';

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

/**
 * Backoff between WatchEvents reconnects: the shared {@link BackoffOptions}, by default 250 ms doubling to 10 s
 * with full jitter.
 */
export interface WatchBackoffOptions extends BackoffOptions {
  /** First delay in milliseconds. @deprecated Use `initialDelayMs`; still read when that is unset. */
  initialMs?: number;
  /** Largest delay in milliseconds. @deprecated Use `maxDelayMs`; still read when that is unset. */
  maxMs?: number;
}

/** Options for {@link createPeerLink}. */
export interface PeerLinkOptions {
  /** Base URL of the peer's mesh service: `http://` (h2c) or `https://` (TLS). */
  url: string;
  /**
   * Adds the `authorization` header to every call.
   * @default none
   */
  auth?: PeerAuthSigner;
  /** TLS settings for `https://` URLs. */
  tls?: PeerLinkTlsOptions;
  /**
   * Deadline of a call that sets no `timeoutMs`, in milliseconds.
   * @default 30000
   */
  defaultTimeoutMs?: number;
  /**
   * Interval between HTTP/2 keepalive PINGs, in milliseconds.
   * @default 30000
   */
  pingIntervalMs?: number;
  /**
   * How long to wait for a PING answer before the connection counts as dead, in milliseconds.
   * @default 10000
   */
  pingTimeoutMs?: number;
  /**
   * Close the connection after this long without calls, in milliseconds.
   * @default 900000 (15 minutes)
   */
  idleConnectionTimeoutMs?: number;
  /**
   * Largest response message accepted, in bytes.
   * @default 16777216 (16 MiB)
   */
  readMaxBytes?: number;
  /**
   * Multiplex calls without progress on one long-lived `CallToolChannel` stream instead of opening an HTTP/2
   * stream per call (much less CPU per call on both sides; see docs/reference/wire.md "Call channel"). Calls
   * whose arguments exceed 64 KiB of JSON still go unary, and a node that does not offer the channel is called
   * unary from its first `unimplemented` answer on.
   * @default `true`
   */
  callChannel?: boolean;
  /**
   * Backoff between WatchEvents reconnects.
   * @default `{ initialDelayMs: 250, maxDelayMs: 10_000, multiplier: 2, jitter: 1 }` (DEFAULT_PEER_LINK.watchBackoff)
   */
  watchBackoff?: WatchBackoffOptions;
  /**
   * Random source in [0, 1) for backoff jitter.
   * @default `Math.random`
   */
  random?: () => number;
  /**
   * Logger.
   * @default silent
   */
  logger?: Logger;
}

/** What a peer link holds for its calls and watchers right now. @internal */
export interface PeerLinkInFlight {
  /** Calls on the call channel waiting for their answer. */
  channelCalls: number;
  /** Call channels opened and not yet ended. */
  channels: number;
  /** `watchEvents` loops running. */
  watchers: number;
}

const inFlightOf = new WeakMap<PeerLink, () => PeerLinkInFlight>();

/**
 * What `link` (made by {@link createPeerLink}) holds for calls in flight, for the tests of issue 20 (nothing
 * grows with calls: every count returns to 0 once the calls ended and the watchers stopped). Not exported from
 * the package. @internal
 */
export function peerLinkInFlight(link: PeerLink): PeerLinkInFlight | undefined {
  return inFlightOf.get(link)?.();
}

/** The defaults of {@link PeerLinkOptions}, in milliseconds and bytes. */
export const DEFAULT_PEER_LINK = Object.freeze({
  defaultTimeoutMs: 30_000,
  pingIntervalMs: 30_000,
  pingTimeoutMs: 10_000,
  idleConnectionTimeoutMs: 900_000,
  /** A call channel with no call in flight for this long is ended (never longer than the connection's idle timeout). */
  channelIdleTimeoutMs: 30_000,
  readMaxBytes: 16 * 1024 * 1024,
  callChannel: true,
  watchBackoff: Object.freeze({ initialDelayMs: 250, maxDelayMs: 10_000, multiplier: 2, jitter: 1 }),
});

/** {@link PeerLinkOptions} with every default applied and checked (`auth` and `tls` stay optional). */
export interface ResolvedPeerLinkOptions {
  /** The peer's base URL without trailing slashes. */
  url: string;
  /** The same, parsed. */
  baseUrl: URL;
  auth: PeerAuthSigner | undefined;
  tls: PeerLinkTlsOptions | undefined;
  defaultTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  idleConnectionTimeoutMs: number;
  /** How long a call channel with no call in flight stays open: the smaller of 30 s and the idle timeout. */
  channelIdleTimeoutMs: number;
  readMaxBytes: number;
  callChannel: boolean;
  watchBackoff: ResolvedBackoffOptions;
  random: () => number;
  logger: Logger;
}

/**
 * Applies {@link DEFAULT_PEER_LINK} to `options` and checks every field once.
 *
 * @throws MeshError `invalid_argument` naming the field: a `url` that is not an `http:` or `https:` URL, a
 *   duration or `readMaxBytes` that is not a number above 0, or a `watchBackoff` out of range.
 */
export function resolvePeerLinkOptions(options: PeerLinkOptions): ResolvedPeerLinkOptions {
  let baseUrl: URL;
  try {
    baseUrl = new URL(options.url);
  } catch (error) {
    throw new MeshError('url is not a valid URL', 'invalid_argument', {
      cause: error,
      details: { field: 'url' },
    });
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new MeshError(`url must be http: or https:, got ${baseUrl.protocol}`, 'invalid_argument', {
      details: { field: 'url' },
    });
  }
  const watch = options.watchBackoff;
  const idleConnectionTimeoutMs = checkPositive(
    options.idleConnectionTimeoutMs ?? DEFAULT_PEER_LINK.idleConnectionTimeoutMs,
    'idleConnectionTimeoutMs',
  );
  return {
    url: options.url.replace(/\/+$/, ''),
    baseUrl,
    auth: options.auth,
    tls: options.tls,
    defaultTimeoutMs: checkPositive(
      options.defaultTimeoutMs ?? DEFAULT_PEER_LINK.defaultTimeoutMs,
      'defaultTimeoutMs',
    ),
    pingIntervalMs: checkPositive(
      options.pingIntervalMs ?? DEFAULT_PEER_LINK.pingIntervalMs,
      'pingIntervalMs',
    ),
    pingTimeoutMs: checkPositive(options.pingTimeoutMs ?? DEFAULT_PEER_LINK.pingTimeoutMs, 'pingTimeoutMs'),
    idleConnectionTimeoutMs,
    channelIdleTimeoutMs: Math.min(DEFAULT_PEER_LINK.channelIdleTimeoutMs, idleConnectionTimeoutMs),
    readMaxBytes: checkInteger(options.readMaxBytes ?? DEFAULT_PEER_LINK.readMaxBytes, 'readMaxBytes'),
    callChannel: options.callChannel ?? DEFAULT_PEER_LINK.callChannel,
    watchBackoff: resolveBackoffOptions(
      {
        ...watch,
        initialDelayMs: watch?.initialDelayMs ?? watch?.initialMs,
        maxDelayMs: watch?.maxDelayMs ?? watch?.maxMs,
      },
      DEFAULT_PEER_LINK.watchBackoff,
      'watchBackoff',
    ),
    random: options.random ?? Math.random,
    logger: options.logger ?? silentLogger,
  };
}

/**
 * A link to one peer node: a Connect client speaking gRPC over ONE HTTP/2 session (keepalive PINGs; a new
 * connection is opened transparently after the peer restarts or sends GOAWAY).
 *
 * Every call sends its deadline (`grpc-timeout`) and the metadata headers `mesh-correlation-id`,
 * `traceparent`, `tracestate`, `mesh-budget-id`, `mesh-hop` and `authorization`. Every failure rejects with a
 * `MeshError`; an unreachable peer, and a request the peer did not process (a stream refused while it shuts
 * down), are `unavailable`, so callers may fail over or retry.
 *
 * @throws MeshError `invalid_argument` when the URL is not `http:` or `https:`.
 * @example
 * ```ts
 * const link = createPeerLink({ url: 'http://127.0.0.1:7070', auth: peerAuth.signer });
 * const result = await link.callTool('echo', { text: 'hi' }, {
 *   timeoutMs: 2_000,
 *   metadata: { correlationId: 'c-1', hop: 1 },
 * });
 * ```
 */
export function createPeerLink(options: PeerLinkOptions): PeerLink {
  const resolved = resolvePeerLinkOptions(options);
  const { url, baseUrl, random, watchBackoff, defaultTimeoutMs, readMaxBytes } = resolved;
  const logger = resolved.logger.child({ peer: url });
  const tls = resolved.tls;
  const sessionManager = new Http2SessionManager(
    url,
    {
      pingIntervalMs: resolved.pingIntervalMs,
      pingTimeoutMs: resolved.pingTimeoutMs,
      idleConnectionTimeoutMs: resolved.idleConnectionTimeoutMs,
    },
    tls === undefined ? undefined : stripUndefined({ ...tls }),
  );
  const interceptors: Interceptor[] = [];
  const signer = resolved.auth;
  if (signer) {
    interceptors.push((next) => async (request) => {
      request.header.set(MESH_HEADERS.authorization, await signer.authorization());
      return next(request);
    });
  }
  const callToolPath = `${baseUrl.pathname.replace(/\/+$/, '')}/${MeshService.typeName}/${MeshService.method.callTool.name}`;
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager,
    interceptors,
    readMaxBytes,
  });
  const client: Client<typeof MeshService> = createClient(MeshService, transport);
  const channel = !resolved.callChannel
    ? undefined
    : createCallChannelClient({
        sessionManager,
        path: `${baseUrl.pathname.replace(/\/+$/, '')}/${MeshService.typeName}/${MeshService.method.callToolChannel.name}`,
        readMaxBytes,
        idleTimeoutMs: resolved.channelIdleTimeoutMs,
      });
  const watchers = new Set<AbortController>();
  let closed = false;

  /** The one place where failures on this link become `MeshError`s. */
  const toMeshError = (reason: unknown): MeshError => {
    if (isTlsFailure(reason)) {
      // connect-node reports a failed TLS handshake as `internal`; the peer is unusable from here, which is
      // what `unavailable` says, so a gateway may fail over to a replica with a valid certificate.
      const message = reason instanceof Error ? reason.message : String(reason);
      return new MeshError(`TLS handshake with ${url} failed: ${message}`, 'unavailable', {
        cause: reason,
        details: { origin: url },
      });
    }
    if (reason instanceof ConnectError && isUnprocessedRequest(reason)) {
      // connect-node reports a stream the peer refused (RST_STREAM REFUSED_STREAM, typically a call racing the
      // peer's GOAWAY while it shuts down) or one that never left this process as `internal`. RFC 9113 section
      // 8.7 guarantees a refused request was not processed, so it is `unavailable`: a gateway may fail over or
      // retry it without doing work twice.
      return new MeshError(`${url} did not process the request: ${reason.rawMessage}`, 'unavailable', {
        cause: reason,
        details: { origin: url, reason: 'not_processed' },
      });
    }
    const error = reason instanceof ConnectError ? meshErrorFromConnect(reason) : MeshError.from(reason);
    if (error.details.origin !== undefined) return error;
    return new MeshError(error.message, error.code, {
      cause: error.cause,
      details: { ...error.details, origin: url },
    });
  };

  /**
   * A failure of the part of a call that happens before the request leaves this process (arguments that cannot
   * be serialised, a deadline already passed, a failing signer): this side's fault, never the peer's, so it is
   * marked (see `markLocalFailure`) and does not count against the peer's breaker.
   */
  const localFailure = (error: unknown, what: string, serialising = false): MeshError => {
    const failure =
      serialising && (error instanceof RangeError || error instanceof TypeError)
        ? new MeshError(`${what} cannot be serialised: ${error.message}`, 'invalid_argument', {
            details: { field: 'arguments' },
          })
        : MeshError.from(error);
    return markLocalFailure(
      new MeshError(failure.message, failure.code, {
        cause: error,
        details: { ...failure.details, origin: url },
      }),
    );
  };

  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    if (closed) {
      throw markLocalFailure(
        new MeshError(`the peer link to ${url} is closed`, 'unavailable', { details: { origin: url } }),
      );
    }
    try {
      return await run();
    } catch (error) {
      throw toMeshError(error);
    }
  };

  /** The call's deadline in milliseconds; rejects a deadline that already passed. */
  const deadlineMs = (requested: number | undefined): number => {
    const timeoutMs = requested ?? defaultTimeoutMs;
    // Connect reads a timeout <= 0 as "no deadline"; for a caller whose deadline already passed it means "too late".
    if (!(timeoutMs > 0)) {
      throw new MeshError(`the deadline passed before the call to ${url} started`, 'deadline_exceeded', {
        details: { origin: url },
      });
    }
    return timeoutMs;
  };

  const callOptions = (
    options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined },
    metadata?: LinkCallMetadata,
  ): CallOptions => {
    const call: CallOptions = { timeoutMs: deadlineMs(options.timeoutMs) };
    if (options.signal) call.signal = options.signal;
    if (metadata) call.headers = metadataHeaders(metadata);
    return call;
  };

  const watchLoop = async (
    listener: (event: NodeEvent) => void,
    signal: AbortSignal,
    onError?: (error: MeshError) => void,
  ) => {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        // No deadline: the stream stays open until the peer closes it or the watcher stops.
        for await (const message of client.watchEvents({}, { signal })) {
          attempt = 0;
          const event = eventFromWire(message);
          if (event === undefined) continue;
          try {
            listener(event);
          } catch (error) {
            logger.error('watchEvents listener threw', { error });
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        const meshError = toMeshError(error);
        logger.debug('watch stream failed; reconnecting', {
          code: meshError.code,
          message: meshError.message,
        });
        try {
          onError?.(meshError);
        } catch (listenerError) {
          logger.error('watch error listener threw', { error: listenerError });
        }
      }
      const delayMs = backoffDelayMs(attempt, watchBackoff, random);
      attempt += 1;
      await sleep(delayMs, signal);
    }
  };

  const callOutcome = async (
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions,
  ): Promise<ToolOutcome> => {
    let request: ReturnType<typeof callRequestToWire>;
    try {
      request = callRequestToWire(name, args, options);
    } catch (error) {
      throw localFailure(error, `the arguments of "${name}"`, true);
    }
    const { onProgress, onLog } = options;
    if (!onProgress && !onLog) {
      // The hot path of every forwarded call: the same gRPC wire, without Connect's per-call pipeline.
      let metadata: Record<string, string>;
      let authorization: string | undefined;
      let timeoutMs: number;
      try {
        metadata = metadataRecord(options.metadata);
        authorization = signer ? await signer.authorization() : undefined;
        timeoutMs = deadlineMs(options.timeoutMs);
      } catch (error) {
        throw localFailure(error, `the call of "${name}"`);
      }
      if (channel && requestChars(request) <= CHANNEL_MAX_REQUEST_BYTES) {
        const answer = await channel.call({
          request,
          timeoutMs,
          metadata,
          authorization,
          signal: options.signal,
        });
        if (answer !== CHANNEL_UNSUPPORTED) return outcomeFromWire(answer.outcome, name);
      }
      if (authorization !== undefined) metadata[MESH_HEADERS.authorization] = authorization;
      const response = await grpcUnary(sessionManager, {
        path: callToolPath,
        headers: metadata,
        message: toBinary(CallToolRequestSchema, create(CallToolRequestSchema, request)),
        timeoutMs,
        signal: options.signal,
        readMaxBytes,
      });
      return outcomeFromWire(fromBinary(CallToolResponseSchema, response).outcome, name);
    }
    let call: CallOptions;
    try {
      call = callOptions(options, options.metadata);
    } catch (error) {
      throw localFailure(error, `the call of "${name}"`);
    }
    // The stream is read to its end, not left at the result: Connect's streaming call has no `return()`, so an
    // early exit would leave its deadline timer running and its listener on the caller's signal until the
    // deadline (issue 20: nothing per call outlives the call).
    let outcome: ToolOutcome | undefined;
    try {
      for await (const message of client.callToolStream({ ...request, logs: onLog !== undefined }, call)) {
        if (outcome !== undefined) continue;
        if (message.event.case === 'progress') onProgress?.(progressFromWire(message.event.value));
        else if (message.event.case === 'log') {
          const record = message.event.value;
          deliverLog(onLog, () => clientLogFromWire(record));
        } else if (message.event.case === 'result') outcome = resultFromWire(message.event.value);
        else if (message.event.case === 'inputRequired')
          outcome = inputRequiredFromWire(message.event.value, name);
      }
    } catch (error) {
      // A failure after the result (the stream reset while its trailers were on the way) does not undo it.
      if (outcome === undefined) throw error;
    }
    if (outcome !== undefined) return outcome;
    throw new MeshError(`the streamed call of ${name} ended without a result`, 'internal');
  };

  function callTool(
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions & { allowInputRequired?: false },
  ): Promise<ToolCallResult>;
  function callTool(
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions,
  ): Promise<ToolOutcome>;
  function callTool(
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions,
  ): Promise<ToolOutcome> {
    return guard(async () => {
      let outcome: ToolOutcome;
      try {
        outcome = await callOutcome(name, args, options);
      } catch (error) {
        throw lostConnection(error, options.signal);
      }
      if (isInputRequired(outcome) && options.allowInputRequired !== true)
        throw inputRequiredNotRelayable(name);
      return outcome;
    });
  }

  /**
   * A call "canceled" although its caller did not cancel it: the connection went away under it (the peer process
   * died or the network dropped it, resetting the stream). The peer is unreachable, which is `unavailable`; the
   * call may have run, so `details.reason` says `connection_lost` (not `not_processed`).
   */
  const lostConnection = (error: unknown, signal: AbortSignal | undefined): unknown => {
    if (signal?.aborted || isLocalFailure(error)) return error;
    const failure = toMeshError(error);
    if (failure.code !== 'canceled') return failure;
    return new MeshError(
      `the connection to ${url} was lost during the call: ${failure.message}`,
      'unavailable',
      {
        cause: error,
        details: { ...failure.details, origin: url, reason: 'connection_lost' },
      },
    );
  };

  /** Hands a received log record to `sink`; a malformed record is dropped (logged), never failing the request. */
  const deliverLog = (sink: ClientLogSink | undefined, read: () => ClientLogRecord) => {
    if (!sink) return;
    try {
      sink(read());
    } catch (error) {
      logger.debug('log record from the peer dropped', { error });
    }
  };

  /** Connect call options of a resource, prompt or completion request. */
  const featureCallOptions = (options: LinkFeatureOptions, what: string): CallOptions => {
    try {
      return callOptions(options, options.metadata);
    } catch (error) {
      throw localFailure(error, what);
    }
  };

  /** Runs a feature request; a connection lost under it is `unavailable` (see {@link lostConnection}). */
  const featureRequest = <T>(options: { signal?: AbortSignal | undefined }, run: () => Promise<T>) =>
    guard(async () => {
      try {
        return await run();
      } catch (error) {
        throw lostConnection(error, options.signal);
      }
    });

  /**
   * Reads a streamed feature response: log records to `onLog`, then the one result. Every message has an
   * `event` oneof with `log` and one result case.
   */
  const streamedResult = async <T>(
    messages: AsyncIterable<{ event: { case: string | undefined; value?: unknown } }>,
    resultCase: string,
    onLog: ClientLogSink | undefined,
    parse: (value: string) => T,
    what: string,
  ): Promise<T> => {
    // Read to the end like a streamed tool call (see `callOutcome`): an early exit would leave Connect's deadline
    // timer and its listener on the caller's signal behind.
    let result: { value: T } | undefined;
    try {
      for await (const message of messages) {
        if (result !== undefined) continue;
        const { event } = message;
        if (event.case === 'log') {
          deliverLog(onLog, () => clientLogFromWire(event.value as Parameters<typeof clientLogFromWire>[0]));
        } else if (event.case === resultCase) {
          result = { value: parse(event.value as string) };
        }
      }
    } catch (error) {
      if (result === undefined) throw error;
    }
    if (result !== undefined) return result.value;
    throw new MeshError(`${what} ended without a result`, 'internal', { details: { origin: url } });
  };

  // Resource subscriptions ride on one watch stream of the link, opened while any subscription is held.
  const resourceListeners = new Map<
    string,
    Set<{ listener: () => void; options: ResourceSubscriptionOptions }>
  >();
  let stopResourceWatch: (() => void) | undefined;
  const onResourceEvent = (event: NodeEvent) => {
    if (event.kind !== 'resource_updated') return;
    for (const entry of [...(resourceListeners.get(event.uri) ?? [])]) {
      try {
        entry.listener();
      } catch (error) {
        logger.error('resource listener threw', { error });
      }
    }
  };
  const onResourceWatchError = (error: MeshError) => {
    for (const entries of [...resourceListeners.values()]) {
      for (const entry of [...entries]) entry.options.onError?.(error);
    }
  };

  const link: PeerLink = {
    url,

    async features(options = {}) {
      try {
        return await featureRequest(options, async () =>
          featuresFromWire(await client.getFeatures({}, callOptions(options))),
        );
      } catch (error) {
        // A node older than the feature methods serves tools only.
        if (MeshError.isInstance(error) && error.code === 'unimplemented') return { ...NO_FEATURES };
        throw error;
      }
    },

    listResources(options) {
      return featureRequest(options, () =>
        streamedResult(
          client.listResources(
            { logs: options.onLog !== undefined },
            featureCallOptions(options, 'listing resources'),
          ),
          'resourcesJson',
          options.onLog,
          resourcesFromWire,
          'the resource list',
        ),
      );
    },

    listResourceTemplates(options) {
      return featureRequest(options, async () => {
        const response = await client.listResourceTemplates(
          {},
          featureCallOptions(options, 'listing resource templates'),
        );
        return resourceTemplatesFromWire(response.resourceTemplatesJson);
      });
    },

    readResource(uri, options) {
      return featureRequest(options, () =>
        streamedResult(
          client.readResource(
            { uri, logs: options.onLog !== undefined },
            featureCallOptions(options, `reading "${uri}"`),
          ),
          'resultJson',
          options.onLog,
          readResultFromWire,
          `the read of "${uri}"`,
        ),
      );
    },

    listPrompts(options) {
      return featureRequest(options, async () => {
        const response = await client.listPrompts({}, featureCallOptions(options, 'listing prompts'));
        return promptsFromWire(response.promptsJson);
      });
    },

    getPrompt(name, args, options) {
      return featureRequest(options, () =>
        streamedResult(
          client.getPrompt(
            { name, arguments: args, logs: options.onLog !== undefined },
            featureCallOptions(options, `getting prompt "${name}"`),
          ),
          'resultJson',
          options.onLog,
          promptResultFromWire,
          `prompt "${name}"`,
        ),
      );
    },

    complete(request, options) {
      return featureRequest(options, async () => {
        const response = await client.complete(
          completeRequestToWire(request),
          featureCallOptions(options, 'completing'),
        );
        return completionFromWire(response);
      });
    },

    subscribeResource(uri, listener, options = {}) {
      if (closed) return () => {};
      const entry = { listener, options };
      let entries = resourceListeners.get(uri);
      if (!entries) {
        entries = new Set();
        resourceListeners.set(uri, entries);
      }
      entries.add(entry);
      if (!stopResourceWatch) {
        const controller = new AbortController();
        watchers.add(controller);
        void watchLoop(onResourceEvent, controller.signal, onResourceWatchError).finally(() =>
          watchers.delete(controller),
        );
        stopResourceWatch = () => controller.abort();
      }
      return () => {
        entries.delete(entry);
        if (entries.size === 0 && resourceListeners.get(uri) === entries) resourceListeners.delete(uri);
        if (resourceListeners.size === 0) {
          stopResourceWatch?.();
          stopResourceWatch = undefined;
        }
      };
    },

    listTools(options = {}) {
      return guard(async () => {
        const response = await client.listTools({}, callOptions(options));
        return response.tools.map(toolFromWire) satisfies MeshToolInfo[];
      });
    },

    callTool,

    health(options = {}) {
      return guard(async (): Promise<HostHealth> => {
        const response = await client.health({}, callOptions(options));
        return healthFromWire(response.status);
      });
    },

    watchEvents(listener) {
      const controller = new AbortController();
      if (closed) return () => {};
      watchers.add(controller);
      void watchLoop(listener, controller.signal).finally(() => watchers.delete(controller));
      return () => controller.abort();
    },

    async close() {
      closed = true;
      channel?.close();
      for (const watcher of watchers) watcher.abort();
      watchers.clear();
      resourceListeners.clear();
      stopResourceWatch = undefined;
      sessionManager.abort();
    },
  };
  inFlightOf.set(link, () => ({
    channelCalls: channel?.inFlight().calls ?? 0,
    channels: channel?.inFlight().channels ?? 0,
    watchers: watchers.size,
  }));
  return link;
}

const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** True when `reason` (or an error in its `cause` chain) is a TLS handshake or certificate failure. */
function isTlsFailure(reason: unknown): boolean {
  for (let error = reason, depth = 0; error instanceof Error && depth < 5; depth += 1) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && TLS_ERROR_CODE.test(code)) return true;
    error = error.cause;
  }
  return false;
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

/** The characters of a call's strings: the size that decides between the call channel and a unary call. */
function requestChars(request: ReturnType<typeof callRequestToWire>): number {
  return (
    request.name.length +
    request.argumentsJson.length +
    (request.inputResponsesJson?.length ?? 0) +
    (request.requestState?.length ?? 0)
  );
}

/** The metadata headers as a plain record, for {@link grpcUnary} and the call channel. */
function metadataRecord(metadata: LinkCallMetadata | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!metadata) return headers;
  headers[MESH_HEADERS.correlationId] = metadata.correlationId;
  headers[MESH_HEADERS.hop] = String(metadata.hop);
  if (metadata.traceparent) headers[MESH_HEADERS.traceparent] = metadata.traceparent;
  if (metadata.tracestate) headers[MESH_HEADERS.tracestate] = metadata.tracestate;
  if (metadata.budgetId) headers[MESH_HEADERS.budgetId] = metadata.budgetId;
  return headers;
}

function metadataHeaders(metadata: LinkCallMetadata): Headers {
  const headers = new Headers();
  headers.set(MESH_HEADERS.correlationId, metadata.correlationId);
  headers.set(MESH_HEADERS.hop, String(metadata.hop));
  if (metadata.traceparent) headers.set(MESH_HEADERS.traceparent, metadata.traceparent);
  if (metadata.tracestate) headers.set(MESH_HEADERS.tracestate, metadata.tracestate);
  if (metadata.budgetId) headers.set(MESH_HEADERS.budgetId, metadata.budgetId);
  return headers;
}

function sleep(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, delayMs);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
