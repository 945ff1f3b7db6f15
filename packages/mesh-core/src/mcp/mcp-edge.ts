import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CreateMcpHandlerOptions,
  createMcpHandler,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  type PerRequestResponseMode,
  type McpHttpHandler as SdkMcpHttpHandler,
} from '@modelcontextprotocol/server';
import type { ToolHost } from '../host/tool-host.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkInteger } from '../options/check-options.js';
import {
  authenticateBearer,
  type BearerTokenVerifier,
  createHostAndOriginCheck,
  type GuardRejection,
  writeJsonRpcError,
} from './http-guards.js';
import { initializeParamsProblem } from './initialize-params.js';
import { createLegacySessions } from './legacy-sessions.js';
import { withHostFeatures } from './mcp-features.js';
import { createMcpServerFactory, type McpEdgeOptions, resolveEdgeOptions } from './mcp-server-factory.js';
import { createNodeHttpAdapter, type WebFetchOptions } from './node-http-adapter.js';
import type { SettledToolCall } from './settled-tool-call.js';
import { createToolCallRelay } from './tool-call-relay.js';

/** Options for {@link createMcpHttpHandler}. */
export interface McpHttpHandlerOptions extends McpEdgeOptions {
  /**
   * Hostnames accepted in the `Host` header (no ports; IPv6 in brackets), against DNS rebinding.
   * Default `['localhost', '127.0.0.1', '[::1]']`. `false` disables the check (only behind a proxy that
   * validates it).
   * @default `['localhost', '127.0.0.1', '[::1]']`
   */
  allowedHosts?: readonly string[] | false;
  /**
   * Hostnames accepted in the `Origin` header; requests without `Origin` (non-browser clients) pass.
   * Default `['localhost', '127.0.0.1', '[::1]']`. `false` disables the check.
   * @default `['localhost', '127.0.0.1', '[::1]']`
   */
  allowedOrigins?: readonly string[] | false;
  /**
   * Verifies `Authorization: Bearer` tokens; when set, requests without a valid token get `401`.
   * @default no auth
   */
  verifyBearerToken?: BearerTokenVerifier;
  /**
   * RFC 9728 protected-resource metadata URL advertised in `WWW-Authenticate`.
   * @default none
   */
  resourceMetadataUrl?: string;
  /**
   * Largest request body accepted, in bytes; larger bodies get `413` naming the limit.
   * @default 4 194 304 (4 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Deepest nesting of objects and arrays accepted in a request body, in levels (the JSON-RPC envelope counts:
   * `arguments` of a `tools/call` start at level 3). A deeper request is refused before anything else reads it,
   * with JSON-RPC `-32602` naming the limit (`invalid_argument`, `details.limit`).
   * @default 64
   */
  maxJsonDepth?: number;
  /**
   * Response shaping for 2026-07-28 requests: `auto` (JSON, upgraded to SSE when progress is sent), `sse` or
   * `json` (progress dropped).
   * @default `auto`
   */
  responseMode?: PerRequestResponseMode;
  /**
   * Serve plain 2026-07-28 `tools/call` requests (JSON answer, text results) on the relay path, without the SDK's
   * per-request server; every other request, and every outcome the relay path does not write itself, is served by
   * the SDK as before (see docs/guides/gateway.md "Relay path"). Default: `true` when the host relays calls to
   * other hosts ({@link ToolHost.relaysCalls}: a gateway), `false` otherwise. Ignored with `responseMode: 'sse'`.
   * @default `host.relaysCalls === true`
   */
  relayToolCalls?: boolean;
  /**
   * Most 2025-era sessions kept open; the least recently used is closed to make room.
   * @default 1 000
   */
  maxLegacySessions?: number;
  /**
   * A 2025-era session unused this long is closed, in milliseconds.
   * @default 1 800 000 (30 min)
   */
  legacySessionIdleMs?: number;
}

/** A Node `(request, response)` handler serving MCP, with a `close()` that ends in-flight exchanges. */
export interface McpHttpHandler {
  (request: IncomingMessage, response: ServerResponse): Promise<void>;
  /**
   * Runs the checks the MCP endpoint runs before serving (`Host`/`Origin`, the bearer token) on another route
   * served beside it (such as `/metrics`): resolves `true` when the request passes (its `auth` set), or writes the
   * refusal (`403`, `401`) and resolves `false`.
   */
  guard(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** Aborts in-flight 2026-07-28 exchanges and stops forwarding tool, resource and prompt changes. */
  close(): Promise<void>;
}

/** Defaults of {@link McpHttpHandlerOptions}. */
export const DEFAULT_MCP_HTTP = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  maxJsonDepth: 64,
  responseMode: 'auto' as PerRequestResponseMode,
});

/** The HTTP side of {@link McpHttpHandlerOptions} with every default applied and every value checked. */
export interface ResolvedMcpHttpHandlerOptions {
  maxBodyBytes: number;
  maxJsonDepth: number;
  responseMode: PerRequestResponseMode;
  allowedHosts: readonly string[] | false;
  allowedOrigins: readonly string[] | false;
  now: () => number;
  logger: Logger;
}

/**
 * Applies {@link DEFAULT_MCP_HTTP} to the HTTP options of `options` and checks them (the MCP side, shared with
 * stdio, is resolved by the edge).
 *
 * @throws MeshError `invalid_argument` naming the field: a `maxBodyBytes` that is not a whole number above 0, a
 *   `maxJsonDepth` that is not a whole number of at least 3.
 * @example
 * ```ts
 * resolveMcpHttpHandlerOptions({}).maxBodyBytes; // 4194304
 * ```
 */
export function resolveMcpHttpHandlerOptions(options: McpHttpHandlerOptions): ResolvedMcpHttpHandlerOptions {
  return {
    maxBodyBytes: checkInteger(options.maxBodyBytes ?? DEFAULT_MCP_HTTP.maxBodyBytes, 'maxBodyBytes'),
    maxJsonDepth: checkInteger(options.maxJsonDepth ?? DEFAULT_MCP_HTTP.maxJsonDepth, 'maxJsonDepth', 3),
    responseMode: options.responseMode ?? DEFAULT_MCP_HTTP.responseMode,
    allowedHosts: options.allowedHosts ?? localhostAllowedHostnames(),
    allowedOrigins: options.allowedOrigins ?? localhostAllowedOrigins(),
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
  };
}

/**
 * Serves a {@link ToolHost} over MCP Streamable HTTP for both protocol eras: 2026-07-28 clients statelessly,
 * with a fresh MCP server instance per request; 2025-era clients that `initialize` get a session with its own
 * server instance and transport (so cancellation and list-changed notifications work), and session-less
 * 2025-era requests go to the SDK's stateless fallback. Nothing is ever shared between clients. In front of the SDK it checks `Host`/`Origin` (`403`), the bearer token
 * (`401` with `WWW-Authenticate`) and the body size (`413`). Malformed JSON gets `-32700`, invalid JSON-RPC
 * `-32600`, an unknown tool `-32602` naming the closest tools, and failed calls a tool result with
 * `isError: true`. No request can crash the process.
 *
 * @example
 * ```ts
 * const handler = createMcpHttpHandler(host, { verifyBearerToken: async (token) => lookup(token) });
 * http.createServer((request, response) => void handler(request, response)).listen(3000);
 * ```
 */
export function createMcpHttpHandler(host: ToolHost, given: McpHttpHandlerOptions = {}): McpHttpHandler {
  const options = withHostFeatures(host, given);
  const resolved = resolveMcpHttpHandlerOptions(options);
  const { now, maxBodyBytes, maxJsonDepth, responseMode, allowedHosts, allowedOrigins } = resolved;
  const logger = resolved.logger.child({ edge: 'mcp-http', nodeId: host.id });
  const factory = createMcpServerFactory(host, options);
  // A 2025-era session's server instance lives as long as the session: it sends the host's changes itself.
  const sessionFactory = createMcpServerFactory(host, options, { watchChanges: true });
  // The relay path answers with JSON, as the SDK does in `auto` and `json` modes; `sse` mode stays with the SDK.
  const relay =
    (options.relayToolCalls ?? host.relaysCalls === true) && responseMode !== 'sse'
      ? createToolCallRelay(host, resolveEdgeOptions(host, options))
      : undefined;
  const onerror = (error: Error) => logger.debug('mcp request rejected', { error });
  const modernOptions: CreateMcpHandlerOptions = {
    legacy: 'reject',
    maxRequestBodySize: maxBodyBytes,
    responseMode,
    onerror,
  };
  // 2026-07-28 traffic: one fresh server instance per request.
  const modern = createMcpHandler(factory, modernOptions);
  // A request the relay path ran and handed over (an input-required outcome, other content, an unknown tool) is
  // served by the SDK with a server built for it, `factory(context, { settledCall })`: the settled call is an
  // argument of the SDK handling, not state looked up elsewhere. Only relayed (2026-07-28, JSON) requests are
  // handed over, and a settled call sends no notifications, so `auto` answers exactly as `json` would (and `json`
  // would make the SDK warn on every handler it creates).
  const handedOver = new Set<SdkMcpHttpHandler>();
  const serveHandedOver = async (
    request: Request,
    { settledCall, ...requestOptions }: WebFetchOptions & { settledCall: SettledToolCall },
  ): Promise<Response> => {
    const once = createMcpHandler((context) => factory(context, { settledCall }), {
      ...modernOptions,
      responseMode: 'auto',
    });
    handedOver.add(once);
    try {
      return await once.fetch(request, requestOptions);
    } finally {
      handedOver.delete(once);
    }
  };
  // 2025-era traffic: one server instance per session, the stateless fallback for session-less requests.
  const legacy = createLegacySessions({
    factory,
    sessionFactory,
    maxBodyBytes,
    onerror,
    now,
    ...(options.maxLegacySessions === undefined ? {} : { maxSessions: options.maxLegacySessions }),
    ...(options.legacySessionIdleMs === undefined ? {} : { idleTimeoutMs: options.legacySessionIdleMs }),
  });
  // 2026-07-28 clients subscribe with `subscriptions/listen`: a host that forwards subscriptions (a gateway) hears
  // of each URI for as long as the listen stream is open (see `followListen`).
  const listens = new WeakMap<IncomingMessage, Array<() => void>>();
  const followed = options.resources?.subscribe ? options.resources : undefined;
  const followListen = (request: IncomingMessage, body: unknown) => {
    if (!followed) return;
    const uris = listenedResources(body);
    if (uris.length === 0) return;
    const subscribe = followed.subscribe?.bind(followed);
    if (!subscribe) return;
    listens.set(
      request,
      uris.map((uri) => subscribe(uri)),
    );
  };
  const intercept = relay
    ? (request: IncomingMessage, body: unknown, abort: AbortController) => {
        followListen(request, body);
        return relay.serve(request, body, abort);
      }
    : followed
      ? (request: IncomingMessage, body: unknown) => {
          followListen(request, body);
          return undefined;
        }
      : undefined;
  // The body is parsed once by the adapter and handed on, so the era check and the handler never re-read it.
  const serve = createNodeHttpAdapter(
    async (request, requestOptions) => {
      const { settledCall } = requestOptions;
      if (settledCall !== undefined) return serveHandedOver(request, { ...requestOptions, settledCall });
      const problem = initializeParamsProblem(requestOptions.parsedBody);
      if (problem !== undefined) {
        const { id } = requestOptions.parsedBody as { id?: unknown };
        return Response.json(
          {
            jsonrpc: '2.0',
            id: typeof id === 'string' || typeof id === 'number' ? id : null,
            error: { code: -32602, message: problem },
          },
          { status: 400 },
        );
      }
      return (await isLegacyRequest(request, requestOptions.parsedBody, { maxRequestBodySize: maxBodyBytes }))
        ? legacy.fetch(request, requestOptions)
        : modern.fetch(request, requestOptions);
    },
    {
      maxBodyBytes,
      maxJsonDepth,
      onerror: (error) => logger.error('mcp request failed', { error }),
      ...(intercept ? { intercept } : {}),
    },
  );
  // 2026-07-28 clients hear of changes on their `subscriptions/listen` streams (the SDK filters per stream).
  const stops = [host.onToolsChanged(() => modern.notify.toolsChanged())];
  if (options.resources) {
    stops.push(
      options.resources.onResourcesChanged((change) => {
        if (change.kind === 'list_changed') modern.notify.resourcesChanged();
        else modern.notify.resourceUpdated(change.uri);
      }),
    );
  }
  if (options.prompts) stops.push(options.prompts.onPromptsChanged(() => modern.notify.promptsChanged()));

  const reject = (response: ServerResponse, rejection: GuardRejection) => {
    options.metrics?.countError(rejection.code, { node: host.id });
    writeJsonRpcError(
      response,
      rejection.status,
      rejection.status === 500 ? -32603 : -32000,
      rejection.message,
      {
        ...rejection.headers,
      },
    );
  };

  const checkHost = createHostAndOriginCheck(allowedHosts, allowedOrigins);
  const guard = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const refused = checkHost(request);
    if (refused) {
      reject(response, refused);
      return false;
    }
    if (options.verifyBearerToken) {
      const auth = await authenticateBearer(request, {
        verify: options.verifyBearerToken,
        now,
        ...(options.resourceMetadataUrl === undefined
          ? {}
          : { resourceMetadataUrl: options.resourceMetadataUrl }),
      });
      if ('status' in auth) {
        reject(response, auth);
        return false;
      }
      (request as IncomingMessage & { auth?: typeof auth }).auth = auth;
    }
    return true;
  };

  const handler = async (request: IncomingMessage, response: ServerResponse) => {
    try {
      if (!(await guard(request, response))) return;
      if (followed) {
        response.once('close', () => {
          for (const stop of listens.get(request) ?? []) stop();
          listens.delete(request);
        });
      }
      await serve(request, response);
    } catch (error) {
      logger.error('mcp request failed', { error });
      writeJsonRpcError(response, 500, -32603, 'Internal server error');
    }
  };
  return Object.assign(handler, {
    guard,
    async close() {
      for (const stop of stops) stop();
      relay?.close();
      await Promise.all([
        modern.close(),
        legacy.close(),
        ...[...handedOver].map((handler) => handler.close()),
      ]);
    },
  });
}

/** Most URIs of one `subscriptions/listen` request forwarded to the host (as `MAX_RESOURCE_SUBSCRIPTIONS`). */
const MAX_LISTENED_RESOURCES = 1_000;

/** The resource URIs a `subscriptions/listen` request body asks to follow (none for any other body). */
function listenedResources(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const { method, params } = body as { method?: unknown; params?: unknown };
  if (method !== 'subscriptions/listen' || typeof params !== 'object' || params === null) return [];
  const notifications = (params as { notifications?: unknown }).notifications;
  if (typeof notifications !== 'object' || notifications === null) return [];
  const uris = (notifications as { resourceSubscriptions?: unknown }).resourceSubscriptions;
  if (!Array.isArray(uris)) return [];
  return [
    ...new Set(uris.filter((uri): uri is string => typeof uri === 'string' && URL.canParse(uri))),
  ].slice(0, MAX_LISTENED_RESOURCES);
}
