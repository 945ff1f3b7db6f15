import { SpanKind } from '@opentelemetry/api';
import type { CallMetadata } from '../call/call-metadata.js';
import { createCallScope } from '../context/call-scope.js';
import { MeshError } from '../errors/mesh-error.js';
import type { InboundCall, ToolHost } from '../host/tool-host.js';
import type { ClientLogSink } from '../observability/client-logger.js';
import { recordSpanError, type WithSpanOptions, withSpan } from '../observability/tracing.js';
import { clientInputCapabilitiesOf } from '../tool/input-required.js';
import type { ToolOutcome, ToolProgress } from '../tool/tool-context.js';
import { isUnknownToolError, toolErrorResult, unknownToolProtocolError } from './edge-errors.js';
import type { ResolvedEdgeOptions } from './edge-options.js';
import { type HeaderReader, readCallMetadata } from './inbound-call.js';
import { toPublicError } from './public-error.js';

/** One MCP `tools/call` as an edge received it, whichever way it is served (the SDK's server or the relay path). */
export interface EdgeToolCall {
  name: string;
  args: Record<string, unknown>;
  /** The request's `params._meta`. */
  meta: Record<string, unknown> | undefined;
  /** The HTTP request's headers; none on stdio. */
  headers: HeaderReader | undefined;
  /** Abort the call: the exchange's and the connection's signals. */
  signals: ReadonlyArray<AbortSignal | undefined>;
  /** The authenticated client, when the edge verified a bearer token. */
  principal?: string;
  /** A multi-round-trip retry's answers, lifted out of the params by the SDK. */
  inputResponses?: Record<string, unknown>;
  /** A multi-round-trip retry's raw `requestState`. */
  requestState?: string;
  /**
   * The capabilities the client declared, as received: the request's `io.modelcontextprotocol/clientCapabilities`
   * (2026-07-28) or its session's `initialize` (2025 era). Their input part goes on as
   * `InboundCall.clientCapabilities`.
   */
  clientCapabilities?: unknown;
  /** Sends `notifications/progress` (used when `_meta` carries a progress token); absent when it cannot be sent. */
  notifyProgress?: (params: ToolProgress & { progressToken: string | number }) => Promise<void>;
  /** Sends the tool's log records to the client (`notifications/message`); absent when they cannot be sent. */
  onLog?: ClientLogSink;
}

/**
 * Runs one MCP `tools/call` on a host: reads correlation id, trace context, budget id and deadline from `_meta`
 * and headers, opens the edge span, and maps failures (as {@link toPublicError} shows them: without internal
 * addresses or registered secrets; the span keeps the whole error): an unknown tool throws the JSON-RPC `-32602`
 * `ProtocolError` naming the closest tools, malformed metadata and every other `MeshError` resolve a tool result
 * with `isError: true`. An input-required outcome resolves unchanged.
 */
export async function runEdgeToolCall(
  host: ToolHost,
  call: EdgeToolCall,
  options: ResolvedEdgeOptions,
): Promise<ToolOutcome> {
  const { name, meta } = call;
  let metadata: CallMetadata;
  try {
    metadata = readCallMetadata(meta, call.headers, {
      now: options.now,
      ...(options.generateId ? { generateId: options.generateId } : {}),
      ...(call.principal === undefined ? {} : { principal: call.principal }),
    });
  } catch (error) {
    const meshError = MeshError.from(error);
    options.metrics?.countError(meshError.code, { tool: name, node: host.id });
    return toolErrorResult(toPublicError(meshError));
  }
  const scope = createCallScope({
    signals: call.signals,
    now: options.now,
    ...(metadata.deadline === undefined ? {} : { deadline: metadata.deadline }),
  });
  const progressToken = meta?.progressToken;
  try {
    // Objects on this path are built property by property: a spread followed by more properties (or an object
    // rest) makes V8 build a new hidden class on every call, a microsecond or more each.
    const spanOptions: WithSpanOptions = {
      kind: SpanKind.SERVER,
      // The metadata is the span's parent carrier (its `traceparent` and `tracestate`).
      parent: metadata,
      attributes: {
        'rpc.system': 'mcp',
        'rpc.method': 'tools/call',
        'mesh.tool': name,
        'mesh.correlation_id': metadata.correlationId,
      },
    };
    if (options.tracer) spanOptions.tracer = options.tracer;
    return await withSpan(`mcp tools/call ${name}`, spanOptions, async ({ carrier, span }) => {
      // The host's spans are children of the edge span: its trace context replaces the client's.
      const inbound: InboundCall = {
        correlationId: metadata.correlationId,
        hop: metadata.hop,
        signal: scope.signal,
      };
      if (metadata.deadline !== undefined) inbound.deadline = metadata.deadline;
      if (metadata.budgetId !== undefined) inbound.budgetId = metadata.budgetId;
      if (metadata.principal !== undefined) inbound.principal = metadata.principal;
      if (carrier.traceparent !== undefined) inbound.traceparent = carrier.traceparent;
      if (carrier.tracestate !== undefined) inbound.tracestate = carrier.tracestate;
      if (call.inputResponses !== undefined) inbound.inputResponses = call.inputResponses;
      if (call.requestState !== undefined) inbound.requestState = call.requestState;
      const clientCapabilities = clientInputCapabilitiesOf(call.clientCapabilities);
      if (clientCapabilities !== undefined) inbound.clientCapabilities = clientCapabilities;
      if (call.onLog !== undefined) inbound.onLog = call.onLog;
      const { notifyProgress } = call;
      if (notifyProgress && (typeof progressToken === 'string' || typeof progressToken === 'number')) {
        inbound.onProgress = (progress: ToolProgress) => {
          notifyProgress({ progressToken, ...progress }).catch((error: unknown) =>
            options.logger.debug('progress notification failed', { error }),
          );
        };
      }
      try {
        // The edge can always hand an input-required outcome to the client.
        return await host.callToolOutcome(name, call.args, inbound);
      } catch (error) {
        const meshError = MeshError.from(error);
        // The span and the log keep the whole error; the client gets it without internal addresses or secrets.
        recordSpanError(span, meshError);
        const shown = toPublicError(meshError);
        if (shown !== meshError) {
          options.logger.debug(`tool "${name}" failed: ${meshError.message}`, {
            code: meshError.code,
            origin: meshError.details.origin,
            correlationId: metadata.correlationId,
          });
        }
        if (isUnknownToolError(shown)) throw unknownToolProtocolError(shown);
        return toolErrorResult(shown);
      }
    });
  } finally {
    scope.dispose();
  }
}
