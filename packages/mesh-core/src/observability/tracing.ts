import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeshError } from '../errors/mesh-error.js';
import { redactSecretValues } from './secret-values.js';

/** W3C trace context as carried in MCP `_meta`, HTTP headers and peer-link metadata. */
export interface TraceCarrier {
  /** W3C `traceparent` (`00-<trace id>-<span id>-<flags>`). */
  traceparent?: string;
  /** W3C `tracestate`, carried unchanged. */
  tracestate?: string;
}

/** Name under which the mesh's spans are reported. */
export const MESH_TRACER_NAME = '@kidsstories/mesh-core';

const propagator = new W3CTraceContextPropagator();

/** The API's own no-op provider: what the global provider hands out until an SDK registers one. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
/** The span {@link withSpan} hands out while no tracing SDK is registered: records nothing, carries nothing. */
const UNTRACED_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * True while no tracing SDK is registered (the global provider is the API's no-op), so a span would record
 * nothing and propagate only what its parent carried.
 */
function tracingIsOff(): boolean {
  const provider = trace.getTracerProvider();
  return (
    provider === NOOP_TRACER_PROVIDER ||
    (provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_TRACER_PROVIDER)
  );
}

/** The tracer the mesh uses unless one is injected: the global provider's (a no-op until an SDK registers). */
export function defaultMeshTracer(): Tracer {
  return trace.getTracer(MESH_TRACER_NAME);
}

/**
 * The OpenTelemetry context whose remote parent is the span named by `carrier`, or the root context when
 * `carrier` holds no valid `traceparent`. Malformed values are ignored, never thrown.
 */
export function extractTraceContext(carrier: TraceCarrier, base: Context = ROOT_CONTEXT): Context {
  const headers: Record<string, string> = {};
  if (carrier.traceparent) headers.traceparent = carrier.traceparent;
  if (carrier.tracestate) headers.tracestate = carrier.tracestate;
  return propagator.extract(base, headers, defaultTextMapGetter);
}

/** The W3C `traceparent`/`tracestate` of the span active in `ctx` (empty when there is none). */
export function injectTraceContext(ctx: Context): TraceCarrier {
  const headers: Record<string, string> = {};
  propagator.inject(ctx, headers, defaultTextMapSetter);
  const carrier: TraceCarrier = {};
  if (headers.traceparent) carrier.traceparent = headers.traceparent;
  if (headers.tracestate) carrier.tracestate = headers.tracestate;
  return carrier;
}

/** Options for {@link withSpan}. */
export interface WithSpanOptions {
  /**
   * The tracer.
   * @default {@link defaultMeshTracer}
   */
  tracer?: Tracer;
  /** The caller's trace context; the span becomes its child. */
  parent?: TraceCarrier;
  /**
   * Span kind.
   * @default `INTERNAL`
   */
  kind?: SpanKind;
  /** Attributes set when the span starts. */
  attributes?: Attributes;
}

/** What {@link withSpan} hands to the wrapped function. */
export interface SpanScope {
  /** The span. */
  span: Span;
  /**
   * The trace context to hand on to callees: this span's `traceparent` when it is sampled or at least valid,
   * otherwise the parent's unchanged (so a node without a tracing SDK still forwards its caller's trace).
   */
  carrier: TraceCarrier;
}

/**
 * Runs `fn` inside a new span that is a child of `options.parent`, makes it the active span for `fn`, records
 * a thrown error (with its mesh code as `mesh.error_code`) and ends the span.
 *
 * @example
 * ```ts
 * await withSpan('tool echo', { parent: { traceparent } }, async ({ carrier }) => callPeer(carrier));
 * ```
 */
export function withSpan<T>(
  name: string,
  options: WithSpanOptions,
  fn: (scope: SpanScope) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? {};
  // No tracing SDK and no tracer given: the span would be a no-op and the carrier the parent's, so skip making
  // them, and the extra async frame (two spans a forwarded call, on a gateway's hot path).
  if (options.tracer === undefined && tracingIsOff()) {
    const carrier: TraceCarrier = {};
    if (parent.traceparent) carrier.traceparent = parent.traceparent;
    if (parent.tracestate) carrier.tracestate = parent.tracestate;
    try {
      return fn({ span: UNTRACED_SPAN, carrier });
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return withRecordedSpan(name, options, parent, fn);
}

async function withRecordedSpan<T>(
  name: string,
  options: WithSpanOptions,
  parent: TraceCarrier,
  fn: (scope: SpanScope) => Promise<T>,
): Promise<T> {
  const tracer = options.tracer ?? defaultMeshTracer();
  // Without a `traceparent` there is nothing to extract (the propagator would return the active context).
  const parentContext = parent.traceparent ? extractTraceContext(parent, context.active()) : context.active();
  const span = tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: redactAttributes(options.attributes) } : {}),
    },
    parentContext,
  );
  const spanContext = trace.setSpan(parentContext, span);
  // A span without a valid context (no tracing SDK and no parent) has nothing to inject either.
  const injected = trace.isSpanContextValid(span.spanContext()) ? injectTraceContext(spanContext) : {};
  // Only the two trace fields: a caller may pass a whole call (its metadata) as the parent.
  const from = injected.traceparent ? injected : parent;
  const carrier: TraceCarrier = {};
  if (from.traceparent) carrier.traceparent = from.traceparent;
  if (from.tracestate) carrier.tracestate = from.tracestate;
  else if (parent.tracestate) carrier.tracestate = parent.tracestate;
  try {
    const result = await context.with(spanContext, () => fn({ span, carrier }));
    return result;
  } catch (error) {
    recordSpanError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks `span` as failed with `error` (a `MeshError`'s code goes in the `mesh.error_code` attribute). */
export function recordSpanError(span: Span, error: unknown): void {
  const meshError = MeshError.from(error);
  // Registered secrets never reach a span (see registerSecretValues); internal addresses may (traces are internal).
  const message = redactSecretValues(meshError.message);
  span.setAttribute('mesh.error_code', meshError.code);
  span.recordException({
    name: meshError.name,
    message,
    ...(meshError.stack ? { stack: redactSecretValues(meshError.stack) } : {}),
  });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** `attributes` with registered secret values taken out of their string values. */
function redactAttributes(attributes: Attributes): Attributes {
  let out: Attributes | undefined;
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') continue;
    const redacted = redactSecretValues(value);
    if (redacted !== value) {
      out ??= { ...attributes };
      out[key] = redacted;
    }
  }
  return out ?? attributes;
}
