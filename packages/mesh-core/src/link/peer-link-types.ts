import type { GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/server';
import type { MeshError } from '../errors/mesh-error.js';
import type {
  CompletionRequest,
  MeshCompletion,
  MeshPromptInfo,
  MeshResourceInfo,
  MeshResourceTemplateInfo,
} from '../host/feature-host.js';
import type { HostHealth } from '../host/tool-host.js';
import type { ClientLogSink } from '../observability/client-logger.js';
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
   * rejects `failed_precondition` naming the tool.
   * @default `false` (as the MCP SDK's `allowInputRequired`)
   */
  allowInputRequired?: boolean;
  /**
   * Receives the log records the tool writes for the client (`notifications/message`), streamed back like
   * progress (a mesh link then uses the streamed call). A link that cannot carry them ignores it.
   */
  onLog?: ClientLogSink;
}

/** A node event received over the link's event stream. */
export type NodeEvent =
  | { kind: 'tools_changed'; nodeId: string }
  | { kind: 'circuit'; nodeId: string; target: string; state: 'closed' | 'open' | 'half_open' }
  | { kind: 'draining'; nodeId: string }
  /** The node's resource or resource template list changed. */
  | { kind: 'resources_changed'; nodeId: string }
  /** The node's prompt list changed. */
  | { kind: 'prompts_changed'; nodeId: string }
  /** The contents of the resource at `uri` changed (`notifications/resources/updated`). */
  | { kind: 'resource_updated'; nodeId: string; uri: string };

/** Options of one resource, prompt or completion request over a link. */
export interface LinkFeatureOptions {
  /** Aborts the request (the peer's handler sees the cancellation). */
  signal?: AbortSignal;
  /** The request's deadline relative to now. */
  timeoutMs?: number;
  /** The same metadata a tool call carries (correlation id, trace context, budget id, hop count). */
  metadata: LinkCallMetadata;
  /** Receives the log records the peer's handler writes for the client (`notifications/message`) while it runs. */
  onLog?: ClientLogSink;
}

/** What a peer serves besides tools, as its MCP `initialize` result or its mesh service reports it. */
export interface PeerFeatureSet {
  /** `resources/list`, `resources/templates/list`, `resources/read`. */
  resources: boolean;
  /** `resources/subscribe` with `notifications/resources/updated`. */
  resourceSubscribe: boolean;
  /** `prompts/list`, `prompts/get`. */
  prompts: boolean;
  /** `completion/complete`. */
  completions: boolean;
  /** Log records for the client (`notifications/message`). */
  logging: boolean;
}

/**
 * The resource, prompt and completion side of a peer link (issue 18): everything is plain MCP data, so the mesh
 * service and a plain MCP client connection carry it alike. Failures reject with a `MeshError` (an unknown URI or
 * prompt `not_found`, a peer without the feature `unimplemented`).
 */
export interface PeerFeatureLink {
  /** What the peer offers; a link that cannot tell yet asks the peer. */
  features(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<PeerFeatureSet>;
  listResources(options: LinkFeatureOptions): Promise<MeshResourceInfo[]>;
  listResourceTemplates(options: LinkFeatureOptions): Promise<MeshResourceTemplateInfo[]>;
  readResource(uri: string, options: LinkFeatureOptions): Promise<ReadResourceResult>;
  listPrompts(options: LinkFeatureOptions): Promise<MeshPromptInfo[]>;
  getPrompt(
    name: string,
    args: Record<string, string>,
    options: LinkFeatureOptions,
  ): Promise<GetPromptResult>;
  complete(request: CompletionRequest, options: LinkFeatureOptions): Promise<MeshCompletion>;
  /**
   * Follows updates of one resource on the peer: `listener` runs on each `notifications/resources/updated` for
   * `uri` until the returned function is called. The link subscribes again after a reconnect.
   */
  subscribeResource(uri: string, listener: () => void, options?: ResourceSubscriptionOptions): () => void;
}

/** Options of {@link PeerFeatureLink.subscribeResource}. */
export interface ResourceSubscriptionOptions {
  /**
   * Called when the link lost the subscription for now (the connection or stream to the peer failed): updates may
   * be missed until it is back. The link keeps trying; a gateway moves the subscription to another replica.
   */
  onError?: (error: MeshError) => void;
}

/**
 * A client for one peer: a mesh node over Connect/gRPC on one HTTP/2 session (`createPeerLink`), or any other
 * transport that offers the same calls. The feature methods of {@link PeerFeatureLink} are optional: a link without
 * them offers tools only.
 */
export interface PeerLink extends Partial<PeerFeatureLink> {
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
