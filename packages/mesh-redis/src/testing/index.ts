// Public API of @kidsstories/mesh-redis/testing: a private redis-server for fault tests and benchmarks (Node and
// ioredis only, no test framework). Adding a line here is an API decision.

export type { OwnRedisServer, OwnRedisServerOptions, RedisInfo } from './own-redis-server.js';
export { freePort, startOwnRedisServer } from './own-redis-server.js';
