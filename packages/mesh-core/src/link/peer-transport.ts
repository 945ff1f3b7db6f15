import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CallMetadata } from '../call/call-metadata.js';
import type {
  CallToolRequestSchema,
  CallToolResponse,
  CallToolStreamRequestSchema,
  CallToolStreamResponse,
  CompleteRequestSchema,
  CompleteResponse,
  GetFeaturesResponse,
  GetPromptRequestSchema,
  GetPromptResponse,
  HealthResponse,
  ListPromptsResponse,
  ListResourcesRequestSchema,
  ListResourcesResponse,
  ListResourceTemplatesResponse,
  ListToolsResponse,
  ReadResourceRequestSchema,
  ReadResourceResponse,
  WatchEventsResponse,
} from '../gen/mesh/v1/mesh_pb.js';

/**
 * Options of one operation on a {@link PeerTransport}. The link has checked them already: a deadline is > 0, the
 * metadata is complete, the token is signed.
 */
export interface PeerTransportCallOptions {
  /**
   * The operation's deadline in milliseconds, sent with the request (`grpc-timeout`, `connect-timeout-ms`) and
   * enforced here: past it the operation rejects `deadline_exceeded`. Absent: no deadline (watch streams).
   */
  timeoutMs?: number | undefined;
  /** Cancels the operation; the peer's handler sees the cancellation. */
  signal?: AbortSignal | undefined;
  /**
   * The call's metadata. The transport sends it as the mesh request headers, through the one converter
   * (`metadataHeaders`), so every path carries the same headers. Absent for `ListTools`, `Health`, `GetFeatures`.
   */
  metadata?: CallMetadata | undefined;
  /** The `authorization` header value, when the link signs its calls. */
  authorization?: string | undefined;
}

/** What a transport holds for calls in flight right now, for the link's accounting (issue 20). */
export interface PeerTransportInFlight {
  /** Calls multiplexed on a call channel waiting for their answer. */
  channelCalls: number;
  /** Call channels opened and not yet ended. */
  channels: number;
}

/**
 * The wire operations a mesh peer link needs: the mesh service (protos/mesh/v1) as seen from the caller, one
 * method per RPC, in the generated protobuf messages. A transport chooses how each operation travels (the HTTP/2
 * transport of `createPeerLink({ url })` multiplexes unary calls on a call channel, sends large ones as lean unary
 * gRPC calls and streamed ones through Connect; the in-memory transport of `@kidsstories/mesh-core/testing` runs
 * the service's handlers in-process); the link on top of it does what is the same on every transport: option
 * checks, metadata, signing, the codec between protobuf and mesh types, error mapping and in-flight accounting.
 *
 * Operations reject with whatever the wire produced (`ConnectError`s, Node errors): the link converts them into
 * `MeshError`s at its one boundary (`meshErrorFromTransport`). Streams are read to their end by the link.
 *
 * Give one to `createPeerLink({ transport })`; the link closes it when it closes.
 *
 * @example
 * ```ts
 * import { createPeerLink } from '@kidsstories/mesh-core';
 * import { createInMemoryPeerTransport } from '@kidsstories/mesh-core/testing';
 *
 * const link = createPeerLink({ transport: createInMemoryPeerTransport(host) });
 * ```
 */
export interface PeerTransport {
  /** Where the transport leads (a base URL, or `memory://<node id>`): the link's `url` and `details.origin`. */
  readonly url: string;
  /** `CallTool`: one tool call without progress or log records. `options.timeoutMs` is required. */
  callTool(
    request: MessageInitShape<typeof CallToolRequestSchema>,
    options: PeerTransportCallOptions & { timeoutMs: number },
  ): Promise<CallToolResponse>;
  /** `CallToolStream`: progress and (when `request.logs`) log records, then the result or the input request. */
  callToolStream(
    request: MessageInitShape<typeof CallToolStreamRequestSchema>,
    options: PeerTransportCallOptions & { timeoutMs: number },
  ): AsyncIterable<CallToolStreamResponse>;
  /** `ListTools`. */
  listTools(options: PeerTransportCallOptions): Promise<ListToolsResponse>;
  /** `Health`. */
  health(options: PeerTransportCallOptions): Promise<HealthResponse>;
  /** `WatchEvents`: the node's events until the peer ends the stream or `options.signal` aborts. */
  watchEvents(
    options: PeerTransportCallOptions & { signal: AbortSignal },
  ): AsyncIterable<WatchEventsResponse>;
  /** `GetFeatures`. */
  getFeatures(options: PeerTransportCallOptions): Promise<GetFeaturesResponse>;
  /** `ListResources`: log records (when asked), then the list. */
  listResources(
    request: MessageInitShape<typeof ListResourcesRequestSchema>,
    options: PeerTransportCallOptions,
  ): AsyncIterable<ListResourcesResponse>;
  /** `ListResourceTemplates`. */
  listResourceTemplates(options: PeerTransportCallOptions): Promise<ListResourceTemplatesResponse>;
  /** `ReadResource`: log records (when asked), then the contents. */
  readResource(
    request: MessageInitShape<typeof ReadResourceRequestSchema>,
    options: PeerTransportCallOptions,
  ): AsyncIterable<ReadResourceResponse>;
  /** `ListPrompts`. */
  listPrompts(options: PeerTransportCallOptions): Promise<ListPromptsResponse>;
  /** `GetPrompt`: log records (when asked), then the prompt. */
  getPrompt(
    request: MessageInitShape<typeof GetPromptRequestSchema>,
    options: PeerTransportCallOptions,
  ): AsyncIterable<GetPromptResponse>;
  /** `Complete`. */
  complete(
    request: MessageInitShape<typeof CompleteRequestSchema>,
    options: PeerTransportCallOptions,
  ): Promise<CompleteResponse>;
  /** What the transport holds for calls in flight. Default: nothing (a transport without call channels). */
  inFlight?(): PeerTransportInFlight;
  /** Releases the transport (connections, channels). Operations after it reject. Safe to call more than once. */
  close(): Promise<void>;
}
