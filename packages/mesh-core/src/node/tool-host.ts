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
   * Runs a tool. Resolves the MCP result; tool failures resolve with `isError: true` and the error in
   * `structuredContent`, while failures of the call itself (unknown tool, invalid arguments, deadline,
   * unavailable) reject with a `MeshError`.
   */
  callTool(name: string, args: Record<string, unknown>, call: InboundCall): Promise<ToolCallResult>;
  /** Current health. */
  health(): HostHealth;
  /** Calls `listener` when the tool list changes; returns a function that stops listening. */
  onToolsChanged(listener: () => void): () => void;
}
