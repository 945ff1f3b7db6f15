// @kidsstories/mesh-core/observability: logs, metrics and traces in detail. For those who write their own logger
// or metrics sink, trace their own code in the mesh's spans, or keep secrets out of logs. The factories a mesh is
// built with (createJsonLogger, silentLogger, createMeshMetrics) are in the root. Adding a line here is an API
// decision.

// Logs.
export { redactSecrets } from './logger.js';
export type { LogFields, LogLevel } from './logger.js';
// Secrets kept out of logs and errors.
export {
  MIN_SECRET_CHARS,
  redactSecretValues,
  registerSecretValues,
  secretValuesFromEnv,
} from './secret-values.js';

// Metrics: their defaults, and what the mesh observes per tool call and per peer call.
export { DEFAULT_MESH_METRICS } from './metrics.js';
export type {
  BreakerStateName,
  PeerCallObservation,
  ToolCallObservation,
  ToolCallOutcome,
} from './metrics.js';

// Traces: OpenTelemetry spans and W3C trace context across links.
export {
  defaultMeshTracer,
  extractTraceContext,
  injectTraceContext,
  MESH_TRACER_NAME,
  recordSpanError,
  withSpan,
} from './tracing.js';
export type { SpanScope, TraceCarrier, WithSpanOptions } from './tracing.js';
