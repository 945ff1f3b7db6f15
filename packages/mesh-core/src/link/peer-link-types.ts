import type { HostHealth } from '../node/tool-host.js';
import type { MeshCallOptions, MeshToolInfo, ToolCallResult, ToolOutcome } from '../tool/tool-context.js';

/** Request metadata a peer link sends with every call (as headers: see docs/reference/wire.md). */
export interface LinkCallMetadata {
  correlationId: string;
  traceparent?: string;
  tracestate?: string;
  budgetId?: string;
  /** Hop count after this link; the callee rejects calls over its `maxHops`. */
  hop: number;
}

/** Options for one call over a link. */
export interface LinkCallOptions extends MeshCallOptions {
  metadata: LinkCallMetadata;
  /**
   * On a retry after an input-required outcome: the client's answers keyed like its `inputRequests` (bare MCP
   * results), sent as `input_responses_json`.
   */
  inputResponses?: Record<string, unknown>;
  /** On a retry: the outcome's `requestState`, sent unchanged as `request_state`. */
  requestState?: string;
  /**
   * True when the caller can hand an input-required outcome on to an MCP client; otherwise such an outcome
   * rejects `failed_precondition` naming the tool. Default `false` (as the MCP SDK's `allowInputRequired`).
   */
  allowInputRequired?: boolean;
}

/** A node event received over the link's event stream. */
export type NodeEvent =
  | { kind: 'tools_changed'; nodeId: string }
  | { kind: 'circuit'; nodeId: string; target: string; state: 'closed' | 'open' | 'half_open' }
  | { kind: 'draining'; nodeId: string };

/** A client for one peer node over Connect/gRPC on one HTTP/2 session. */
export interface PeerLink {
  /** Base URL of the peer's mesh service. */
  readonly url: string;
  listTools(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<MeshToolInfo[]>;
  /**
   * Unary call, or the streamed call when `options.onProgress` is set. Rejects with a `MeshError`. Without
   * `options.allowInputRequired` it resolves a final result, and a tool asking the client for input rejects
   * `failed_precondition`.
   */
  callTool(
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions & { allowInputRequired?: false },
  ): Promise<ToolCallResult>;
  /** With `options.allowInputRequired: true` it resolves the tool's outcome: a final result or an input request. */
  callTool(name: string, args: Record<string, unknown>, options: LinkCallOptions): Promise<ToolOutcome>;
  /** The first signature again, for `Parameters<…>` and `ReturnType<…>` (see `ToolHost.callTool`). */
  callTool(
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions & { allowInputRequired?: false },
  ): Promise<ToolCallResult>;
  health(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<HostHealth>;
  /** Subscribes to the peer's events; reconnects until closed. Returns a function that stops it. */
  watchEvents(listener: (event: NodeEvent) => void): () => void;
  close(): Promise<void>;
}
