// Public API of @kidsstories/mesh-core: what a user builds a node, a gateway and a mesh with. Adding a line here
// is an API decision. Extension points live under named subpaths (README "What to import from where"):
// /host, /link, /gateway, /ports, /wire, /observability, /resilience and /testing.

// Tools, resources and prompts: data objects with schemas and a handler.
export { defineTool } from './tool/tool-definition.js';
export type { AnyToolDefinition, ToolDefinition, ToolResult } from './tool/tool-definition.js';
export type { MeshClient, ToolContext } from './tool/tool-context.js';
// The one metadata a call carries from the MCP edge to the handler (ToolContext extends it).
export type { CallMetadata } from './call/call-metadata.js';
export { defineResource, defineResourceTemplate } from './resource/resource-definition.js';
export type { ResourceDefinition, ResourceTemplateDefinition } from './resource/resource-definition.js';
export { definePrompt } from './prompt/prompt-definition.js';
export type { PromptDefinition } from './prompt/prompt-definition.js';

// Errors: one class with a closed code set that maps onto Connect/gRPC and MCP.
export { MESH_ERROR_CODES, MeshError } from './errors/mesh-error.js';
export type { MeshErrorCode, MeshErrorDetails, MeshErrorOptions } from './errors/mesh-error.js';

// Nodes: host tools and serve them over MCP and the mesh service.
export { createMeshNode, MeshNode } from './node/mesh-node.js';
export type { MeshNodeOptions } from './node/mesh-node.js';

// The gateway: federates its peers' tools into one MCP endpoint.
export { createGateway } from './gateway/gateway.js';
export type { Gateway, GatewayOptions, GatewayPorts } from './gateway/gateway.js';
export type { GatewayPeerOptions } from './gateway/gateway-peer.js';

// Peer links: mesh nodes over Connect/gRPC, plain MCP servers, and an `mcpServers` configuration.
export { createPeerLink } from './link/peer-link.js';
export type { PeerLinkOptions } from './link/peer-link-options.js';
export type { PeerLink } from './link/peer-link-types.js';
export { createMcpPeerLink } from './link/mcp-peer-link.js';
export type { McpPeerLinkOptions } from './link/mcp-peer-link-options.js';
export { peersFromMcpServersConfig } from './gateway/mcp-servers-config.js';
export type { McpServersConfigOptions } from './gateway/mcp-servers-config.js';

// Peer authentication: HMAC-signed peer tokens (the signer and verifier interfaces, and `HmacPeerAuth`, are in
// /wire).
export { createHmacPeerAuth } from './link/peer-auth.js';
export type { HmacPeerAuthOptions } from './link/peer-auth.js';

// Ports: the narrow interfaces to shared state, locks, events, breaker state, money and work.
export type { StateStore } from './ports/state-store.js';
export type { DistributedLock } from './ports/distributed-lock.js';
export type { EventBus, MeshEvent } from './ports/event-bus.js';
export type { CircuitStateStore } from './ports/circuit-state.js';
export type { WorkQueue } from './ports/work-queue.js';
// The cost ledger and the types you give it (its answers' types are in /ports).
export type { Budget, CostLedger, PriceTable, Usage } from './ports/cost-ledger.js';

// In-memory ports: the embedded default of a node, and of a mesh in one process (their options are in /ports).
export { createMemoryStateStore } from './memory/memory-state-store.js';
export { createMemoryLock } from './memory/memory-lock.js';
export { createMemoryEventBus } from './memory/memory-event-bus.js';
export { createMemoryCircuitStateStore } from './memory/memory-circuit-state-store.js';
export { createMemoryCostLedger } from './memory/memory-cost-ledger.js';
export { createMemoryWorkQueue } from './queue/memory-work-queue.js';

// Work under a distributed lock, with a watchdog that extends the lease.
export { withLock } from './lock/with-lock.js';
export type { WithLockOptions } from './lock/with-lock.js';

// Logs and metrics.
export { createJsonLogger, silentLogger } from './observability/logger.js';
export type { JsonLoggerOptions, Logger } from './observability/logger.js';
export { createMeshMetrics } from './observability/metrics.js';
export type { MeshMetrics, MeshMetricsOptions } from './observability/metrics.js';
