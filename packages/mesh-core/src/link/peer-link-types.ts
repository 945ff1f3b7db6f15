import type { HostHealth } from '../node/tool-host.js';
import type { MeshCallOptions, MeshToolInfo, ToolCallResult } from '../tool/tool-context.js';

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
  /** Unary call, or the streamed call when `options.onProgress` is set. Rejects with a `MeshError`. */
  callTool(name: string, args: Record<string, unknown>, options: LinkCallOptions): Promise<ToolCallResult>;
  health(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<HostHealth>;
  /** Subscribes to the peer's events; reconnects until closed. Returns a function that stops it. */
  watchEvents(listener: (event: NodeEvent) => void): () => void;
  close(): Promise<void>;
}
