import type { ContentBlock, InputRequests } from '@modelcontextprotocol/server';
import type { CallMetadata } from '../call/call-metadata.js';
import type { Logger } from '../observability/logger.js';
import type { CostLedger } from '../ports/cost-ledger.js';
import type { DistributedLock } from '../ports/distributed-lock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { StateStore } from '../ports/state-store.js';

/** The result of calling a tool anywhere in the mesh, as MCP's `CallToolResult`. */
export interface ToolCallResult {
  content: ContentBlock[];
  /** The result as data matching the tool's `outputSchema`; never set on an error result. */
  structuredContent?: unknown;
  /**
   * Present and true when the tool failed: `content` then holds the message, and the MCP edge puts the error's
   * `{ code, message, details }` under `_meta["io.kidsstories/error"]` (`MESH_META_KEYS.error`).
   */
  isError?: boolean;
  /** MCP result metadata (reverse-DNS keys). */
  _meta?: Record<string, unknown>;
}

// A type alias, not an interface: only an alias is assignable to the MCP SDK's `InputRequiredResult`, whose
// index signature an interface lacks, so the MCP edge hands it to the SDK without a cast.
/**
 * A tool's request for input from the MCP client before it can finish: MCP's `InputRequiredResult`
 * (multi-round-trip requests, protocol revision 2026-07-28). Build it with the re-exported `inputRequired`
 * helpers (`inputRequired.elicit`, `inputRequired.createMessage`, `inputRequired.listRoots`…). The client
 * fulfils `inputRequests` and calls the tool again with the same arguments, its answers
 * ({@link ToolContext.inputResponses}) and `requestState` echoed unchanged ({@link ToolContext.requestState}).
 * A 2025-era client with a session gets the same through the MCP SDK's legacy shim, which sends it real
 * `elicitation/create`, `sampling/createMessage` or `roots/list` requests.
 *
 * At least one of `inputRequests` (non-empty) and `requestState` must be present; a tool returning neither
 * fails `internal`.
 *
 * @example
 * ```ts
 * return inputRequired({
 *   inputRequests: { confirm: inputRequired.elicit({ message: 'Publish?', requestedSchema: schema }) },
 *   requestState: 'step-2',
 * });
 * ```
 */
export type ToolInputRequired = {
  resultType: 'input_required';
  /**
   * The requests for the client (`elicitation/create`, `sampling/createMessage`, `roots/list`), keyed by ids
   * the tool chose.
   */
  inputRequests?: InputRequests;
  /**
   * Opaque state the client echoes unchanged on the retry. It travels through the client: protect it (for
   * example with the MCP SDK's `createRequestStateCodec`) when it matters.
   */
  requestState?: string;
  /**
   * Never set: an input request carries no final result. Declared so that `outcome.content`,
   * `outcome.structuredContent` and `outcome.isError` read on a {@link ToolOutcome} (and on what a handler
   * returns) without narrowing first.
   */
  content?: never;
  /** Never set (see `content`). */
  structuredContent?: never;
  /** Never set (see `content`). */
  isError?: never;
};

/**
 * What a tool call produces: its final result, or its request for input from the client. Tell them apart
 * with {@link isInputRequired}.
 */
export type ToolOutcome = ToolCallResult | ToolInputRequired;

/**
 * True when `value` is an input-required outcome (`resultType: 'input_required'`), whether a tool handler, a
 * host or a peer link produced it.
 *
 * @example
 * ```ts
 * const outcome = await host.callToolOutcome('publish', args, call);
 * if (isInputRequired(outcome)) return outcome; // hand it to the client
 * ```
 */
export function isInputRequired(value: unknown): value is ToolInputRequired {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { resultType?: unknown }).resultType === 'input_required'
  );
}

/**
 * The kinds of input request an MCP client said it can answer (its declared `elicitation`, `sampling` and `roots`
 * capabilities, each as it declared it): in its `initialize` request (2025 era) or in every request's
 * `io.modelcontextprotocol/clientCapabilities` (2026-07-28). An MCP edge reads them from the client; a gateway
 * hands them to the links of its calls, so that an upstream MCP server is told only what the client at the end
 * of the call can answer.
 *
 * @example
 * ```ts
 * const call: InboundCall = { ...metadata, signal, clientCapabilities: { elicitation: { form: {} } } };
 * ```
 */
export interface ClientInputCapabilities {
  /** The client answers `elicitation/create` (its declared modes, such as `form` and `url`). */
  elicitation?: Record<string, unknown>;
  /** The client answers `sampling/createMessage`. */
  sampling?: Record<string, unknown>;
  /** The client answers `roots/list`. */
  roots?: Record<string, unknown>;
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
 * trace context, budget id and hop count. Failures reject with a `MeshError`; so does a called tool that asks
 * the client for input (`failed_precondition`), since a tool-to-tool call has no client to ask.
 */
export interface MeshClient {
  callTool(name: string, args: Record<string, unknown>, options?: MeshCallOptions): Promise<ToolCallResult>;
  listTools(options?: { signal?: AbortSignal }): Promise<MeshToolInfo[]>;
}

/**
 * Everything a tool handler gets besides its arguments: the call's {@link CallMetadata} (`context.correlationId`,
 * `context.deadline`, `context.hop`…; `traceparent` and `tracestate` are those of the span around the tool, and
 * `deadline` the effective one: the caller's or the tool's own timeout, whichever ends first), the ports, and
 * `mesh` for calls to other tools, which carry `deriveOutboundMetadata` of this metadata.
 */
export interface ToolContext extends CallMetadata {
  /** Aborts when the caller's deadline passes, the caller cancels, or the node drains. */
  signal: AbortSignal;
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
  /**
   * On a retry after the tool returned {@link ToolInputRequired}: the client's answers, keyed like its
   * `inputRequests`, each the bare MCP result (`ElicitResult`, `CreateMessageResult`, `ListRootsResult`).
   * Untrusted client input: read it with `acceptedContent(inputResponses, key, schema)` (validates) or
   * `inputResponse(inputResponses, key)`. Absent on a first call.
   */
  inputResponses?: Record<string, unknown>;
  /**
   * On a retry: the `requestState` the tool returned, as the client echoed it. Untrusted client input: the
   * client can change it, so a tool whose state decides anything that matters must integrity-protect it (the MCP
   * SDK's `createRequestStateCodec` signs and checks it with HMAC). Absent when the client sent none.
   */
  requestState?: string;
}
