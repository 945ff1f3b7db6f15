import type { GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/server';
import type { CallMetadata } from '../call/call-metadata.js';
import type { ClientLogSink } from '../observability/client-logger.js';

// The resource and prompt side of a host, as data: every type here is plain JSON (what `resources/list`,
// `prompts/list`, `resources/read`, `prompts/get` and `completion/complete` carry), so peer links carry it the way
// they carry `MeshToolInfo` and tool results (issue 18).

/**
 * One call into a resource or prompt host: its {@link CallMetadata} (correlation id, deadline, trace context, budget
 * id, hop count: 0 at the MCP edge, and a gateway forwards it with `hop + 1`), its cancellation and where its log
 * records go.
 */
export interface FeatureCall extends CallMetadata {
  /** Aborts on the client's cancellation or the edge's deadline. */
  signal: AbortSignal;
  /** Receives the handler's log records for the client (`notifications/message`). Default: none sent. */
  onLog?: ClientLogSink;
}

/** The resource, prompt and completion side a host serves beside its tools (each absent when not served). */
export interface HostFeatures {
  /** Serves `resources/*` and resource subscriptions. */
  resources?: ResourceHost;
  /** Serves `prompts/*`. */
  prompts?: PromptHost;
  /** Serves `completion/complete`. */
  completion?: CompletionHost;
}

/** A resource as `resources/list` shows it. */
export interface MeshResourceInfo {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  annotations?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

/** A resource template as `resources/templates/list` shows it. */
export interface MeshResourceTemplateInfo {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

/** A prompt as `prompts/list` shows it. */
export interface MeshPromptInfo {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
  _meta?: Record<string, unknown>;
}

// A type alias, not an interface: only an alias is assignable to the MCP SDK's result types (index signature).
/** The answer of `completion/complete`: at most 100 values. */
export type MeshCompletion = {
  values: string[];
  total?: number;
  hasMore?: boolean;
};

/** What `completion/complete` asks about: an argument of a prompt, or a variable of a resource template. */
export interface CompletionRequest {
  /** The prompt (`ref/prompt`) or the resource template (`ref/resource`, by its URI template). */
  ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };
  /** The argument or variable being completed and what the user typed so far. */
  argument: { name: string; value: string };
  /** The other arguments already filled in. */
  arguments: Readonly<Record<string, string>>;
}

/** A change a resource host reports: its lists changed, or one resource's contents did. */
export type ResourceChange = { kind: 'list_changed' } | { kind: 'updated'; uri: string };

/**
 * Something that serves resources: a node hosting its own definitions (see {@link createLocalFeatureHost}), or a
 * gateway federating its peers'. Failures reject with a `MeshError`: an unknown URI `not_found`, a bad
 * argument `invalid_argument`, a handler's own `MeshError` as thrown, anything else `internal`.
 */
export interface ResourceHost {
  listResources(call: FeatureCall): Promise<MeshResourceInfo[]>;
  listResourceTemplates(signal?: AbortSignal): Promise<MeshResourceTemplateInfo[]>;
  readResource(uri: string, call: FeatureCall): Promise<ReadResourceResult>;
  /** Calls `listener` on every {@link ResourceChange}; returns a function that stops listening. */
  onResourcesChanged(listener: (change: ResourceChange) => void): () => void;
  /**
   * Says that a client follows the resource at `uri` (MCP `resources/subscribe`, or `subscriptions/listen` in the
   * 2026 era) until the returned function is called. A host that reports every change anyway (a node's own
   * resources) does not implement it; a gateway forwards the subscription to the peer serving `uri`.
   */
  subscribe?(uri: string): () => void;
}

/** Something that serves prompts. Failures reject with a `MeshError` (an unknown prompt: `not_found`). */
export interface PromptHost {
  listPrompts(signal?: AbortSignal): Promise<MeshPromptInfo[]>;
  getPrompt(name: string, args: Record<string, string>, call: FeatureCall): Promise<GetPromptResult>;
  /** Calls `listener` when the prompt list changes; returns a function that stops listening. */
  onPromptsChanged(listener: () => void): () => void;
}

/** Something that answers `completion/complete` for its prompts and resource templates. */
export interface CompletionHost {
  /**
   * Suggestions for one argument; an argument without a `complete` function gets an empty list. `call` carries the
   * request's {@link CallMetadata} when the edge knows it (a gateway forwards it).
   */
  complete(request: CompletionRequest, signal: AbortSignal, call?: CallMetadata): Promise<MeshCompletion>;
}
