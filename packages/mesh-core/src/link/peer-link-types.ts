import type { GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/server';
import type { CallMetadata } from '../call/call-metadata.js';
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
import type {
  ClientInputCapabilities,
  MeshCallOptions,
  MeshToolInfo,
  ToolCallResult,
  ToolOutcome,
} from '../tool/tool-context.js';

/** Options for one call over a link. */
export interface LinkCallOptions extends MeshCallOptions {
  /**
   * The call's metadata, usually `deriveOutboundMetadata` of the call that makes it. A mesh link sends it as the
   * request headers (docs/reference/wire.md), an MCP link in `_meta`; neither sends `principal`. The call's
   * deadline is `timeoutMs` when set, else the time left until `metadata.deadline`, else the link's
   * `defaultTimeoutMs`.
   */
  metadata: CallMetadata;
  /**
   * On a retry after an input-required outcome: the client's answers keyed like its `inputRequests` (bare MCP
   * results), sent as `input_responses_json`.
   */
  inputResponses?: Record<string, unknown>;
  /** On a retry: the outcome's `requestState`, sent unchanged as `request_state`. */
  requestState?: string;
  /**
   * The caller's authenticated principal, never sent: a link that holds a call open between rounds of input
   * requests (an MCP link to a 2025-era upstream) accepts the retry only from the same principal.
   */
  principal?: string;
  /**
   * The input requests the MCP client at the end of the call can answer (`InboundCall.clientCapabilities`, which
   * the gateway passes on). An MCP link declares them to a 2026-07-28 upstream on `callToolOutcome`; without
   * them it declares all three (the caller of `callToolOutcome` takes input requests), and on `callTool` none. A
   * mesh link does not send them.
   */
  clientCapabilities?: ClientInputCapabilities;
  /**
   * Receives the log records the tool writes for the client (`notifications/message`), streamed back like
   * progress (a mesh link then uses the streamed call). A link that cannot carry them ignores it.
   */
  onLog?: ClientLogSink;
}

/**
 * Where the calls a node's tools make through `ToolContext.mesh` go (`createMeshNode({ meshClient })`,
 * `createLocalToolHost({ mesh })`): a {@link PeerLink} (to a gateway, say), or anything else with these two
 * methods. Each call receives {@link LinkCallOptions} whose `metadata` is `deriveOutboundMetadata` of the calling
 * tool's call. A `MeshClient` fits too (it ignores the metadata).
 *
 * @example
 * ```ts
 * const meshClient: MeshCaller = createPeerLink({ url: 'http://gateway:7070' });
 * ```
 */
export interface MeshCaller {
  /** Calls a tool; resolves its final result (an input request rejects `failed_precondition`). */
  callTool(name: string, args: Record<string, unknown>, options: LinkCallOptions): Promise<ToolCallResult>;
  /** Lists the tools reachable through it. */
  listTools(options?: { signal?: AbortSignal }): Promise<MeshToolInfo[]>;
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
  /**
   * The same metadata a tool call carries (correlation id, trace context, budget id, hop count); its deadline
   * applies when `timeoutMs` is unset, as for {@link LinkCallOptions.metadata}.
   */
  metadata: CallMetadata;
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
   * Calls a tool on the peer and resolves its final result: a unary call, or the streamed call when
   * `options.onProgress` or `options.onLog` is set. Rejects with a `MeshError`; a tool asking the client for input
   * rejects `failed_precondition` (`details.reason: 'input_required'`).
   */
  callTool(name: string, args: Record<string, unknown>, options: LinkCallOptions): Promise<ToolCallResult>;
  /**
   * Calls a tool like {@link PeerLink.callTool} and resolves its outcome: a final result or an input request, for
   * a caller that hands input requests on to an MCP client (a gateway relaying for an MCP edge).
   */
  callToolOutcome(
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions,
  ): Promise<ToolOutcome>;
  /**
   * True when this link holds the call that `requestState` (of a retry after an input-required outcome) names, so
   * the retry must reach this link and no other replica: an MCP link holding a 2025-era upstream call open while
   * its input requests travel to the client. Links that keep no such state leave it out.
   */
  ownsRequestState?(requestState: string): boolean;
  health(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<HostHealth>;
  /** Subscribes to the peer's events; reconnects until closed. Returns a function that stops it. */
  watchEvents(listener: (event: NodeEvent) => void): () => void;
  close(): Promise<void>;
}
