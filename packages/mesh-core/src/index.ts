// Public API of @kidsstories/mesh-core. Adding a line here is an API decision.
export { defineTool, TOOL_NAME_PATTERN } from './tool/tool-definition.js';
export type { AnyToolDefinition, ToolDefinition, ToolResult } from './tool/tool-definition.js';
export type {
  MeshCallOptions,
  MeshClient,
  MeshToolInfo,
  ToolCallResult,
  ToolContext,
  ToolProgress,
} from './tool/tool-context.js';
export {
  MeshError,
  MESH_ERROR_CODES,
  connectCodeOf,
  isRetrySafe,
  meshCodeOf,
  meshErrorFromConnect,
  toConnectError,
} from './errors/mesh-error.js';
export type { MeshErrorCode, MeshErrorDetails, MeshErrorOptions } from './errors/mesh-error.js';
export { createJsonLogger, redactSecrets, silentLogger } from './observability/logger.js';
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
export type { DistributedLock, LockAcquireOptions, LockLease } from './ports/distributed-lock.js';
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
