// Public API of @kidsstories/mesh-redis: Redis implementations of mesh-core's ports. Adding a line here is an
// API decision.
export {
  createRedisConnection,
  DEFAULT_REDIS_CONNECTION,
  reconnectDelayMs,
  resolveRedisConnectionOptions,
} from './connection/redis-connection.js';
export type {
  RedisClientRole,
  RedisConnection,
  RedisConnectionOptions,
  RedisConnectionStatus,
} from './connection/redis-connection.js';
export { isRedisUnavailable, meshErrorFromRedis } from './connection/mesh-error-from-redis.js';
export { defineRedisScript } from './connection/redis-script.js';
export type { RedisScript } from './connection/redis-script.js';
export { createRedisStateStore } from './state/redis-state-store.js';
export type { RedisStateStoreOptions } from './state/redis-state-store.js';
export { createRedisLock, DEFAULT_REDIS_LOCK, redisLockKeys } from './lock/redis-lock.js';
export type { RedisLockOptions } from './lock/redis-lock.js';
export { createRedisEventBus, redisEventChannel } from './events/redis-event-bus.js';
export type { RedisEventBusOptions } from './events/redis-event-bus.js';
export {
  createRedisCircuitStateStore,
  DEFAULT_REDIS_CIRCUIT_STATE,
  redisCircuitKeys,
} from './circuit/redis-circuit-state-store.js';
export type { RedisCircuitStateStoreOptions } from './circuit/redis-circuit-state-store.js';
export {
  createRedisCostLedger,
  DEFAULT_REDIS_COST_LEDGER,
  redisLedgerKeys,
} from './ledger/redis-cost-ledger.js';
export type { RedisCostLedgerOptions } from './ledger/redis-cost-ledger.js';
export { createRedisPorts } from './ports/create-redis-ports.js';
export type { RedisPorts, RedisPortsOptions } from './ports/create-redis-ports.js';
export { createResilientPorts, DEFAULT_RESILIENT_PORTS } from './resilience/resilient-ports.js';
export type { MeshPorts, ResilientPorts, ResilientPortsOptions } from './resilience/resilient-ports.js';
export type { ResilienceEvent, ResilienceMetrics, ResilienceMode } from './resilience/failover-controller.js';
export { createBullmqWorkQueue, DEFAULT_BULLMQ_WORK_QUEUE } from './queue/bullmq-work-queue.js';
export type { BullmqWorkQueueOptions } from './queue/bullmq-work-queue.js';
