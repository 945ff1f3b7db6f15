import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  type LoggingLevel,
  type LoggingMessageNotificationParams,
  type McpSubscription,
  type RequestOptions,
} from '@modelcontextprotocol/client';
import { type CallMetadata, type CallTimeoutOptions, callTimeoutMs } from '../call/call-metadata.js';
import { isLocalFailure, MeshError, markLocalFailure } from '../errors/mesh-error.js';
import type { HostHealth } from '../host/tool-host.js';
import { callMetadataToMeta } from '../mcp/inbound-call.js';
import { exceedsJsonDepth } from '../mcp/json-depth.js';
import type { ClientLogRecord } from '../observability/client-logger.js';
import type { LogLevel } from '../observability/logger.js';
import { redactSecretValues, registerSecretValues } from '../observability/secret-values.js';
import { MAX_TIMER_MS } from '../resilience/backoff.js';
import { finalResultOf } from '../tool/input-required.js';
import {
  isInputRequired,
  type MeshToolInfo,
  type ToolOutcome,
  type ToolProgress,
} from '../tool/tool-context.js';
import { type CallLeg, createHeldCalls, heldCallNotFound, isHeldCallToken } from './mcp-held-calls.js';
import { createLeanCallPath } from './mcp-lean-path.js';
import { meshErrorFromMcp } from './mcp-link-errors.js';
import { createMcpFeatureMethods } from './mcp-peer-features.js';
import { type McpPeerLinkOptions, resolveMcpPeerLinkOptions } from './mcp-peer-link-options.js';
import {
  CLIENT_CAPABILITIES,
  createMcpSessionManager,
  type McpRequestScope,
  type McpSession,
  mcpRequestScope,
} from './mcp-session.js';
import type { LinkCallOptions, NodeEvent, PeerFeatureLink, PeerLink } from './peer-link-types.js';

/** MCP log levels onto the mesh's four (`notice` counts as info; `critical` and above as error). */
const LEVELS: Record<LoggingLevel, LogLevel> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  alert: 'error',
  emergency: 'error',
};

/** One follower of a resource's updates. */
interface ResourceWatch {
  listener: () => void;
  onError: ((error: MeshError) => void) | undefined;
}

/** A plain MCP upstream as a peer link: {@link PeerLink} with every feature method, plus its process id. */
export type McpPeerLink = PeerLink &
  PeerFeatureLink & {
    /** The display name of the upstream (never its command line or a URL with credentials). */
    readonly name: string;
    /** The process id of a stdio upstream while it runs. */
    readonly pid: number | undefined;
    /** The protocol era of the open session, if one is open. */
    readonly era: 'legacy' | 'modern' | undefined;
  };

/**
 * The `_meta` a request carries: its trace context (`traceparent`, `tracestate`, W3C keys MCP servers read), with
 * `meshMeta` the call metadata as mesh edges read it (`callMetadataToMeta`: also correlation id, budget id and
 * the deadline), and, when the caller wants log records, the log level.
 */
function metaOf(
  metadata: CallMetadata,
  timeoutMs: number,
  wantsLogs: boolean,
  meshMeta: boolean,
): Record<string, unknown> {
  let meta: Record<string, unknown>;
  if (meshMeta) meta = callMetadataToMeta(metadata, timeoutMs);
  else {
    meta = {};
    if (metadata.traceparent !== undefined) meta.traceparent = metadata.traceparent;
    if (metadata.tracestate !== undefined) meta.tracestate = metadata.tracestate;
  }
  // 2026-07-28: the log level travels with each request (a 2025-era session gets `logging/setLevel` once).
  if (wantsLogs) meta[LOG_LEVEL_META_KEY] = 'debug';
  return meta;
}

/** What a call declares to a 2026-07-28 upstream on `callTool`: no input requests (the caller cannot relay them). */
const NO_CLIENT_CAPABILITIES: Readonly<Record<string, unknown>> = Object.freeze({});

/** A progress notification's fields as the mesh's {@link ToolProgress}. */
function progressOf(progress: {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}): ToolProgress {
  return {
    progress: progress.progress,
    ...(progress.total === undefined ? {} : { total: progress.total }),
    ...(progress.message === undefined ? {} : { message: progress.message }),
  };
}

/** An upstream's answer as the outcome a caller gets: an input request reduced to its three fields. */
function outcomeOf(result: unknown): ToolOutcome {
  if (isInputRequired(result)) {
    const { inputRequests, requestState } = result as { inputRequests?: unknown; requestState?: unknown };
    return {
      resultType: 'input_required',
      ...(inputRequests === undefined ? {} : { inputRequests: inputRequests as never }),
      ...(typeof requestState === 'string' ? { requestState } : {}),
    };
  }
  return result as ToolOutcome;
}

/** One leg of a held call: the caller's cancellation, deadline and sinks. */
function legOf(callOptions: LinkCallOptions, timeoutMs: number): CallLeg {
  return {
    signal: callOptions.signal,
    timeoutMs,
    sinks: { onProgress: callOptions.onProgress, onLog: callOptions.onLog },
  };
}

/**
 * Creates a {@link PeerLink} to a plain MCP server (issue 18): one the gateway reaches over Streamable HTTP (the
 * 2025 session era and the stateless 2026-07-28 era), the legacy HTTP+SSE transport, or stdio to a child process
 * it starts and supervises (restarted with backoff after it exits; stderr logged at warn under a rate cap;
 * environment from the options only; stopped on `close()` by closing stdin, then SIGTERM, then SIGKILL, 2 s apart).
 *
 * Tools are listed and called as the upstream defines them; results pass through unchanged. Calls carry their
 * deadline (as the request timeout, which the link enforces itself), cancellation (`notifications/cancelled`, or
 * the aborted request in the 2026 era), trace context in `_meta` (with `meshMeta`, also the correlation id,
 * budget id and deadline under `io.kidsstories/*` keys), progress (`onProgress`) and log records (`onLog`, over
 * Streamable HTTP). A 2026-07-28 upstream is told on each call which input requests its client can answer
 * (`LinkCallOptions.clientCapabilities` on `callToolOutcome`, else elicitation, sampling and roots; none on
 * `callTool`). An `input_required` result of a 2026-07-28 upstream passes through as the outcome of
 * `callToolOutcome` (`callTool` rejects it `failed_precondition`). A 2025-era upstream's `elicitation/create`, `sampling/createMessage` or `roots/list`
 * request during a call becomes such an outcome too: the upstream call is held open (at most
 * `heldCallTimeoutMs`, at most `maxHeldCalls` at once) and the retry carrying its `requestState` answers it (see
 * `ownsRequestState` and docs/decisions/0013-held-upstream-calls.md). Failures reject with a `MeshError`: a dead connection or process `unavailable`, a
 * timeout `deadline_exceeded`, invalid params `invalid_argument`, an unknown tool `not_found`, a method the
 * upstream lacks `unimplemented`. List changes arrive as `tools_changed`,
 * `resources_changed` and `prompts_changed` events.
 *
 * Header values, env values and URL credentials are registered as secrets (see `registerSecretValues`) until
 * `close()`.
 *
 * @throws MeshError `invalid_argument` naming the option for bad options.
 * @example
 * ```ts
 * const link = createMcpPeerLink({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] });
 * const tools = await link.listTools();
 * const result = await link.callTool('echo', { message: 'hi' }, { metadata: { correlationId: 'c-1', hop: 1 } });
 * await link.close();
 * ```
 */
export function createMcpPeerLink(options: McpPeerLinkOptions): McpPeerLink {
  const resolved = resolveMcpPeerLinkOptions(options);
  const { name, now } = resolved;
  const logger = resolved.logger.child({ upstream: name });
  const unregisterSecrets = registerSecretValues(resolved.secrets);
  const watchers = new Set<(event: NodeEvent) => void>();
  /** Who follows which resource, with the `onError` each gave (the gateway moves a lost subscription). */
  const resourceListeners = new Map<string, Set<ResourceWatch>>();
  /** Tells the followers of `uris` (default all) that their subscription is lost for now; the link keeps trying. */
  const subscriptionsLost = (reason: string, uris: Iterable<string> = resourceListeners.keys()) => {
    const error = new MeshError(`resource updates from ${name} may be missed: ${reason}`, 'unavailable', {
      details: { origin: name },
    });
    for (const uri of [...uris]) {
      for (const watch of [...(resourceListeners.get(uri) ?? [])]) {
        try {
          watch.onError?.(error);
        } catch (listenerError) {
          logger.error('resource subscription error listener threw', { error: listenerError });
        }
      }
    }
  };
  let listen: McpSubscription | undefined;
  let closed = false;

  const emit = (event: NodeEvent) => {
    for (const watcher of [...watchers]) {
      try {
        watcher(event);
      } catch (error) {
        logger.error('watchEvents listener threw', { error });
      }
    }
  };

  const logRecordOf = (params: LoggingMessageNotificationParams): ClientLogRecord => {
    let data: ClientLogRecord['data'];
    try {
      const text = redactSecretValues(JSON.stringify(params.data ?? null));
      const parsed = JSON.parse(text) as unknown;
      data =
        typeof parsed === 'string' ||
        (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          ? (parsed as ClientLogRecord['data'])
          : { value: parsed };
    } catch {
      data = '[unserialisable log data]';
    }
    return { level: LEVELS[params.level] ?? 'info', logger: params.logger ?? name, data };
  };

  /** Hands a log record to the call it belongs to, or to the gateway's log. */
  const routeLog = (params: LoggingMessageNotificationParams, scope: McpRequestScope | undefined) => {
    const record = logRecordOf(params);
    if (scope?.onLog) {
      try {
        scope.onLog(record);
      } catch (error) {
        logger.debug('client log sink failed', { error });
      }
    } else
      logger.debug('upstream log record', {
        level: record.level,
        logger: record.logger,
        data: record.data,
      });
  };

  /** Plain `tools/call` over Streamable HTTP without the SDK client (ADR 0012); `undefined` for stdio. */
  const lean = createLeanCallPath(resolved, logger);
  /** 2025-era calls held open while their input requests travel to the client (ADR 0013). */
  const heldCalls = createHeldCalls({
    name,
    heldCallTimeoutMs: resolved.heldCallTimeoutMs,
    maxHeldCalls: resolved.maxHeldCalls,
    logger,
  });

  /** Opens (or opens again) the 2026-era `subscriptions/listen` stream with what is watched now. */
  const relisten = async (session: McpSession) => {
    const previous = listen;
    listen = undefined;
    await previous?.close().catch(() => {});
    if (closed || session.era !== 'modern' || (watchers.size === 0 && resourceListeners.size === 0)) return;
    const { tools, prompts, resources } = session.capabilities;
    const filter = {
      ...(tools?.listChanged ? { toolsListChanged: true } : {}),
      ...(prompts?.listChanged ? { promptsListChanged: true } : {}),
      ...(resources?.listChanged ? { resourcesListChanged: true } : {}),
      ...(resources?.subscribe && resourceListeners.size > 0
        ? { resourceSubscriptions: [...resourceListeners.keys()] }
        : {}),
    };
    if (Object.keys(filter).length === 0) return;
    try {
      const opened = await session.client.listen(filter, { timeout: resolved.connectTimeoutMs });
      listen = opened;
      void opened.closed.then((reason) => {
        // An unexpected end: listen again while the session lasts (a lost session reconnects on its own).
        if (reason === 'remote' && listen === opened && sessions.current === session && !closed) {
          subscriptionsLost('the subscriptions/listen stream ended');
          setTimeout(() => void relisten(session), resolved.restartBackoff.initialDelayMs).unref?.();
        }
      });
    } catch (error) {
      const failure = meshErrorFromMcp(error, { origin: name, method: 'subscriptions/listen' });
      logger.warn('could not listen for upstream changes', { code: failure.code, message: failure.message });
      if (filter.resourceSubscriptions) subscriptionsLost(`subscriptions/listen failed: ${failure.message}`);
    }
  };

  /** `resources/subscribe` on a 2025-era session; a refusal or a failure tells the followers of `uri`. */
  const subscribeOn = async (session: McpSession, uri: string): Promise<void> => {
    try {
      await session.client.subscribeResource({ uri }, { timeout: resolved.connectTimeoutMs });
    } catch (error) {
      if (closed || sessions.current !== session) return;
      const failure = meshErrorFromMcp(error, { origin: name, method: 'resources/subscribe' });
      logger.warn('could not subscribe to an upstream resource', {
        code: failure.code,
        message: failure.message,
      });
      subscriptionsLost(`resources/subscribe failed: ${failure.message}`, [uri]);
    }
  };

  const sessions = createMcpSessionManager(
    { ...resolved, logger },
    {
      onListChanged(kind) {
        emit({ kind: `${kind}_changed`, nodeId: name });
        options.onListChanged?.(kind);
      },
      onResourceUpdated(uri) {
        for (const watch of [...(resourceListeners.get(uri) ?? [])]) {
          try {
            watch.listener();
          } catch (error) {
            logger.error('resource listener threw', { error });
          }
        }
      },
      onLog: routeLog,
      onInputRequest: (session, inputRequest) => heldCalls.onServerRequest(session, inputRequest),
      onClosed() {
        if (resourceListeners.size > 0) subscriptionsLost('the connection to the upstream was lost');
      },
      onOpened(session, restarted) {
        void (async () => {
          if (session.era === 'legacy' && session.capabilities.logging) {
            // Everything the upstream logs comes here; each MCP edge filters by its own client's level.
            await session.client.setLoggingLevel('debug').catch(() => {});
          }
          if (session.era === 'legacy' && session.capabilities.resources?.subscribe) {
            for (const uri of [...resourceListeners.keys()]) {
              await subscribeOn(session, uri);
            }
          }
          await relisten(session);
        })();
        // A restarted process (or a new session) may offer other tools.
        if (restarted) emit({ kind: 'tools_changed', nodeId: name });
      },
    },
  );

  /**
   * The deadline of a request (`callTimeoutMs`: its `timeoutMs`, else its metadata's deadline, else the default),
   * rejecting one that already passed (a local failure: not the upstream's fault).
   */
  const deadlineOf = (call: CallTimeoutOptions): { timeoutMs: number; deadline: number } => {
    const ms = callTimeoutMs(call, resolved.defaultTimeoutMs, now);
    if (!(ms > 0)) {
      throw markLocalFailure(
        new MeshError(`the deadline passed before the call to ${name} started`, 'deadline_exceeded', {
          details: { origin: name },
        }),
      );
    }
    return { timeoutMs: ms, deadline: now() + ms };
  };

  /** Runs one request on the open session, converting its failure at this link's one boundary. */
  const request = async <T>(
    method: string,
    target: string | undefined,
    call: CallTimeoutOptions & {
      signal?: AbortSignal | undefined;
      onLog?: McpRequestScope['onLog'];
    },
    run: (session: McpSession, requestOptions: RequestOptions, timeoutMs: number) => Promise<T>,
  ): Promise<T> => {
    if (closed) {
      throw markLocalFailure(
        new MeshError(`the link to ${name} is closed`, 'unavailable', { details: { origin: name } }),
      );
    }
    const { deadline } = deadlineOf(call);
    // The open session at once when there is one (an await less a call); else connect or wait for it.
    let session: McpSession | undefined = call.signal?.aborted ? undefined : sessions.current;
    if (session === undefined) {
      try {
        session = await sessions.acquire({ signal: call.signal, deadline });
      } catch (error) {
        if (isLocalFailure(error)) throw error;
        throw meshErrorFromMcp(error, { origin: name, method, ...(target === undefined ? {} : { target }) });
      }
    }
    const remaining = deadline - now();
    if (remaining <= 0) {
      throw new MeshError(`${name} could not be reached before the deadline`, 'deadline_exceeded', {
        details: { origin: name },
      });
    }
    const requestOptions: RequestOptions = { timeout: remaining };
    if (call.signal) requestOptions.signal = call.signal;
    // Another request in flight makes a 2025-era server request harder to place (mcp-held-calls.ts).
    const counted = method !== 'tools/call' && session.era === 'legacy';
    if (counted) heldCalls.noteOtherRequest(session, 1);
    try {
      // The request scope only when the caller wants log records: an AsyncLocalStorage in use turns on Node 20's
      // promise hooks, which cost every promise of the process (about 2 ms a call through the gateway).
      const onLog = call.onLog;
      return onLog
        ? await mcpRequestScope.run({ onLog }, () => run(session, requestOptions, remaining))
        : await run(session, requestOptions, remaining);
    } catch (error) {
      const aborted = call.signal?.aborted === true;
      const failure = aborted
        ? meshErrorFromMcp(call.signal?.reason ?? error, { origin: name, method, callerAborted: true })
        : meshErrorFromMcp(error, { origin: name, method, ...(target === undefined ? {} : { target }) });
      // A 2025-era session the upstream no longer knows (it restarted): open a new one for the next call.
      if (failure.details.reason === 'session_lost') sessions.discard(session);
      throw failure;
    } finally {
      if (counted) heldCalls.noteOtherRequest(session, -1);
    }
  };

  /**
   * A `tools/call` on a 2025-era session, through the held calls: the upstream may ask for client input during
   * it, which comes back as an `input_required` outcome (when `relay`) while the upstream call stays open.
   */
  const callHolding = (
    session: McpSession,
    params: Record<string, unknown> & { name: string; _meta: Record<string, unknown> },
    timeoutMs: number,
    callOptions: LinkCallOptions,
    relay: boolean,
  ): Promise<unknown> => {
    const { onProgress, onLog } = callOptions;
    const leanSession = lean?.sessionFor(session, params.name);
    return heldCalls.start(
      {
        session,
        tool: params.name,
        principal: callOptions.principal,
        relay,
        clientCapabilities: callOptions.clientCapabilities,
        async run(signal, hooks) {
          // Progress and log records go to the leg running now (the client's first call, then its retries).
          const toProgress = onProgress && ((progress: ToolProgress) => hooks.sinks().onProgress?.(progress));
          const toLog = onLog && ((record: ClientLogRecord) => hooks.sinks().onLog?.(record));
          // The legs carry the deadlines (mcp-held-calls.ts): the request itself has none of its own.
          if (lean && leanSession) {
            const outcome = await lean.call(leanSession, {
              params,
              timeoutMs: MAX_TIMER_MS,
              signal,
              onProgress: toProgress,
              ...(toLog ? { onLog: (logParams) => routeLog(logParams, { onLog: toLog }) } : {}),
              onRequest: hooks.onRequest,
            });
            if (outcome !== 'fallback') return outcome;
          }
          const sdkCall = () =>
            session.client.callTool(params as Parameters<typeof session.client.callTool>[0], {
              timeout: MAX_TIMER_MS,
              signal,
              allowInputRequired: true,
              ...(toProgress ? { onprogress: (progress) => toProgress(progressOf(progress)) } : {}),
            });
          return toLog ? mcpRequestScope.run({ onLog: toLog }, sdkCall) : sdkCall();
        },
      },
      legOf(callOptions, timeoutMs),
    );
  };

  /** The retry of a held call: answers the upstream's requests and waits for its next leg. */
  const resumeHeld = async (tool: string, token: string, callOptions: LinkCallOptions): Promise<unknown> => {
    if (closed) {
      throw markLocalFailure(
        new MeshError(`the link to ${name} is closed`, 'unavailable', { details: { origin: name } }),
      );
    }
    if (!heldCalls.owns(token)) throw heldCallNotFound(name, tool);
    const { timeoutMs } = deadlineOf(callOptions);
    try {
      return await heldCalls.resume(
        token,
        { tool, principal: callOptions.principal, inputResponses: callOptions.inputResponses },
        legOf(callOptions, timeoutMs),
      );
    } catch (error) {
      if (isLocalFailure(error)) throw error;
      const aborted = callOptions.signal?.aborted === true;
      throw meshErrorFromMcp(aborted ? (callOptions.signal?.reason ?? error) : error, {
        origin: name,
        method: 'tools/call',
        target: tool,
        ...(aborted ? { callerAborted: true } : {}),
      });
    }
  };

  /** Calls a tool; resolves its outcome (an upstream's input request passes through when `relay`). */
  async function callOutcome(
    tool: string,
    args: Record<string, unknown>,
    callOptions: LinkCallOptions,
    relay: boolean,
  ): Promise<ToolOutcome> {
    const { onProgress, onLog } = callOptions;
    if (isHeldCallToken(callOptions.requestState)) {
      return outcomeOf(await resumeHeld(tool, callOptions.requestState, callOptions));
    }
    // The log scope is opened below, for the SDK path only (the lean path hands records over itself).
    const call = { signal: callOptions.signal, timeoutMs: callOptions.timeoutMs };
    const result = await request('tools/call', tool, call, async (session, requestOptions, timeoutMs) => {
      const meta = metaOf(callOptions.metadata, timeoutMs, onLog !== undefined, resolved.meshMeta);
      // 2026-07-28: each request declares what its client can answer (a 2025-era session did so at `initialize`,
      // for every call). The key in `_meta` wins over the SDK client's own envelope, as on the lean path.
      if (session.era === 'modern') {
        meta[CLIENT_CAPABILITIES_META_KEY] = relay
          ? (callOptions.clientCapabilities ?? CLIENT_CAPABILITIES)
          : NO_CLIENT_CAPABILITIES;
      }
      const params = {
        name: tool,
        arguments: args,
        _meta: meta,
        ...(callOptions.inputResponses === undefined ? {} : { inputResponses: callOptions.inputResponses }),
        ...(callOptions.requestState === undefined ? {} : { requestState: callOptions.requestState }),
      };
      if (session.era === 'legacy') return callHolding(session, params, timeoutMs, callOptions, relay);
      const leanSession = lean?.sessionFor(session, tool);
      let sdkOptions = requestOptions;
      if (lean && leanSession) {
        const startedAt = now();
        const outcome = await lean.call(leanSession, {
          params,
          timeoutMs,
          signal: callOptions.signal,
          onProgress,
          ...(onLog ? { onLog: (logParams) => routeLog(logParams, { onLog }) } : {}),
        });
        if (outcome !== 'fallback') return outcome;
        // The upstream refused the lean request before running it: the SDK path sends it, in the time left.
        sdkOptions = { ...requestOptions, timeout: Math.max(1, timeoutMs - (now() - startedAt)) };
      }
      const sdkCall = () =>
        session.client.callTool(params as Parameters<typeof session.client.callTool>[0], {
          ...sdkOptions,
          allowInputRequired: true,
          ...(onProgress ? { onprogress: (progress) => onProgress(progressOf(progress)) } : {}),
        });
      // The request scope only when the caller wants log records: see `request`.
      return onLog ? mcpRequestScope.run({ onLog }, sdkCall) : sdkCall();
    });
    return outcomeOf(result);
  }

  const features = createMcpFeatureMethods({
    name,
    maxListItems: resolved.maxListItems,
    request,
    metaOf: (metadata, timeoutMs, wantsLogs) => metaOf(metadata, timeoutMs, wantsLogs, resolved.meshMeta),
  });

  return {
    name,
    url: `mcp:${name}`,
    get pid() {
      return sessions.current?.pid;
    },
    get era() {
      return sessions.current?.era;
    },

    listTools(listOptions = {}) {
      return request('tools/list', undefined, listOptions, async (session, requestOptions) => {
        const { tools } = await session.client.listTools(undefined, {
          ...requestOptions,
          cacheMode: 'bypass',
        });
        if (!Array.isArray(tools) || tools.length > resolved.maxListItems) {
          throw new MeshError(
            `${name} listed more than ${resolved.maxListItems} tools`,
            'resource_exhausted',
            { details: { origin: name, limit: resolved.maxListItems, limitUnit: 'tools' } },
          );
        }
        const accepted: MeshToolInfo[] = [];
        lean?.noteTools(tools);
        for (const tool of tools) {
          if (exceedsJsonDepth(tool, resolved.maxSchemaDepth)) {
            logger.warn('upstream tool left out: nested too deeply', {
              tool: String(tool.name).slice(0, 64),
              limit: resolved.maxSchemaDepth,
            });
            continue;
          }
          accepted.push({
            name: tool.name,
            description: tool.description ?? '',
            inputSchema: tool.inputSchema as Record<string, unknown>,
            ...(tool.title === undefined ? {} : { title: tool.title }),
            ...(tool.outputSchema === undefined
              ? {}
              : { outputSchema: tool.outputSchema as Record<string, unknown> }),
            ...(tool.annotations === undefined
              ? {}
              : { annotations: tool.annotations as Record<string, unknown> }),
            ...(tool._meta === undefined ? {} : { _meta: tool._meta as Record<string, unknown> }),
          });
        }
        return accepted;
      });
    },

    callTool: async (tool, args, callOptions) =>
      finalResultOf(tool, await callOutcome(tool, args, callOptions, false)),
    callToolOutcome: (tool, args, callOptions) => callOutcome(tool, args, callOptions, true),
    ownsRequestState: (requestState) => heldCalls.owns(requestState),

    health(healthOptions = {}) {
      return request(
        'ping',
        undefined,
        healthOptions,
        async (session, requestOptions): Promise<HostHealth> => {
          // 2026-07-28 has no `ping`: `server/discover` is its cheapest request.
          if (session.era === 'modern') await session.client.discover(requestOptions);
          else await session.client.ping(requestOptions);
          return 'serving';
        },
      );
    },

    ...features,

    subscribeResource(uri, listener, subscriptionOptions) {
      let listeners = resourceListeners.get(uri);
      const first = listeners === undefined;
      if (!listeners) {
        listeners = new Set();
        resourceListeners.set(uri, listeners);
      }
      const watch: ResourceWatch = { listener, onError: subscriptionOptions?.onError };
      listeners.add(watch);
      sessions.keepOpen(true);
      const session = sessions.current;
      if (first && session?.era === 'legacy' && session.capabilities.resources?.subscribe) {
        void subscribeOn(session, uri);
      } else if (first && session) void relisten(session);
      return () => {
        const current = resourceListeners.get(uri);
        if (!current?.delete(watch) || current.size > 0) return;
        resourceListeners.delete(uri);
        const open = sessions.current;
        if (open?.era === 'legacy' && open.capabilities.resources?.subscribe) {
          void open.client.unsubscribeResource({ uri }).catch(() => {});
        } else if (open) void relisten(open);
        sessions.keepOpen(watchers.size > 0 || resourceListeners.size > 0);
      };
    },

    watchEvents(listener) {
      if (closed) return () => {};
      watchers.add(listener);
      sessions.keepOpen(true);
      if (watchers.size === 1 && sessions.current) void relisten(sessions.current);
      return () => {
        if (!watchers.delete(listener)) return;
        sessions.keepOpen(watchers.size > 0 || resourceListeners.size > 0);
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      heldCalls.close();
      watchers.clear();
      resourceListeners.clear();
      await listen?.close().catch(() => {});
      // Lean calls first, so a 2025-era session still carries their `notifications/cancelled`.
      await lean?.close();
      await sessions.close();
      unregisterSecrets();
    },
  };
}
