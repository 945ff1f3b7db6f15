import type { McpRequestContext, Tool } from '@modelcontextprotocol/server';
import {
  CLIENT_CAPABILITIES_META_KEY,
  INTERNAL_ERROR,
  ProtocolError,
  Server,
} from '@modelcontextprotocol/server';
import { MeshError } from '../errors/mesh-error.js';
import type { ToolHost } from '../host/tool-host.js';
import type { Logger } from '../observability/logger.js';
import { isInputRequired, type MeshToolInfo, type ToolOutcome } from '../tool/tool-context.js';
import { type McpEdgeOptions, resolveEdgeOptions } from './edge-options.js';
import { runEdgeToolCall } from './edge-tool-call.js';
import {
  clientLogSinkFor,
  featureCapabilities,
  type McpFeatures,
  registerFeatureHandlers,
  withHostFeatures,
} from './mcp-features.js';
import type { SettledToolCall } from './settled-tool-call.js';

// The edge's options live in their own leaf module (no import cycle with edge-tool-call); re-exported here for
// the modules that import them from the factory.
export type { McpEdgeOptions, ResolvedEdgeOptions } from './edge-options.js';
export { resolveEdgeOptions } from './edge-options.js';

/** Options for {@link createMcpServerFactory} itself (not for the edge). */
export interface McpServerFactoryOptions {
  /**
   * Each server instance follows the host's changes for its whole life and sends them to its client itself
   * (`notifications/tools/list_changed`, `…/resources/list_changed`, `…/prompts/list_changed`, and
   * `notifications/resources/updated` for the URIs it subscribed to): for long-lived instances (a 2025-era session,
   * a stdio connection). Per-request instances leave that to the HTTP handler's `notify`.
   * @default `false`
   */
  watchChanges?: boolean;
}

/** What the relay path hands to the server instance serving a request it already ran (see tool-call-relay.ts). */
export interface McpHandOver {
  /** The call the relay path ran: the instance's `tools/call` handler answers from it instead of running it. */
  settledCall?: SettledToolCall;
}

/**
 * The MCP factory signature both SDK serving entries take; the edge passes `handOver` for a request the relay path
 * already ran.
 */
export type McpServerFactoryFor = (context: McpRequestContext, handOver?: McpHandOver) => Server;

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
  return (context, handOver = {}) => {
    // Taken by the first `tools/call` of its name (an instance serves one request; nothing runs twice).
    let settledCall = handOver.settledCall;
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
      const settled = settledCall?.name === name ? settledCall : undefined;
      if (settled) settledCall = undefined;
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
            // 2026-07-28: this request's envelope; 2025 era: the session's `initialize`.
            clientCapabilities:
              (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] ??
              server.getClientCapabilities(),
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
