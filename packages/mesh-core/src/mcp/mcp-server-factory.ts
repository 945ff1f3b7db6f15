import type { McpRequestContext, ServerContext, Tool } from '@modelcontextprotocol/server';
import { INTERNAL_ERROR, ProtocolError, Server } from '@modelcontextprotocol/server';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { createCallScope } from '../context/call-scope.js';
import { MeshError } from '../errors/mesh-error.js';
import type { InboundCall, ToolHost } from '../node/tool-host.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import { recordSpanError, withSpan } from '../observability/tracing.js';
import {
  isInputRequired,
  type MeshToolInfo,
  type ToolOutcome,
  type ToolProgress,
} from '../tool/tool-context.js';
import { isUnknownToolError, toolErrorResult, unknownToolProtocolError } from './edge-errors.js';
import { readCallMetadata } from './inbound-call.js';

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
  const logger = (options.logger ?? silentLogger).child({ edge: 'mcp', nodeId: host.id });
  const now = options.now ?? Date.now;
  const serverInfo = options.serverInfo ?? { name: host.id, version: '0.1.0' };
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
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const name = request.params.name;
      const args = (request.params.arguments ?? {}) as Record<string, unknown>;
      const outcome = await callThroughEdge(host, name, args, ctx, { ...options, now, logger });
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

async function callThroughEdge(
  host: ToolHost,
  name: string,
  args: Record<string, unknown>,
  ctx: ServerContext,
  options: McpEdgeOptions & { now: () => number; logger: Logger },
): Promise<ToolOutcome> {
  const meta = ctx.mcpReq._meta as Record<string, unknown> | undefined;
  const request = ctx.http?.req;
  let metadata: ReturnType<typeof readCallMetadata>;
  try {
    metadata = readCallMetadata(
      meta,
      request?.headers,
      options.generateId ? { generateId: options.generateId } : {},
    );
  } catch (error) {
    const meshError = MeshError.from(error);
    options.metrics?.countError(meshError.code, { tool: name, node: host.id });
    return toolErrorResult(meshError);
  }
  const scope = createCallScope({
    signals: [ctx.mcpReq.signal, request?.signal],
    now: options.now,
    ...(metadata.timeoutMs === undefined ? {} : { timeoutMs: metadata.timeoutMs }),
  });
  const progressToken = meta?.progressToken;
  const principal = ctx.http?.authInfo?.clientId;
  try {
    return await withSpan(
      `mcp tools/call ${name}`,
      {
        ...(options.tracer ? { tracer: options.tracer } : {}),
        kind: SpanKind.SERVER,
        parent: {
          ...(metadata.traceparent === undefined ? {} : { traceparent: metadata.traceparent }),
          ...(metadata.tracestate === undefined ? {} : { tracestate: metadata.tracestate }),
        },
        attributes: {
          'rpc.system': 'mcp',
          'rpc.method': 'tools/call',
          'mesh.tool': name,
          'mesh.correlation_id': metadata.correlationId,
        },
      },
      async ({ carrier, span }) => {
        // The edge can always hand an input-required outcome to the client (see the tools/call handler).
        const call: InboundCall = {
          signal: scope.signal,
          correlationId: metadata.correlationId,
          hop: 0,
          allowInputRequired: true,
        };
        if (scope.deadline !== undefined) call.deadline = scope.deadline;
        if (carrier.traceparent !== undefined) call.traceparent = carrier.traceparent;
        if (carrier.tracestate !== undefined) call.tracestate = carrier.tracestate;
        if (metadata.budgetId !== undefined) call.budgetId = metadata.budgetId;
        if (principal !== undefined) call.principal = principal;
        // Multi-round-trip retry: the SDK lifted the answers out of the params; untrusted, passed on as is.
        if (ctx.mcpReq.inputResponses !== undefined) call.inputResponses = ctx.mcpReq.inputResponses;
        // The raw wire string: this server sets no `requestState.verify` hook, so tools verify it themselves.
        const requestState = ctx.mcpReq.requestState();
        if (typeof requestState === 'string') call.requestState = requestState;
        if (typeof progressToken === 'string' || typeof progressToken === 'number') {
          call.onProgress = (progress: ToolProgress) => {
            ctx.mcpReq
              .notify({ method: 'notifications/progress', params: { progressToken, ...progress } })
              .catch((error: unknown) => options.logger.debug('progress notification failed', { error }));
          };
        }
        try {
          return await host.callTool(name, args, call);
        } catch (error) {
          const meshError = MeshError.from(error);
          recordSpanError(span, meshError);
          if (isUnknownToolError(meshError)) throw unknownToolProtocolError(meshError);
          return toolErrorResult(meshError);
        }
      },
    );
  } finally {
    scope.dispose();
  }
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
