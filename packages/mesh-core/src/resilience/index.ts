// @kidsstories/mesh-core/resilience: per-peer resilience and the one backoff. For those who wrap their own calls
// in a peer policy (timeout, retry, circuit breaker shared across replicas, bulkhead; cockatiel), tune a gateway
// peer's policy in detail, or wait between tries the way the mesh does. Adding a line here is an API decision.

// The peer policy.
export { createPeerPolicy, DEFAULT_PEER_POLICY } from './peer-policy.js';
export type {
  BulkheadOptions,
  PeerPolicy,
  PeerPolicyOptions,
  PeerPolicyStatus,
  PolicyAttempt,
  PolicyCallOptions,
  RetryOptions,
  TimeoutOptions,
} from './peer-policy.js';

// The circuit breaker shared across replicas through a CircuitStateStore.
export { CIRCUIT_EVENT_TOPIC, countsAsBreakerFailure } from './shared-circuit-breaker.js';
export type { CircuitBreakerOptions, CircuitEventData, CircuitStatus } from './shared-circuit-breaker.js';

// What may be retried: retry-safe codes and failures of this process (never retried elsewhere).
export { isLocalFailure, isRetrySafe, markLocalFailure } from '../errors/mesh-error.js';

// The one backoff: exponential, capped, with jitter; one option vocabulary for every wait between tries.
export { backoffDelayMs, DEFAULT_BACKOFF, resolveBackoffOptions } from './backoff.js';
export type { BackoffOptions, ResolvedBackoffOptions } from './backoff.js';
export { retryDelayMs } from './retry-backoff.js';
export type { RetryBackoffOptions } from './retry-backoff.js';
