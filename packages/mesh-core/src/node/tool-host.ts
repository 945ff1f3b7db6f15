import type { MeshToolInfo, ToolCallResult, ToolProgress } from '../tool/tool-context.js';

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
}

/** Health of a host as reported on the mesh service. */
export type HostHealth = 'serving' | 'draining' | 'not_serving';

/** Something that hosts tools: a node hosting its own tools, or a gateway federating its peers'. */
export interface ToolHost {
  /** Stable id of this instance. */
  readonly id: string;
  /** The tools offered now. */
  listTools(signal?: AbortSignal): Promise<MeshToolInfo[]>;
  /**
   * Runs a tool and resolves its MCP result. Every failure rejects with a `MeshError` (unknown tool:
   * `not_found` with the closest names; invalid arguments: `invalid_argument` naming the field; a handler's own
   * `MeshError` as thrown; anything else `internal`), so that links carry the code and the gateway's retry,
   * failover and breaker policies can act on it. Only the MCP edge turns errors into MCP tool errors
   * (`isError: true`) or JSON-RPC errors.
   */
  callTool(name: string, args: Record<string, unknown>, call: InboundCall): Promise<ToolCallResult>;
  /** Current health. */
  health(): HostHealth;
  /** Calls `listener` when the tool list changes; returns a function that stops listening. */
  onToolsChanged(listener: () => void): () => void;
}
