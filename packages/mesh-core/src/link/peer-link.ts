import { type CallMetadata, type CallTimeoutOptions, callTimeoutMs } from '../call/call-metadata.js';
import { MeshError, markLocalFailure } from '../errors/mesh-error.js';
import type { HostHealth } from '../host/tool-host.js';
import type { ClientLogRecord, ClientLogSink } from '../observability/client-logger.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkInteger, checkPositive } from '../options/check-options.js';
import {
  type BackoffOptions,
  backoffDelayMs,
  type ResolvedBackoffOptions,
  resolveBackoffOptions,
} from '../resilience/backoff.js';
import { finalResultOf } from '../tool/input-required.js';
import type { MeshToolInfo, ToolOutcome } from '../tool/tool-context.js';
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
import {
  checkPeerUrl,
  createHttp2PeerTransport,
  DEFAULT_HTTP2_PEER_TRANSPORT,
  type PeerLinkTlsOptions,
} from './http2-peer-transport.js';
import type { PeerAuthSigner } from './peer-auth.js';
import type {
  LinkCallOptions,
  LinkFeatureOptions,
  NodeEvent,
  PeerLink,
  ResourceSubscriptionOptions,
} from './peer-link-types.js';
import type { PeerTransport, PeerTransportCallOptions } from './peer-transport.js';
import { meshErrorFromTransport, meshErrorOfCall } from './transport-errors.js';
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

export type { PeerLinkTlsOptions } from './http2-peer-transport.js';

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

/** The options of {@link createPeerLink} that do not depend on the transport. */
export interface PeerLinkCommonOptions {
  /**
   * Adds the `authorization` header to every call.
   * @default none
   */
  auth?: PeerAuthSigner;
  /**
   * Deadline of a call that sets no `timeoutMs`, in milliseconds.
   * @default 30000
   */
  defaultTimeoutMs?: number;
  /** Backoff between WatchEvents reconnects. */
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

/** Options for {@link createPeerLink} over HTTP/2 to a mesh service URL. */
export interface PeerLinkOptions extends PeerLinkCommonOptions {
  /** Base URL of the peer's mesh service: `http://` (h2c) or `https://` (TLS). */
  url: string;
  /** TLS settings for `https://` URLs. */
  tls?: PeerLinkTlsOptions;
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
  /** Only with {@link PeerLinkTransportOptions}. */
  transport?: never;
}

/** Options for {@link createPeerLink} over a {@link PeerTransport} you give (an in-memory one in tests). */
export interface PeerLinkTransportOptions extends PeerLinkCommonOptions {
  /** The wire the link runs on; the link closes it when it closes. */
  transport: PeerTransport;
  /** The transport says where it leads (`transport.url`). */
  url?: never;
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

/** Defaults of {@link PeerLinkOptions}: the link's own and those of its HTTP/2 transport. */
export const DEFAULT_PEER_LINK = Object.freeze({
  defaultTimeoutMs: 30_000,
  ...DEFAULT_HTTP2_PEER_TRANSPORT,
  callChannel: true,
  watchBackoff: Object.freeze({ initialDelayMs: 250, maxDelayMs: 10_000, multiplier: 2, jitter: 1 }),
});

/** {@link PeerLinkOptions} with every default applied and every value checked. */
export interface ResolvedPeerLinkOptions {
  /** The URL without trailing slashes. */
  url: string;
  auth: PeerAuthSigner | undefined;
  tls: PeerLinkTlsOptions | undefined;
  defaultTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  idleConnectionTimeoutMs: number;
  /** The call channel's idle timeout: {@link DEFAULT_PEER_LINK}'s, never longer than the connection's. */
  channelIdleTimeoutMs: number;
  readMaxBytes: number;
  callChannel: boolean;
  watchBackoff: ResolvedBackoffOptions;
  random: () => number;
  logger: Logger;
}

/**
 * Applies {@link DEFAULT_PEER_LINK} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: a URL that is not `http:` or `https:`, a duration that is
 *   not a positive number, a `readMaxBytes` that is not a positive integer, a bad `watchBackoff`.
 */
export function resolvePeerLinkOptions(options: PeerLinkOptions): ResolvedPeerLinkOptions {
  const url = checkPeerUrl(options.url);
  const positive = (value: number | undefined, fallback: number, field: string) =>
    checkPositive(value ?? fallback, field);
  const common = resolveCommonOptions(options);
  const idleConnectionTimeoutMs = positive(
    options.idleConnectionTimeoutMs,
    DEFAULT_PEER_LINK.idleConnectionTimeoutMs,
    'idleConnectionTimeoutMs',
  );
  return {
    ...common,
    url,
    tls: options.tls,
    pingIntervalMs: positive(options.pingIntervalMs, DEFAULT_PEER_LINK.pingIntervalMs, 'pingIntervalMs'),
    pingTimeoutMs: positive(options.pingTimeoutMs, DEFAULT_PEER_LINK.pingTimeoutMs, 'pingTimeoutMs'),
    idleConnectionTimeoutMs,
    channelIdleTimeoutMs: Math.min(DEFAULT_PEER_LINK.channelIdleTimeoutMs, idleConnectionTimeoutMs),
    readMaxBytes: checkInteger(options.readMaxBytes ?? DEFAULT_PEER_LINK.readMaxBytes, 'readMaxBytes'),
    callChannel: options.callChannel ?? DEFAULT_PEER_LINK.callChannel,
  };
}

/** The transport-independent options of {@link createPeerLink}, resolved and checked. */
function resolveCommonOptions(
  options: PeerLinkCommonOptions,
): Pick<ResolvedPeerLinkOptions, 'auth' | 'defaultTimeoutMs' | 'watchBackoff' | 'random' | 'logger'> {
  const watch = options.watchBackoff;
  return {
    auth: options.auth,
    defaultTimeoutMs: checkPositive(
      options.defaultTimeoutMs ?? DEFAULT_PEER_LINK.defaultTimeoutMs,
      'defaultTimeoutMs',
    ),
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
 * A link to one peer node over a {@link PeerTransport}: by default the HTTP/2 transport to `options.url` (a
 * Connect client speaking gRPC over ONE HTTP/2 session, with keepalive PINGs; a new connection is opened
 * transparently after the peer restarts or sends GOAWAY), or the transport you give as `options.transport`.
 *
 * The link does what is the same on every transport: it checks deadlines, signs calls, encodes and decodes the
 * mesh messages, and converts every failure into a `MeshError` at one boundary. Every call sends its deadline
 * and the metadata headers `mesh-correlation-id`, `traceparent`, `tracestate`, `mesh-budget-id`, `mesh-hop` and
 * `authorization`. An unreachable peer, and a request the peer did not process (a stream refused while it shuts
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
export function createPeerLink(options: PeerLinkOptions | PeerLinkTransportOptions): PeerLink {
  const resolved = options.transport === undefined ? resolvePeerLinkOptions(options) : undefined;
  const transport: PeerTransport =
    options.transport ??
    createHttp2PeerTransport({
      url: resolved!.url,
      tls: resolved!.tls,
      pingIntervalMs: resolved!.pingIntervalMs,
      pingTimeoutMs: resolved!.pingTimeoutMs,
      idleConnectionTimeoutMs: resolved!.idleConnectionTimeoutMs,
      readMaxBytes: resolved!.readMaxBytes,
      callChannel: resolved!.callChannel,
    });
  const url = transport.url;
  const { random, watchBackoff, defaultTimeoutMs, ...common } = resolved ?? resolveCommonOptions(options);
  const logger = common.logger.child({ peer: url });
  const signer = options.auth;
  const watchers = new Set<AbortController>();
  let closed = false;

  /** The one place where failures on this link become `MeshError`s (see `transport-errors.ts`). */
  const toMeshError = (reason: unknown): MeshError => meshErrorFromTransport(reason, url);

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

  /**
   * The call's deadline in milliseconds (`callTimeoutMs`: its `timeoutMs`, else its metadata's deadline, else the
   * link's default); rejects a deadline that already passed.
   */
  const deadlineMs = (options: CallTimeoutOptions): number => {
    const timeoutMs = callTimeoutMs(options, defaultTimeoutMs);
    // Connect reads a timeout <= 0 as "no deadline"; for a caller whose deadline already passed it means "too late".
    if (!(timeoutMs > 0)) {
      throw new MeshError(`the deadline passed before the call to ${url} started`, 'deadline_exceeded', {
        details: { origin: url },
      });
    }
    return timeoutMs;
  };

  /** The transport options of one operation: its deadline, signal, metadata and signed token. */
  const transportOptions = async (
    options: CallTimeoutOptions & { signal?: AbortSignal | undefined; metadata?: CallMetadata | undefined },
  ): Promise<PeerTransportCallOptions & { timeoutMs: number }> => {
    const call: PeerTransportCallOptions & { timeoutMs: number } = {
      timeoutMs: deadlineMs(options),
    };
    if (options.signal) call.signal = options.signal;
    if (options.metadata) call.metadata = options.metadata;
    if (signer) call.authorization = await signer.authorization();
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
        const authorization = signer ? await signer.authorization() : undefined;
        for await (const message of transport.watchEvents({ signal, authorization })) {
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
    let call: PeerTransportCallOptions & { timeoutMs: number };
    try {
      call = await transportOptions(options);
    } catch (error) {
      throw localFailure(error, `the call of "${name}"`);
    }
    const { onProgress, onLog } = options;
    if (!onProgress && !onLog) {
      const response = await transport.callTool(request, call);
      return outcomeFromWire(response.outcome, name);
    }
    // The stream is read to its end, not left at the result: Connect's streaming call has no `return()`, so an
    // early exit would leave its deadline timer running and its listener on the caller's signal until the
    // deadline (issue 20: nothing per call outlives the call).
    let outcome: ToolOutcome | undefined;
    try {
      for await (const message of transport.callToolStream({ ...request, logs: onLog !== undefined }, call)) {
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

  /**
   * Runs one call and hands its outcome to `settle` inside the link's error boundary: `callTool` settles with
   * `finalResultOf` (an input request fails `failed_precondition`, naming this peer as its origin),
   * `callToolOutcome` with the outcome itself.
   */
  const runCall = <T>(
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions,
    settle: (outcome: ToolOutcome) => T,
  ): Promise<T> =>
    guard(async () => {
      let outcome: ToolOutcome;
      try {
        outcome = await callOutcome(name, args, options);
      } catch (error) {
        throw meshErrorOfCall(error, url, options.signal);
      }
      return settle(outcome);
    });

  /** Hands a received log record to `sink`; a malformed record is dropped (logged), never failing the request. */
  const deliverLog = (sink: ClientLogSink | undefined, read: () => ClientLogRecord) => {
    if (!sink) return;
    try {
      sink(read());
    } catch (error) {
      logger.debug('log record from the peer dropped', { error });
    }
  };

  /** Transport options of a resource, prompt or completion request. */
  const featureCallOptions = async (
    options: LinkFeatureOptions,
    what: string,
  ): Promise<PeerTransportCallOptions> => {
    try {
      return await transportOptions(options);
    } catch (error) {
      throw localFailure(error, what);
    }
  };

  /** Runs a feature request; a connection lost under it is `unavailable` (see `meshErrorOfCall`). */
  const featureRequest = <T>(options: { signal?: AbortSignal | undefined }, run: () => Promise<T>) =>
    guard(async () => {
      try {
        return await run();
      } catch (error) {
        throw meshErrorOfCall(error, url, options.signal);
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
          featuresFromWire(await transport.getFeatures(await transportOptions(options))),
        );
      } catch (error) {
        // A node older than the feature methods serves tools only.
        if (MeshError.isInstance(error) && error.code === 'unimplemented') return { ...NO_FEATURES };
        throw error;
      }
    },

    listResources(options) {
      return featureRequest(options, async () =>
        streamedResult(
          transport.listResources(
            { logs: options.onLog !== undefined },
            await featureCallOptions(options, 'listing resources'),
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
        const response = await transport.listResourceTemplates(
          await featureCallOptions(options, 'listing resource templates'),
        );
        return resourceTemplatesFromWire(response.resourceTemplatesJson);
      });
    },

    readResource(uri, options) {
      return featureRequest(options, async () =>
        streamedResult(
          transport.readResource(
            { uri, logs: options.onLog !== undefined },
            await featureCallOptions(options, `reading "${uri}"`),
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
        const response = await transport.listPrompts(await featureCallOptions(options, 'listing prompts'));
        return promptsFromWire(response.promptsJson);
      });
    },

    getPrompt(name, args, options) {
      return featureRequest(options, async () =>
        streamedResult(
          transport.getPrompt(
            { name, arguments: args, logs: options.onLog !== undefined },
            await featureCallOptions(options, `getting prompt "${name}"`),
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
        const response = await transport.complete(
          completeRequestToWire(request),
          await featureCallOptions(options, 'completing'),
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
        const response = await transport.listTools(await transportOptions(options));
        return response.tools.map(toolFromWire) satisfies MeshToolInfo[];
      });
    },

    callTool: (name, args, options) =>
      runCall(name, args, options, (outcome) => finalResultOf(name, outcome)),
    callToolOutcome: (name, args, options) => runCall(name, args, options, (outcome) => outcome),

    health(options = {}) {
      return guard(async (): Promise<HostHealth> => {
        const response = await transport.health(await transportOptions(options));
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
      for (const watcher of watchers) watcher.abort();
      watchers.clear();
      resourceListeners.clear();
      stopResourceWatch = undefined;
      await transport.close();
    },
  };
  inFlightOf.set(link, () => {
    const held = transport.inFlight?.();
    return { channelCalls: held?.channelCalls ?? 0, channels: held?.channels ?? 0, watchers: watchers.size };
  });
  return link;
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
