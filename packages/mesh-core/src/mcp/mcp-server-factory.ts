import type { McpRequestContext, Tool } from '@modelcontextprotocol/server';
import { INTERNAL_ERROR, ProtocolError, Server } from '@modelcontextprotocol/server';
import type { Tracer } from '@opentelemetry/api';
import { MeshError } from '../errors/mesh-error.js';
import type { ToolHost } from '../node/tool-host.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import { isInputRequired, type MeshToolInfo, type ToolOutcome } from '../tool/tool-context.js';
import { runEdgeToolCall } from './edge-tool-call.js';
import { takeSettledCall } from './settled-calls.js';

/** Options shared by the MCP edges (HTTP and stdio). */
export interface McpEdgeOptions {
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
};

/** Applies the defaults of {@link McpEdgeOptions} for `host`. */
export function resolveEdgeOptions(host: ToolHost, options: McpEdgeOptions): ResolvedEdgeOptions {
  return {
    ...options,
    now: options.now ?? Date.now,
    logger: (options.logger ?? silentLogger).child({ edge: 'mcp', nodeId: host.id }),
    serverInfo: options.serverInfo ?? { name: host.id, version: '0.1.0' },
  };
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
export function createMcpServerFactory(host: ToolHost, options: McpEdgeOptions = {}): McpServerFactoryFor {
  const resolved = resolveEdgeOptions(host, options);
  const { logger, serverInfo } = resolved;
  return () => {
    const server = new Server(serverInfo, {
      capabilities: { tools: { listChanged: true } },
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
    });
    server.onerror = (error) => logger.debug('mcp server error', { error });
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
