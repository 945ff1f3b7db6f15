// Public API of @kidsstories/mesh-core. Adding a line here is an API decision.
export { defineTool, TOOL_NAME_PATTERN } from './tool/tool-definition.js';
export type { AnyToolDefinition, ToolDefinition, ToolResult } from './tool/tool-definition.js';
export type {
  MeshCallOptions,
  MeshClient,
  MeshToolInfo,
  ToolCallResult,
  ToolContext,
  ToolInputRequired,
  ToolOutcome,
  ToolProgress,
} from './tool/tool-context.js';
export { isInputRequired } from './tool/tool-context.js';
// Resources, resource templates and prompts, defined as data like tools (issue 18).
export { defineResource, defineResourceTemplate } from './resource/resource-definition.js';
export type {
  CompleteFunction,
  CompletionValues,
  FeatureContext,
  ResourceContent,
  ResourceDefinition,
  ResourceListing,
  ResourceReadResult,
  ResourceTemplateDefinition,
} from './resource/resource-definition.js';
export { definePrompt } from './prompt/prompt-definition.js';
export type {
  AnyPromptDefinition,
  PromptArgumentDefinition,
  PromptDefinition,
  PromptResult,
} from './prompt/prompt-definition.js';
// Multi-round-trip input (elicitation, sampling, roots) for tool handlers, from the MCP SDK.
export { acceptedContent, inputRequired, inputResponse } from '@modelcontextprotocol/server';
export {
  MeshError,
  MESH_ERROR_CODES,
  connectCodeOf,
  isLocalFailure,
  isRetrySafe,
  markLocalFailure,
  meshCodeOf,
  meshErrorFromConnect,
  toConnectError,
} from './errors/mesh-error.js';
export type { MeshErrorCode, MeshErrorDetails, MeshErrorOptions } from './errors/mesh-error.js';
export { abortError } from './errors/abort-error.js';
export {
  checkFinite,
  checkInteger,
  checkNonEmptyString,
  checkNonNegative,
  checkPositive,
} from './options/check-options.js';
export type { FiniteRange } from './options/check-options.js';
export { createJsonLogger, redactSecrets, silentLogger } from './observability/logger.js';
export {
  MIN_SECRET_CHARS,
  redactSecretValues,
  registerSecretValues,
  secretValuesFromEnv,
} from './observability/secret-values.js';
export type { JsonLoggerOptions, LogFields, Logger, LogLevel } from './observability/logger.js';
export type {
  ScoredMember,
  StateStore,
  StreamAppendOptions,
  StreamClaimOptions,
  StreamEntry,
  StreamPendingSummary,
  StreamReadOptions,
} from './ports/state-store.js';
export type {
  DistributedLock,
  LockAcquireOptions,
  LockLease,
  LockQueueOptions,
  LockWaitOptions,
} from './ports/distributed-lock.js';
export type { EventBus, MeshEvent, Unsubscribe } from './ports/event-bus.js';
export type {
  Budget,
  BudgetStatus,
  CostLedger,
  ModelPrice,
  PriceTable,
  ReserveOptions,
  Reservation,
  Settlement,
  TierAdvice,
  Usage,
} from './ports/cost-ledger.js';
export type { CircuitSnapshot, CircuitState, CircuitStateStore } from './ports/circuit-state.js';
export type {
  WorkHandler,
  WorkJob,
  WorkQueue,
  WorkQueueCounts,
  WorkQueueLimits,
  WorkRunOptions,
  WorkSchedule,
} from './ports/work-queue.js';
// In-memory ports (the embedded default), lock and stream helpers, pricing.
export { createMemoryStateStore } from './memory/memory-state-store.js';
export type { MemoryStateStoreOptions } from './memory/memory-state-store.js';
export { createMemoryLock, DEFAULT_LOCK_TTL_MS } from './memory/memory-lock.js';
export type { MemoryLockOptions } from './memory/memory-lock.js';
export { createMemoryEventBus } from './memory/memory-event-bus.js';
export type { MemoryEventBusOptions } from './memory/memory-event-bus.js';
export { createMemoryCircuitStateStore } from './memory/memory-circuit-state-store.js';
export type { MemoryCircuitStateStoreOptions } from './memory/memory-circuit-state-store.js';
export {
  createMemoryCostLedger,
  DEFAULT_BUDGET_WINDOW_MS,
  DEFAULT_RESERVATION_TTL_MS,
} from './memory/memory-cost-ledger.js';
export type { MemoryCostLedgerOptions } from './memory/memory-cost-ledger.js';
export { createMemoryWorkQueue } from './queue/memory-work-queue.js';
export type { MemoryWorkQueueOptions } from './queue/memory-work-queue.js';
export {
  decodeJobError,
  encodeJobError,
  raceSignal,
  resolveWorkQueueLimits,
} from './queue/work-queue-support.js';
export type { ResolvedWorkQueueLimits } from './queue/work-queue-support.js';
export {
  adviseTier,
  costOf,
  DEFAULT_TIER_THRESHOLDS,
  EMPTY_PRICE_TABLE,
  GLOBAL_SCOPE,
  resolveBudgetScopes,
} from './ledger/pricing.js';
export type { TierThresholds } from './ledger/pricing.js';
export {
  DEFAULT_SETTLED_RETENTION_MS,
  DEFAULT_WINDOW_BUCKETS,
  settledBuckets,
  spendBucketEnd,
} from './ledger/spend-window.js';
export type { SettledBuckets, SpendBucket } from './ledger/spend-window.js';
export {
  acquireLock,
  createTimerSleep,
  DEFAULT_ACQUIRE_LOCK,
  DEFAULT_LOCK_TIMEOUT_MS,
} from './lock/acquire-lock.js';
export type { AcquireLockOptions, Sleep } from './lock/acquire-lock.js';
export { withLock } from './lock/with-lock.js';
export type { LockDeadLetter, LockLossReason, WithLockOptions } from './lock/with-lock.js';
export { createStreamConsumer, DEFAULT_STREAM_CONSUMER, isNoGroupError } from './streams/stream-consumer.js';
export type { StreamConsumer, StreamConsumerOptions, StreamHandler } from './streams/stream-consumer.js';
export { createMeshServer, MeshServer } from './link/mesh-server.js';
export type { MeshServerOptions, MeshServerTlsOptions } from './link/mesh-server.js';
export { DEFAULT_MAX_HOPS, MESH_HEADERS } from './link/mesh-service.js';
export { createPeerLink } from './link/peer-link.js';
export type { PeerLinkOptions, PeerLinkTlsOptions, WatchBackoffOptions } from './link/peer-link.js';
export type {
  LinkCallMetadata,
  LinkCallOptions,
  LinkFeatureOptions,
  NodeEvent,
  PeerFeatureLink,
  PeerFeatureSet,
  PeerLink,
  ResourceSubscriptionOptions,
} from './link/peer-link-types.js';
// Plain MCP servers as peers (Streamable HTTP, HTTP+SSE, supervised stdio processes).
export { createMcpPeerLink } from './link/mcp-peer-link.js';
export type { McpPeerLink } from './link/mcp-peer-link.js';
export { DEFAULT_MCP_PEER_LINK } from './link/mcp-peer-link-options.js';
export type {
  McpHttpPeerLinkOptions,
  McpHttpProtocol,
  McpPeerLinkCommonOptions,
  McpPeerLinkOptions,
  McpProtocolEra,
  McpRestartBackoffOptions,
  McpStdioPeerLinkOptions,
} from './link/mcp-peer-link-options.js';
export { peerNameOf, peersFromMcpServersConfig } from './gateway/mcp-servers-config.js';
export type { McpServersConfigOptions } from './gateway/mcp-servers-config.js';
export { createHmacPeerAuth } from './link/peer-auth.js';
export type {
  HmacPeerAuth,
  HmacPeerAuthOptions,
  PeerAuthRequest,
  PeerAuthSigner,
  PeerAuthVerifier,
  PeerIdentity,
} from './link/peer-auth.js';
export { MeshService } from './gen/mesh/v1/mesh_pb.js';
// Nodes: hosting tools locally and serving them over MCP and the mesh service.
export { createMeshNode, DEFAULT_MESH_NODE_HTTP, MeshNode } from './node/mesh-node.js';
export type { MeshNodeMcpOptions, MeshNodeOptions, MeshNodeTools } from './node/mesh-node.js';
export { createLocalToolHost } from './node/local-tool-host.js';
export { closestNames, editDistance } from './node/closest-names.js';
export type { ClosestNamesOptions } from './node/closest-names.js';
export type { DrainOptions, LocalToolHost, LocalToolHostOptions } from './node/local-tool-host.js';
export type { HostHealth, InboundCall, ToolHost } from './host/tool-host.js';
export { createLocalFeatureHost } from './node/local-feature-host.js';
export type { LocalFeatureHost, LocalFeatureHostOptions } from './node/local-feature-host.js';
export type {
  CompletionHost,
  CompletionRequest,
  FeatureCall,
  FeatureCallMetadata,
  HostFeatures,
  MeshCompletion,
  MeshPromptInfo,
  MeshResourceInfo,
  MeshResourceTemplateInfo,
  PromptHost,
  ResourceChange,
  ResourceHost,
} from './host/feature-host.js';
export type { ClientLogRecord, ClientLogSink } from './observability/client-logger.js';
export { createCallScope } from './context/call-scope.js';
export type { CallScope, CallScopeOptions } from './context/call-scope.js';
export { createOutboundMeshClient } from './context/create-tool-context.js';
export type { OutboundCallScope, ToolPorts } from './context/create-tool-context.js';
// The MCP edge: Streamable HTTP (both protocol eras) and stdio.
export { createMcpHttpHandler, DEFAULT_MCP_HTTP } from './mcp/mcp-edge.js';
export type { McpHttpHandler, McpHttpHandlerOptions } from './mcp/mcp-edge.js';
export type { McpEdgeOptions } from './mcp/mcp-server-factory.js';
export type { McpFeatures } from './mcp/mcp-features.js';
export type { BearerTokenVerifier } from './mcp/http-guards.js';
export { serveStdio } from './mcp/stdio.js';
export type { ServeStdioOptions, StdioServing } from './mcp/stdio.js';
export { MCP_EDGE_HEADERS, MESH_META_KEYS } from './mcp/inbound-call.js';
// Metrics and tracing.
export { createMeshMetrics } from './observability/metrics.js';
export type {
  BreakerStateName,
  MeshMetrics,
  MeshMetricsOptions,
  PeerCallObservation,
  ToolCallObservation,
  ToolCallOutcome,
} from './observability/metrics.js';
export {
  defaultMeshTracer,
  extractTraceContext,
  injectTraceContext,
  MESH_TRACER_NAME,
  recordSpanError,
  withSpan,
} from './observability/tracing.js';
export type { SpanScope, TraceCarrier, WithSpanOptions } from './observability/tracing.js';
// The gateway: federation, prefixes, routing among replicas, failover and its own tools.
export { createGateway } from './gateway/gateway.js';
export type { Gateway, GatewayOptions, GatewayPorts } from './gateway/gateway.js';
export type { GatewayPeerOptions, GatewayPeerPolicyOptions } from './gateway/gateway-peer.js';
export { DEFAULT_GATEWAY, GATEWAY_TOOL_NAMES } from './gateway/resolve-gateway-options.js';
export type {
  GatewayInspector,
  PeerStatusReport,
  ReplicaStatus,
  RouteDecision,
} from './gateway/gateway-inspector.js';
export { federateToolNames, ORIGIN_META_KEY } from './gateway/tool-naming.js';
export { prefixPromptName, prefixResourceUri } from './gateway/feature-naming.js';
export type { GatewayFeatures } from './gateway/gateway-features.js';
export type {
  FederatedTool,
  PeerToolList,
  PrefixMode,
  ToolNaming,
  ToolNamingOptions,
} from './gateway/tool-naming.js';
export { createReplicaRouter } from './gateway/replica-router.js';
export type {
  Replica,
  ReplicaRouter,
  ReplicaRouterOptions,
  RoutingStrategy,
} from './gateway/replica-router.js';
export { createRouteTool } from './gateway/tools/route.js';
export type { RouteInput, RouteOutput } from './gateway/tools/route.js';
export { budgetCheckTool, createBudgetCheckTool } from './gateway/tools/budget-check.js';
export type { BudgetCheckInput, BudgetCheckOutput } from './gateway/tools/budget-check.js';
export { createCircuitStatusTool } from './gateway/tools/circuit-status.js';
export type { CircuitStatusInput, CircuitStatusOutput } from './gateway/tools/circuit-status.js';
// Resilience per peer: timeout, retry, circuit breaker (shared across replicas) and bulkhead, with cockatiel.
export { createPeerPolicy, DEFAULT_PEER_POLICY } from './resilience/peer-policy.js';
export type {
  BulkheadOptions,
  PeerPolicy,
  PeerPolicyOptions,
  PeerPolicyStatus,
  PolicyAttempt,
  PolicyCallOptions,
  RetryOptions,
  TimeoutOptions,
} from './resilience/peer-policy.js';
export { CIRCUIT_EVENT_TOPIC, countsAsBreakerFailure } from './resilience/shared-circuit-breaker.js';
export type {
  CircuitBreakerOptions,
  CircuitEventData,
  CircuitStatus,
} from './resilience/shared-circuit-breaker.js';
export {
  backoffCapMs,
  backoffDelayMs,
  DEFAULT_BACKOFF,
  resolveBackoffOptions,
} from './resilience/backoff.js';
export type { BackoffOptions, ResolvedBackoffOptions } from './resilience/backoff.js';
export { retryDelayMs } from './resilience/retry-backoff.js';
export type { RetryBackoffOptions } from './resilience/retry-backoff.js';
