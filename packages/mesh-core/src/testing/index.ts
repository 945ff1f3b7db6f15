// @kidsstories/mesh-core/testing: in-memory doubles, test helpers and the contract suite of every port.
// Node-only; imports vitest (an external of the build), so only import it from tests.
export {
  createInMemoryMeshServer,
  createInMemoryPeerTransport,
  DEFAULT_IN_MEMORY_MESH_SERVER,
} from './in-memory-mesh-server.js';
export type {
  InMemoryMeshServer,
  InMemoryMeshServerOptions,
  InMemoryPeerTransportOptions,
} from './in-memory-mesh-server.js';
export { createTestPorts } from './test-ports.js';
export type { TestPorts, TestPortsOptions } from './test-ports.js';
export { createTestToolContext } from './test-tool-context.js';
export type { TestToolContext, TestToolContextOptions } from './test-tool-context.js';
export {
  createManualClock,
  delay,
  eventually,
  expectMeshError,
  invalidFieldOf,
  meshFailureOf,
  thrownMeshError,
  uniquePrefix,
} from './test-helpers.js';
export type { ContractFactory, EventuallyOptions, ManualClock } from './test-helpers.js';
export { findSchemaPortabilityIssues, PORTABLE_SCHEMA_KEYWORDS } from '../node/portable-json-schema.js';
export { stateStoreContract } from './state-store-contract.js';
export { distributedLockContract } from './distributed-lock-contract.js';
export type { DistributedLockContractOptions } from './distributed-lock-contract.js';
export { eventBusContract } from './event-bus-contract.js';
export { costLedgerContract } from './cost-ledger-contract.js';
export { costLedgerWindowContract } from './cost-ledger-window-contract.js';
export type { ClockedContractFactory } from './cost-ledger-window-contract.js';
export { circuitStateContract } from './circuit-state-contract.js';
export { workQueueContract } from './work-queue-contract.js';
export { createMemoryStateStore } from '../memory/memory-state-store.js';
export { createMemoryLock } from '../memory/memory-lock.js';
export { createMemoryEventBus } from '../memory/memory-event-bus.js';
export { createMemoryCostLedger } from '../memory/memory-cost-ledger.js';
export { createMemoryCircuitStateStore } from '../memory/memory-circuit-state-store.js';
export { createMemoryWorkQueue } from '../queue/memory-work-queue.js';
