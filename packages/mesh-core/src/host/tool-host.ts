import type { ClientLogSink } from '../observability/client-logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import type { MeshToolInfo, ToolCallResult, ToolOutcome, ToolProgress } from '../tool/tool-context.js';
import type { HostFeatures } from './feature-host.js';

/**
 * Metadata of one inbound tool call, whichever edge it came through (MCP or a peer link). Edges fill it from
 * MCP `_meta` and HTTP headers, or from gRPC metadata; hosts pass it on to outbound calls.
 */
export interface InboundCall {
  /** Aborts on the caller's deadline or cancellation. */
  signal: AbortSignal;
  /** The caller's deadline in epoch milliseconds. */
  deadline?: number;
  /** Correlation id; edges generate one when the caller sent none. */
  correlationId: string;
  /** W3C trace context of the caller's span. */
  traceparent?: string;
  tracestate?: string;
  /** Budget id to charge. */
  budgetId?: string;
  /** Peer links crossed so far (0 at the MCP edge). */
  hop: number;
  /** Authenticated caller (token subject or certificate name), when the edge authenticated one. */
  principal?: string;
  /** Receives progress reported by the tool. */
  onProgress?: (progress: ToolProgress) => void;
  /**
   * Receives what the tool writes to `ToolContext.logger`, for the MCP client (`notifications/message`); the edge
   * sets it and filters by the level the client asked for. Local hosts honour it; peer links carry it back from the
   * peer (streamed like progress), so it reaches the client through a gateway.
   */
  onLog?: ClientLogSink;
  /**
   * On a retry after an input-required outcome: the client's answers keyed like its `inputRequests` (bare MCP
   * results). Untrusted client input; handed to the tool as `ToolContext.inputResponses`.
   */
  inputResponses?: Record<string, unknown>;
  /** On a retry: the `requestState` echoed by the client. Untrusted; handed on as `ToolContext.requestState`. */
  requestState?: string;
  /**
   * True when the caller can hand an input-required outcome on to an MCP client (the MCP edge, the mesh
   * service, a gateway relaying for one of them). Otherwise a tool asking for input fails the call
   * `failed_precondition`, and `callTool` resolves only final results. Default `false` (as the MCP SDK's
   * `allowInputRequired`).
   */
  allowInputRequired?: boolean;
}

/** Health of a host as reported on the mesh service. */
export type HostHealth = 'serving' | 'draining' | 'not_serving';

/** Something that hosts tools: a node hosting its own tools, or a gateway federating its peers'. */
export interface ToolHost {
  /** Stable id of this instance. */
  readonly id: string;
  /**
   * The metrics this host records into (a gateway's calls, peers, retries and breakers), when it keeps its own: a
   * `MeshNode` serving the host without a `metrics` option serves these on `/metrics`.
   */
  readonly metrics?: MeshMetrics;
  /** The tools offered now. */
  listTools(signal?: AbortSignal): Promise<MeshToolInfo[]>;
  /**
   * Runs a tool and resolves its MCP result. Every failure rejects with a `MeshError` (unknown tool:
   * `not_found` with the closest names; invalid arguments: `invalid_argument` naming the field; a handler's own
   * `MeshError` as thrown; anything else `internal`), so that links carry the code and the gateway's retry,
   * failover and breaker policies can act on it. Only the MCP edge turns errors into MCP tool errors
   * (`isError: true`) or JSON-RPC errors.
   *
   * Without `call.allowInputRequired` it resolves a final {@link ToolCallResult}, and a tool asking the client
   * for input rejects `failed_precondition` naming it.
   */
  callTool(
    name: string,
    args: Record<string, unknown>,
    call: InboundCall & { allowInputRequired?: false },
  ): Promise<ToolCallResult>;
  /**
   * With `call.allowInputRequired: true` it resolves the tool's {@link ToolOutcome}: its final result, or its
   * input-required result unchanged (tell them apart with `isInputRequired`). An implementation that can
   * produce input-required outcomes declares both signatures (or casts to `ToolHost['callTool']`).
   */
  callTool(name: string, args: Record<string, unknown>, call: InboundCall): Promise<ToolOutcome>;
  /**
   * The first signature again: TypeScript reads the last signature for `Parameters<…>` and `ReturnType<…>`, so
   * a wrapper typed `(...args: Parameters<ToolHost['callTool']>) => host.callTool(...args)` keeps compiling.
   */
  callTool(
    name: string,
    args: Record<string, unknown>,
    call: InboundCall & { allowInputRequired?: false },
  ): Promise<ToolCallResult>;
  /**
   * True for a host that forwards calls to other hosts (a gateway). Its MCP edges then serve plain `tools/call`
   * requests on their relay path (`McpHttpHandlerOptions.relayToolCalls`). Default `false`.
   */
  readonly relaysCalls?: boolean;
  /**
   * The resources, prompts and completion the host serves itself (a gateway: its own and its peers', federated).
   * A `MeshNode` serving the host serves them over MCP and the mesh service. Default none.
   */
  readonly features?: HostFeatures;
  /** Current health. */
  health(): HostHealth;
  /** Calls `listener` when the tool list changes; returns a function that stops listening. */
  onToolsChanged(listener: () => void): () => void;
}
