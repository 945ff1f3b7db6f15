// @kidsstories/mesh-core/ports: everything a port implementer needs. For those who implement a port (a state
// store, lock, event bus, circuit state store, cost ledger or work queue on their own backend, as
// @kidsstories/mesh-redis does) or build on one: the ports' detailed types, the pure helpers every implementation
// shares so their answers agree, the in-memory implementations' defaults, and the option checks. The port
// interfaces and the in-memory factories are in the root; the contract suites are in /testing. Adding a line here
// is an API decision.

// The ports' detailed types.
export type {
  ScoredMember,
  StreamAppendOptions,
  StreamClaimOptions,
  StreamEntry,
  StreamPendingSummary,
  StreamReadOptions,
} from './state-store.js';
export type { LockAcquireOptions, LockLease, LockQueueOptions, LockWaitOptions } from './distributed-lock.js';
export type { Unsubscribe } from './event-bus.js';
export type {
  BudgetStatus,
  ModelPrice,
  Reservation,
  ReserveOptions,
  Settlement,
  TierAdvice,
} from './cost-ledger.js';
export type { CircuitSnapshot, CircuitState } from './circuit-state.js';
export type {
  WorkHandler,
  WorkJob,
  WorkQueueCounts,
  WorkQueueLimits,
  WorkRunOptions,
  WorkSchedule,
} from './work-queue.js';

// Cost ledger helpers: pricing, tier advice, scopes and the spend window, shared by every ledger.
export {
  adviseTier,
  costOf,
  DEFAULT_TIER_THRESHOLDS,
  EMPTY_PRICE_TABLE,
  GLOBAL_SCOPE,
  resolveBudgetScopes,
} from '../ledger/pricing.js';
export type { TierThresholds } from '../ledger/pricing.js';
export {
  DEFAULT_SETTLED_RETENTION_MS,
  DEFAULT_WINDOW_BUCKETS,
  settledBuckets,
  spendBucketEnd,
} from '../ledger/spend-window.js';
export type { SettledBuckets, SpendBucket } from '../ledger/spend-window.js';

// Lock helpers: acquiring with waits and a deadline (withLock, in the root, builds on it).
export { acquireLock, DEFAULT_ACQUIRE_LOCK, DEFAULT_LOCK_TIMEOUT_MS } from '../lock/acquire-lock.js';
export type { AcquireLockOptions, Sleep } from '../lock/acquire-lock.js';
export { DEFAULT_WITH_LOCK } from '../lock/with-lock.js';
export type { LockDeadLetter, LockLossReason } from '../lock/with-lock.js';

// Stream consumers: a consumer group's read, handle, acknowledge and redeliver loop over a StateStore.
export { createStreamConsumer, DEFAULT_STREAM_CONSUMER } from '../streams/stream-consumer.js';
export type { StreamConsumer, StreamConsumerOptions, StreamHandler } from '../streams/stream-consumer.js';

// Work-queue support: limits, job errors and cancellation shared by every work queue.
export {
  decodeJobError,
  encodeJobError,
  raceSignal,
  resolveWorkQueueLimits,
} from '../queue/work-queue-support.js';
export type { ResolvedWorkQueueLimits } from '../queue/work-queue-support.js';

// The in-memory implementations' options and defaults (the factories are in the root).
export type { MemoryStateStoreOptions } from '../memory/memory-state-store.js';
export type { MemoryEventBusOptions } from '../memory/memory-event-bus.js';
export type { MemoryCircuitStateStoreOptions } from '../memory/memory-circuit-state-store.js';
export type { MemoryLockOptions } from '../memory/memory-lock.js';
export type { MemoryWorkQueueOptions } from '../queue/memory-work-queue.js';
export type { MemoryCostLedgerOptions } from '../memory/memory-cost-ledger.js';
export { DEFAULT_LOCK_TTL_MS, DEFAULT_MEMORY_LOCK } from '../memory/memory-lock.js';
export { DEFAULT_MEMORY_WORK_QUEUE } from '../queue/memory-work-queue.js';
export {
  DEFAULT_BUDGET_WINDOW_MS,
  DEFAULT_MEMORY_COST_LEDGER,
  DEFAULT_RESERVATION_TTL_MS,
} from '../memory/memory-cost-ledger.js';

// Option checks and the abort error, so an implementation rejects bad input the way mesh-core does.
export {
  checkFinite,
  checkInteger,
  checkNonEmptyString,
  checkNonNegative,
  checkPositive,
} from '../options/check-options.js';
export type { FiniteRange } from '../options/check-options.js';
export { abortError } from '../errors/abort-error.js';
