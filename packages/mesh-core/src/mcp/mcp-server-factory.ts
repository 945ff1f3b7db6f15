import type { McpRequestContext, Tool } from '@modelcontextprotocol/server';
import { INTERNAL_ERROR, ProtocolError, Server } from '@modelcontextprotocol/server';
import type { Tracer } from '@opentelemetry/api';
import { MeshError } from '../errors/mesh-error.js';
import type { ToolHost } from '../node/tool-host.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import { isInputRequired, type MeshToolInfo, type ToolOutcome } from '../tool/tool-context.js';
import { runEdgeToolCall } from './edge-tool-call.js';
import {
  clientLogSinkFor,
  featureCapabilities,
  type McpFeatures,
  registerFeatureHandlers,
  withHostFeatures,
} from './mcp-features.js';
import { takeSettledCall } from './settled-calls.js';

/** Options shared by the MCP edges (HTTP and stdio). */
export interface McpEdgeOptions extends McpFeatures {
  /**
   * Advertise the `logging` capability and send what handlers write to their context's logger to the client as
   * `notifications/message`, at or above the level it asked for (through a gateway too: peer links stream the
   * records back). Default `true`.
   */
  clientLogging?: boolean;
  /** Name and version reported to clients. Default: `{ name: host.id, version: '0.1.0' }`. */
  serverInfo?: { name: string; version: string };
  /** Instructions for the model, sent at initialization. Default none. */
  instructions?: string;
  /** Logger. Default: silent. */
  logger?: Logger;
  /** Metrics; rejected requests are counted on `errors_total`. Default: none. */
  metrics?: MeshMetrics;
  /** Tracer for the edge span around each call. Default: the global provider's mesh tracer. */
  tracer?: Tracer;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
  /** Generates correlation ids for calls that carry none. Default `crypto.randomUUID`. */
  generateId?: () => string;
}

/** {@link McpEdgeOptions} with their defaults applied: what the SDK handler and the relay path both run with. */
export type ResolvedEdgeOptions = McpEdgeOptions & {
  now: () => number;
  logger: Logger;
  serverInfo: { name: string; version: string };
  clientLogging: boolean;
};

/** Applies the defaults of {@link McpEdgeOptions} for `host`. */
export function resolveEdgeOptions(host: ToolHost, options: McpEdgeOptions): ResolvedEdgeOptions {
  return {
    ...options,
    now: options.now ?? Date.now,
    logger: (options.logger ?? silentLogger).child({ edge: 'mcp', nodeId: host.id }),
    serverInfo: options.serverInfo ?? { name: host.id, version: '0.1.0' },
    clientLogging: options.clientLogging ?? true,
  };
}

/** Options for {@link createMcpServerFactory} itself (not for the edge). */
export interface McpServerFactoryOptions {
  /**
   * Each server instance follows the host's changes for its whole life and sends them to its client itself
   * (`notifications/tools/list_changed`, `…/resources/list_changed`, `…/prompts/list_changed`, and
   * `notifications/resources/updated` for the URIs it subscribed to): for long-lived instances (a 2025-era session,
   * a stdio connection). Per-request instances leave that to the HTTP handler's `notify`. Default `false`.
   */
  watchChanges?: boolean;
}

/** The MCP factory signature both SDK serving entries take. */
export type McpServerFactoryFor = (context: McpRequestContext) => Server;

/**
 * Builds the per-request (HTTP) or per-connection (stdio) MCP server factory for a host. Every instance is
 * fresh: nothing is shared between clients. `tools/list` advertises the host's raw JSON Schemas; `tools/call`
 * builds an {@link InboundCall} from `_meta` and headers (with the input responses and request state of a
 * multi-round-trip retry) and maps failures: an unknown tool to JSON-RPC `-32602`, every other `MeshError` to a
 * tool result with `isError: true`. A tool's input-required outcome is returned to the SDK unchanged.
 */
export function createMcpServerFactory(
  host: ToolHost,
  given: McpEdgeOptions = {},
  factoryOptions: McpServerFactoryOptions = {},
): McpServerFactoryFor {
  const options = withHostFeatures(host, given);
  const resolved = resolveEdgeOptions(host, options);
  const { logger, serverInfo } = resolved;
  const capabilities = featureCapabilities(options, resolved.clientLogging);
  return (context) => {
    const server = new Server(serverInfo, {
      capabilities,
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
    });
    server.onerror = (error) => logger.debug('mcp server error', { error });
    const subscriptions = new Set<string>();
    registerFeatureHandlers(server, options, resolved, subscriptions, factoryOptions.watchChanges === true);
    if (factoryOptions.watchChanges) watchChanges(server, host, options, context.era, subscriptions, logger);
    server.setRequestHandler('tools/list', async (_request, ctx) => {
      try {
        const tools = await host.listTools(ctx.mcpReq.signal);
        return { tools: tools.map(toMcpTool) };
      } catch (error) {
        const meshError = MeshError.from(error);
        throw new ProtocolError(
          INTERNAL_ERROR,
          `listing tools failed: ${meshError.message}`,
          meshError.toJSON(),
        );
      }
    });
    server.setRequestHandler('tools/call', async (message, ctx) => {
      const name = message.params.name;
      const args = (message.params.arguments ?? {}) as Record<string, unknown>;
      const request = ctx.http?.req;
      // A call the relay path already ran (see tool-call-relay.ts) is answered from its outcome, not run again.
      const settled = takeSettledCall(request, name);
      let outcome: ToolOutcome;
      if (settled) {
        if (!settled.settled.ok) throw settled.settled.error;
        outcome = settled.settled.outcome;
      } else {
        const requestState = ctx.mcpReq.requestState();
        const principal = ctx.http?.authInfo?.clientId;
        outcome = await runEdgeToolCall(
          host,
          {
            name,
            args,
            meta: ctx.mcpReq._meta as Record<string, unknown> | undefined,
            headers: request?.headers,
            signals: [ctx.mcpReq.signal, request?.signal],
            ...(principal === undefined ? {} : { principal }),
            // Multi-round-trip retry: the SDK lifted the answers out of the params; untrusted, passed on as is.
            ...(ctx.mcpReq.inputResponses === undefined ? {} : { inputResponses: ctx.mcpReq.inputResponses }),
            // The raw wire string: this server sets no `requestState.verify` hook, so tools verify it themselves.
            ...(typeof requestState === 'string' ? { requestState } : {}),
            notifyProgress: (params) =>
              ctx.mcpReq.notify({ method: 'notifications/progress', params: { ...params } }),
            ...(resolved.clientLogging ? { onLog: clientLogSinkFor(ctx, resolved) } : {}),
          },
          resolved,
        );
      }
      // An input-required outcome goes back to the SDK as is: it hands it to a 2026-07-28 client, or fulfils it
      // through its legacy shim (real server-to-client requests, then this handler again) on a 2025-era session.
      if (isInputRequired(outcome)) return outcome;
      return server.projectCallToolResult(
        outcome as Parameters<Server['projectCallToolResult']>[0],
        undefined,
      );
    });
    return server;
  };
}

/**
 * Sends the host's changes to one long-lived server instance's client until the instance closes. A 2026-era
 * stdio connection gets every resource update (the SDK's listen router filters them by the client's
 * `subscriptions/listen`); a 2025-era one only those of the URIs it subscribed to.
 */
function watchChanges(
  server: Server,
  host: ToolHost,
  features: McpFeatures,
  era: 'legacy' | 'modern',
  subscriptions: ReadonlySet<string>,
  logger: Logger,
): void {
  const report = (error: unknown) => logger.debug('change notification not sent', { error });
  const send = (notify: () => Promise<void>) => {
    // Before the instance is connected there is no client to tell.
    if (server.transport === undefined) return;
    notify().catch(report);
  };
  const stops = [host.onToolsChanged(() => send(() => server.sendToolListChanged()))];
  if (features.resources) {
    stops.push(
      features.resources.onResourcesChanged((change) => {
        if (change.kind === 'list_changed') send(() => server.sendResourceListChanged());
        else if (era === 'modern' || subscriptions.has(change.uri))
          send(() => server.sendResourceUpdated({ uri: change.uri }));
      }),
    );
  }
  if (features.prompts)
    stops.push(features.prompts.onPromptsChanged(() => send(() => server.sendPromptListChanged())));
  const previous = server.onclose;
  server.onclose = () => {
    for (const stop of stops) stop();
    previous?.();
  };
}

/** A mesh tool description as an MCP `Tool`. */
export function toMcpTool(info: MeshToolInfo): Tool {
  const tool: Tool = {
    name: info.name,
    description: info.description,
    inputSchema: info.inputSchema as Tool['inputSchema'],
  };
  if (info.title !== undefined) tool.title = info.title;
  if (info.outputSchema !== undefined)
    tool.outputSchema = info.outputSchema as NonNullable<Tool['outputSchema']>;
  if (info.annotations !== undefined) tool.annotations = info.annotations as NonNullable<Tool['annotations']>;
  // The gateway keeps a federated tool's origin here; MCP clients ignore keys they do not know.
  if (info._meta !== undefined) tool._meta = info._meta;
  return tool;
}
