// The one call-metadata type of the mesh (issue 16): what every call carries from the MCP edge through gateways
// and peer links into the handler's `ToolContext`. A leaf module: it imports nothing, so every folder can use it.
// The converters live at their boundary: `mcp/inbound-call.ts` (MCP `_meta` and HTTP headers) and
// `link/wire-metadata.ts` (the mesh request headers and the call channel's metadata map).

/**
 * The metadata of one call in the mesh: deadline, correlation id, W3C trace context, budget id, hop count and the
 * authenticated caller. An MCP edge reads it from `_meta` and HTTP headers, a mesh service from the request
 * headers; hosts hand it to handlers as part of their `ToolContext`, and a call made from inside a handler
 * carries {@link deriveOutboundMetadata} of it.
 *
 * `InboundCall`, `ToolContext`, `FeatureCall` and `OutboundCallScope` extend it; `LinkCallOptions.metadata` and
 * `LinkFeatureOptions.metadata` hold it.
 *
 * @example
 * ```ts
 * const metadata: CallMetadata = { correlationId: 'c-1', hop: 0, deadline: Date.now() + 5_000 };
 * await link.callTool('echo', { text: 'hi' }, { metadata: deriveOutboundMetadata(metadata) });
 * ```
 */
export interface CallMetadata {
  /**
   * The call's deadline in epoch milliseconds (the `Date.now()` clock). Absent when the caller set none (hosts
   * then apply their own timeouts). Peer links send it as the time left (`grpc-timeout`, the call channel's
   * `timeout_ms`, `_meta["io.kidsstories/timeout-ms"]`); the receiving side turns that back into a deadline.
   */
  deadline?: number;
  /**
   * Correlation id of the whole request, the same on every hop. Edges generate one (a UUID) when the caller sent
   * none; a received one is 1 to 200 printable ASCII characters.
   */
  correlationId: string;
  /** W3C `traceparent` of the caller's span (on a `ToolContext`: of the span around the tool). Default none. */
  traceparent?: string;
  /** W3C `tracestate`, carried unchanged beside `traceparent`. Default none. */
  tracestate?: string;
  /** Budget id the call is charged to, when the caller named one (1 to 200 printable ASCII characters). */
  budgetId?: string;
  /**
   * Peer links the call has crossed so far: 0 at the MCP edge, `hop + 1` after each link. A mesh service
   * rejects a call over its `maxHops` (default 8) as a routing loop (`failed_precondition`).
   */
  hop: number;
  /**
   * The caller this node's edge authenticated (a bearer token's subject, a client certificate's name), when it
   * authenticated one. Set by the receiving edge only: links never send it, since the next node authenticates
   * the link itself. Default none.
   */
  principal?: string;
}

/** W3C trace context of a span, as `TraceCarrier` holds it (`observability/tracing.ts`). */
export interface SpanTraceContext {
  /** W3C `traceparent` of the span. */
  traceparent?: string | undefined;
  /** W3C `tracestate` of the span. */
  tracestate?: string | undefined;
}

/**
 * The seven {@link CallMetadata} fields of `source` and nothing else (no signal, listeners or input responses),
 * absent fields left out.
 *
 * @example
 * ```ts
 * const metadata = pickCallMetadata(inboundCall); // { correlationId, hop, deadline?, … }
 * ```
 */
export function pickCallMetadata(source: CallMetadata): CallMetadata {
  const metadata: CallMetadata = { correlationId: source.correlationId, hop: source.hop };
  if (source.deadline !== undefined) metadata.deadline = source.deadline;
  if (source.traceparent !== undefined) metadata.traceparent = source.traceparent;
  if (source.tracestate !== undefined) metadata.tracestate = source.tracestate;
  if (source.budgetId !== undefined) metadata.budgetId = source.budgetId;
  if (source.principal !== undefined) metadata.principal = source.principal;
  return metadata;
}

/**
 * The metadata of a call made on behalf of `call` across one more peer link: the same correlation id, budget id
 * and deadline, `hop + 1`, and the trace context of `span` (the span around the work that makes the call, so the
 * callee's spans become its children) or, without `span`, of `call`. The principal stays behind: the next node
 * authenticates the link, not the original caller.
 *
 * The one place that derives outbound metadata: `ToolContext.mesh` (through `createOutboundMeshClient`), the
 * gateway forwarding tools, resources, prompts and completions, and your own code forwarding a call all use it.
 *
 * @example
 * ```ts
 * // Inside a handler: call a peer directly with the handler's own deadline and trace context.
 * await link.callTool('count_words', { text }, { metadata: deriveOutboundMetadata(context) });
 * ```
 */
export function deriveOutboundMetadata(call: CallMetadata, span?: SpanTraceContext): CallMetadata {
  const trace = span ?? call;
  const metadata: CallMetadata = { correlationId: call.correlationId, hop: call.hop + 1 };
  if (call.deadline !== undefined) metadata.deadline = call.deadline;
  if (trace.traceparent !== undefined) metadata.traceparent = trace.traceparent;
  if (trace.tracestate !== undefined) metadata.tracestate = trace.tracestate;
  if (call.budgetId !== undefined) metadata.budgetId = call.budgetId;
  return metadata;
}

/** What {@link callTimeoutMs} reads of a call's options (`LinkCallOptions`, `LinkFeatureOptions`). */
export interface CallTimeoutOptions {
  /** The call's own timeout, in milliseconds. */
  timeoutMs?: number | undefined;
  /** The call's metadata, whose `deadline` bounds a call without `timeoutMs`. */
  metadata?: CallMetadata | undefined;
}

/**
 * The timeout a peer link gives one call, in milliseconds: `options.timeoutMs` when set, else the time left until
 * `options.metadata.deadline` by `now`, else `defaultTimeoutMs`. Zero or less means the deadline already passed
 * (links reject that `deadline_exceeded` before sending anything).
 *
 * @example
 * ```ts
 * callTimeoutMs({ metadata: { correlationId: 'c', hop: 1, deadline: 1_500 } }, 30_000, () => 1_000); // 500
 * ```
 */
export function callTimeoutMs(
  options: CallTimeoutOptions,
  defaultTimeoutMs: number,
  now: () => number = Date.now,
): number {
  if (options.timeoutMs !== undefined) return options.timeoutMs;
  const deadline = options.metadata?.deadline;
  return deadline === undefined ? defaultTimeoutMs : deadline - now();
}
