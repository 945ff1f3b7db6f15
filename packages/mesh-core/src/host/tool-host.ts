import type { CallMetadata } from '../call/call-metadata.js';
import type { ClientLogSink } from '../observability/client-logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import type {
  ClientInputCapabilities,
  MeshToolInfo,
  ToolCallResult,
  ToolOutcome,
  ToolProgress,
} from '../tool/tool-context.js';
import type { HostFeatures } from './feature-host.js';

/**
 * One inbound tool call, whichever edge it came through (MCP or a peer link): its {@link CallMetadata} (the MCP
 * edge reads it with `readCallMetadata`, the mesh service with `callMetadataFromWire`), its cancellation, and
 * where progress and log records go. Hosts hand the metadata to the handler's `ToolContext` and on to outbound
 * calls (`deriveOutboundMetadata`).
 *
 * @example
 * ```ts
 * const result = await host.callTool('echo', { text: 'hi' }, { signal, correlationId: 'c-1', hop: 0 });
 * ```
 */
export interface InboundCall extends CallMetadata {
  /** Aborts on the caller's deadline or cancellation. */
  signal: AbortSignal;
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
   * The input requests the MCP client can answer, as it declared them (the MCP edge sets it; absent when the
   * caller is no MCP client or did not say). A gateway passes it to the links of the call: an MCP link declares
   * exactly these to a 2026-07-28 upstream, so the upstream asks only for input the client can give.
   */
  clientCapabilities?: ClientInputCapabilities;
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
   * Runs a tool and resolves its final MCP result. Every failure rejects with a `MeshError` (unknown tool:
   * `not_found` with the closest names; invalid arguments: `invalid_argument` naming the field; a handler's own
   * `MeshError` as thrown; anything else `internal`), so that links carry the code and the gateway's retry,
   * failover and breaker policies can act on it. Only the MCP edge turns errors into MCP tool errors
   * (`isError: true`) or JSON-RPC errors.
   *
   * A tool asking the client for input rejects `failed_precondition` naming it (`details.reason:
   * 'input_required'`): this caller has no client to ask. Use {@link ToolHost.callToolOutcome} to receive it.
   */
  callTool(name: string, args: Record<string, unknown>, call: InboundCall): Promise<ToolCallResult>;
  /**
   * Runs a tool like {@link ToolHost.callTool} and resolves its {@link ToolOutcome}: its final result, or its
   * input-required result unchanged (tell them apart with `isInputRequired`). For callers that can hand an input
   * request on to an MCP client: the MCP edge, the mesh service, a gateway relaying for one of them.
   */
  callToolOutcome(name: string, args: Record<string, unknown>, call: InboundCall): Promise<ToolOutcome>;
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
