import type { ContentBlock } from '@modelcontextprotocol/server';
import type { Logger } from '../observability/logger.js';
import type { CostLedger } from '../ports/cost-ledger.js';
import type { DistributedLock } from '../ports/distributed-lock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { StateStore } from '../ports/state-store.js';

/** The result of calling a tool anywhere in the mesh, as MCP's `CallToolResult`. */
export interface ToolCallResult {
  content: ContentBlock[];
  structuredContent?: unknown;
  /** Present and true when the tool failed; `structuredContent` then holds `{ code, message, details }`. */
  isError?: boolean;
}

/** Options for {@link MeshClient.callTool}. */
export interface MeshCallOptions {
  /** Deadline for this call in milliseconds; never later than the caller's own deadline. */
  timeoutMs?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Called with progress the remote tool reports. */
  onProgress?: (progress: ToolProgress) => void;
}

/** Progress reported by a tool. */
export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** A tool advertised somewhere in the mesh. */
export interface MeshToolInfo {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  /**
   * MCP `_meta` of the tool. The gateway records a federated tool's origin here under
   * `io.kidsstories/origin` (`{ peer, tool }`): annotations cannot carry it, since MCP clients drop unknown
   * annotation keys.
   */
  _meta?: Record<string, unknown>;
}

/**
 * Calls tools on other nodes. A call made from inside a tool carries the caller's deadline, correlation id,
 * trace context, budget id and hop count. Failures reject with a `MeshError`.
 */
export interface MeshClient {
  callTool(name: string, args: Record<string, unknown>, options?: MeshCallOptions): Promise<ToolCallResult>;
  listTools(options?: { signal?: AbortSignal }): Promise<MeshToolInfo[]>;
}

/** Everything a tool handler gets besides its arguments. */
export interface ToolContext {
  /** Aborts when the caller's deadline passes, the caller cancels, or the node drains. */
  signal: AbortSignal;
  /** The caller's deadline in epoch milliseconds, when it set one. */
  deadline?: number;
  /** Correlation id of the whole request, the same on every hop. */
  correlationId: string;
  /** W3C `traceparent` of the current span. */
  traceparent?: string;
  /** W3C `tracestate`, carried unchanged. */
  tracestate?: string;
  /** Budget id the request is charged to, when the caller named one. */
  budgetId?: string;
  /** How many peer links the request has crossed. */
  hop: number;
  /** Id of the node running the tool. */
  nodeId: string;
  /** Logger with the correlation id and tool name attached. */
  logger: Logger;
  /** The cost ledger: reserve before a model call, settle after. */
  ledger: CostLedger;
  /** Shared state (hashes, streams, sorted sets). */
  state: StateStore;
  /** The distributed lock. */
  lock: DistributedLock;
  /** Events between nodes. */
  events: EventBus;
  /** Calls tools on other nodes. */
  mesh: MeshClient;
  /** Reports progress to the caller (sent as MCP progress notifications or streamed over the link). */
  reportProgress(progress: ToolProgress): void;
}
