// @kidsstories/mesh-core/gateway: a gateway's building blocks. For those who tune or inspect a gateway (its
// defaults, routing among replicas, naming of federated tools, resources and prompts) or serve its own tools
// (route, budget_check, circuit_status) from a host of their own. `createGateway` is in the root. Adding a line
// here is an API decision.

// Options and defaults.
export { DEFAULT_GATEWAY, GATEWAY_TOOL_NAMES } from './resolve-gateway-options.js';
export type { GatewayPeerPolicyOptions } from './gateway-peer.js';

// What a gateway reports about its peers and its routing decisions.
export type {
  GatewayInspector,
  PeerStatusReport,
  ReplicaStatus,
  RouteDecision,
} from './gateway-inspector.js';

// Routing among replicas.
export { createReplicaRouter } from './replica-router.js';
export type { Replica, ReplicaRouter, ReplicaRouterOptions, RoutingStrategy } from './replica-router.js';

// Naming: federated tool names, prefixed prompts and resource URIs.
export { federateToolNames, ORIGIN_META_KEY } from './tool-naming.js';
export type {
  FederatedTool,
  PeerToolList,
  PrefixMode,
  ToolNaming,
  ToolNamingOptions,
} from './tool-naming.js';
export { prefixPromptName, prefixResourceUri } from './feature-naming.js';
export type { GatewayFeatures } from './gateway-features.js';

// The gateway's own tools.
export { createRouteTool } from './tools/route.js';
export type { RouteInput, RouteOutput } from './tools/route.js';
export { createBudgetCheckTool } from './tools/budget-check.js';
export type { BudgetCheckInput, BudgetCheckOutput } from './tools/budget-check.js';
export { createCircuitStatusTool } from './tools/circuit-status.js';
export type { CircuitStatusInput, CircuitStatusOutput } from './tools/circuit-status.js';
