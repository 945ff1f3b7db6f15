import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  type LoggingLevel,
  ProtocolError,
  ResourceNotFoundError,
  type Server,
  type ServerCapabilities,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { CallMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';
import type { CompletionHost, FeatureCall, PromptHost, ResourceHost } from '../host/feature-host.js';
import type { ToolHost } from '../host/tool-host.js';
import type { ClientLogRecord } from '../observability/client-logger.js';
import type { Logger, LogLevel } from '../observability/logger.js';
import { readCallMetadata } from './inbound-call.js';
import { toPublicError } from './public-error.js';

/** The resource, prompt and completion side an MCP edge serves beside a host's tools. */
export interface McpFeatures {
  /**
   * Serves `resources/*` and resource subscriptions. Default: the host's own (`ToolHost.features`, a gateway's
   * federated resources), else none (no `resources` capability).
   */
  resources?: ResourceHost;
  /** Serves `prompts/*`. Default: the host's own, else none (no `prompts` capability). */
  prompts?: PromptHost;
  /** Serves `completion/complete` (advertised with resources or prompts). Default: the host's own, else none. */
  completion?: CompletionHost;
}

/** `options` with the features it does not set taken from the host's own ({@link ToolHost.features}). */
export function withHostFeatures<T extends McpFeatures>(host: ToolHost, options: T): T {
  const own = host.features;
  if (!own) return options;
  const merged: T = { ...options };
  if (merged.resources === undefined && own.resources) merged.resources = own.resources;
  if (merged.prompts === undefined && own.prompts) merged.prompts = own.prompts;
  if (merged.completion === undefined && own.completion) merged.completion = own.completion;
  return merged;
}

/** What the feature handlers read of the edge's resolved options (a subset of `ResolvedEdgeOptions`). */
export interface FeatureEdgeOptions {
  logger: Logger;
  now: () => number;
  clientLogging: boolean;
  generateId?: (() => string) | undefined;
}

/** Most resource URIs one 2025-era session or stdio connection may subscribe to. */
export const MAX_RESOURCE_SUBSCRIPTIONS = 1_000;

const MCP_LEVELS: Record<LogLevel, LoggingLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
};

/** The capabilities an edge advertises: only what it serves. */
export function featureCapabilities(features: McpFeatures, logging: boolean): ServerCapabilities {
  const capabilities: ServerCapabilities = { tools: { listChanged: true } };
  if (logging) capabilities.logging = {};
  if (features.resources) capabilities.resources = { subscribe: true, listChanged: true };
  if (features.prompts) capabilities.prompts = { listChanged: true };
  if (features.completion && (features.resources || features.prompts)) capabilities.completions = {};
  return capabilities;
}

/**
 * Sends a call's log records to its client as `notifications/message`, through the SDK's `ctx.mcpReq.log`, which
 * drops records below the level the client asked for (`logging/setLevel` on a 2025-era session, the request's
 * `_meta` log level in the 2026 era, where nothing is sent when the request names none).
 */
export function clientLogSinkFor(ctx: ServerContext, options: FeatureEdgeOptions) {
  return (record: ClientLogRecord) => {
    ctx.mcpReq
      .log(MCP_LEVELS[record.level], record.data, record.logger)
      .catch((error: unknown) => options.logger.debug('log notification failed', { error }));
  };
}

/** A JSON-RPC error for a failed resource, prompt or completion request, without internal addresses or secrets. */
function protocolErrorOf(error: unknown, uri?: string): ProtocolError {
  if (ProtocolError.isInstance(error)) return error;
  const meshError = MeshError.from(error);
  // The host's own "no such resource" names only the client's URI and the node: shown as is (toPublicError would
  // take the URI for an internal address).
  if (meshError.details.reason === 'unknown_resource' && uri !== undefined) {
    return new ResourceNotFoundError(uri, meshError.message);
  }
  const shown = toPublicError(meshError);
  if (shown.code === 'not_found' && uri !== undefined) return new ResourceNotFoundError(uri, shown.message);
  const code =
    shown.code === 'invalid_argument' || shown.code === 'not_found' ? INVALID_PARAMS : INTERNAL_ERROR;
  return new ProtocolError(code, shown.message, shown.toJSON());
}

/**
 * Registers the resource, prompt and completion handlers of `features` on a fresh server instance. `subscriptions`
 * holds the URIs this instance's client subscribed to with `resources/subscribe` (2025 era; the 2026 era subscribes
 * with `subscriptions/listen`, which the SDK's serving entries answer themselves). With `follow` (a long-lived
 * instance), each subscription is also announced to the resource host (`ResourceHost.subscribe`, which a gateway
 * forwards to its peers) until the client unsubscribes or the instance closes.
 */
export function registerFeatureHandlers(
  server: Server,
  features: McpFeatures,
  options: FeatureEdgeOptions,
  subscriptions: Set<string>,
  follow = false,
): void {
  const callOf = (ctx: ServerContext): FeatureCall => {
    const request = ctx.http?.req;
    let metadata: CallMetadata;
    try {
      metadata = readCallMetadata(ctx.mcpReq._meta as Record<string, unknown> | undefined, request?.headers, {
        now: options.now,
        ...(options.generateId ? { generateId: options.generateId } : {}),
      });
    } catch (error) {
      throw protocolErrorOf(error);
    }
    const signals = [ctx.mcpReq.signal, request?.signal].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    );
    const call: FeatureCall = {
      ...metadata,
      signal: signals.length === 1 ? (signals[0] as AbortSignal) : AbortSignal.any(signals),
    };
    if (options.clientLogging) call.onLog = clientLogSinkFor(ctx, options);
    return call;
  };
  const { resources, prompts, completion } = features;
  const followed = new Map<string, () => void>();
  if (resources) {
    server.setRequestHandler('resources/list', async (_request, ctx) => {
      try {
        return { resources: (await resources.listResources(callOf(ctx))) as never };
      } catch (error) {
        throw protocolErrorOf(error);
      }
    });
    server.setRequestHandler('resources/templates/list', async (_request, ctx) => {
      try {
        return { resourceTemplates: (await resources.listResourceTemplates(ctx.mcpReq.signal)) as never };
      } catch (error) {
        throw protocolErrorOf(error);
      }
    });
    server.setRequestHandler('resources/read', async (request, ctx) => {
      const { uri } = request.params;
      try {
        return await resources.readResource(uri, callOf(ctx));
      } catch (error) {
        throw protocolErrorOf(error, uri);
      }
    });
    server.setRequestHandler('resources/subscribe', async (request) => {
      const { uri } = request.params;
      if (!URL.canParse(uri))
        throw new ProtocolError(INVALID_PARAMS, `cannot subscribe to "${uri}": not an absolute URI`);
      if (!subscriptions.has(uri) && subscriptions.size >= MAX_RESOURCE_SUBSCRIPTIONS) {
        throw new ProtocolError(
          INTERNAL_ERROR,
          `subscription limit reached (${MAX_RESOURCE_SUBSCRIPTIONS} URIs)`,
        );
      }
      if (!subscriptions.has(uri) && follow && resources.subscribe)
        followed.set(uri, resources.subscribe(uri));
      subscriptions.add(uri);
      return {};
    });
    server.setRequestHandler('resources/unsubscribe', async (request) => {
      subscriptions.delete(request.params.uri);
      followed.get(request.params.uri)?.();
      followed.delete(request.params.uri);
      return {};
    });
    if (follow && resources.subscribe) {
      const previous = server.onclose;
      server.onclose = () => {
        for (const stop of followed.values()) stop();
        followed.clear();
        previous?.();
      };
    }
  }
  if (prompts) {
    server.setRequestHandler('prompts/list', async (_request, ctx) => {
      try {
        return { prompts: await prompts.listPrompts(ctx.mcpReq.signal) };
      } catch (error) {
        throw protocolErrorOf(error);
      }
    });
    server.setRequestHandler('prompts/get', async (request, ctx) => {
      try {
        const { name, arguments: args } = request.params;
        return await prompts.getPrompt(name, args ?? {}, callOf(ctx));
      } catch (error) {
        throw protocolErrorOf(error);
      }
    });
  }
  if (completion && (resources || prompts)) {
    server.setRequestHandler('completion/complete', async (request, ctx) => {
      const { ref, argument, context } = request.params;
      try {
        const { signal: _signal, onLog: _onLog, ...metadata } = callOf(ctx);
        const completed = await completion.complete(
          {
            ref:
              ref.type === 'ref/prompt'
                ? { type: 'ref/prompt', name: ref.name }
                : { type: 'ref/resource', uri: ref.uri },
            argument: { name: argument.name, value: argument.value },
            arguments: context?.arguments ?? {},
          },
          ctx.mcpReq.signal,
          metadata,
        );
        return { completion: completed };
      } catch (error) {
        throw protocolErrorOf(error);
      }
    });
  }
}
