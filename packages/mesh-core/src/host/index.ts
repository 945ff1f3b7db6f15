// @kidsstories/mesh-core/host: serving and calling tools without a MeshNode, and the contracts every host meets.
// For those who serve tools over stdio or on their own HTTP server, serve only the mesh service, write their own
// ToolHost, or name the detailed types of tool calls, resources and prompts. Adding a line here is an API decision.

// Hosts that run tools, resources and prompts in this process.
export { createLocalToolHost, DEFAULT_LOCAL_TOOL_HOST } from '../node/local-tool-host.js';
export type { DrainOptions, LocalToolHost, LocalToolHostOptions } from '../node/local-tool-host.js';
export { createLocalFeatureHost, DEFAULT_LOCAL_FEATURE_HOST } from '../node/local-feature-host.js';
export type { LocalFeatureHost, LocalFeatureHostOptions } from '../node/local-feature-host.js';
export { closestNames } from '../node/closest-names.js';
export type { ClosestNamesOptions } from '../node/closest-names.js';

// Serving a host: MCP over stdio, MCP on your own HTTP server, the mesh service alone.
export { serveStdio } from '../mcp/stdio.js';
export type { ServeStdioOptions, StdioServing } from '../mcp/stdio.js';
export { createMcpHttpHandler, DEFAULT_MCP_HTTP } from '../mcp/mcp-edge.js';
export type { McpHttpHandler, McpHttpHandlerOptions } from '../mcp/mcp-edge.js';
export type { McpEdgeOptions } from '../mcp/edge-options.js';
export type { McpFeatures } from '../mcp/mcp-features.js';
export type { BearerTokenVerifier } from '../mcp/http-guards.js';
export { createMeshServer, DEFAULT_MESH_SERVER, MeshServer } from '../link/mesh-server.js';
export type { MeshServerOptions, MeshServerTlsOptions } from '../link/mesh-server.js';
// A MeshNode's options in detail.
export { DEFAULT_MESH_NODE, DEFAULT_MESH_NODE_HTTP } from '../node/mesh-node.js';
export type { MeshNodeMcpOptions, MeshNodeTools } from '../node/mesh-node.js';

// The contracts a host serves: tools (ToolHost), resources, prompts and completion.
export type { HostHealth, InboundCall, ToolHost } from './tool-host.js';
export { deriveOutboundMetadata, pickCallMetadata } from '../call/call-metadata.js';
export type {
  CompletionHost,
  CompletionRequest,
  FeatureCall,
  HostFeatures,
  MeshCompletion,
  MeshPromptInfo,
  MeshResourceInfo,
  MeshResourceTemplateInfo,
  PromptHost,
  ResourceChange,
  ResourceHost,
} from './feature-host.js';

// Calling tools from a handler, and the call's scope (deadline, correlation, budget, hops).
export { isInputRequired } from '../tool/tool-context.js';
export type {
  ClientInputCapabilities,
  MeshCallOptions,
  MeshToolInfo,
  ToolCallResult,
  ToolInputRequired,
  ToolOutcome,
  ToolProgress,
} from '../tool/tool-context.js';
// Multi-round-trip input (elicitation, sampling, roots) for tool handlers, from the MCP SDK.
export { acceptedContent, inputRequired, inputResponse } from '@modelcontextprotocol/server';
export { createOutboundMeshClient } from '../context/create-tool-context.js';
export type { OutboundCallScope, ToolPorts } from '../context/create-tool-context.js';
export { createCallScope } from '../context/call-scope.js';
export type { CallScope, CallScopeOptions } from '../context/call-scope.js';

// Tools, resources and prompts in detail (the definitions themselves are in the root).
export { TOOL_NAME_PATTERN } from '../tool/tool-definition.js';
export type {
  CompleteFunction,
  CompletionValues,
  FeatureContext,
  ResourceContent,
  ResourceListing,
  ResourceReadResult,
} from '../resource/resource-definition.js';
export type {
  AnyPromptDefinition,
  PromptArgumentDefinition,
  PromptResult,
} from '../prompt/prompt-definition.js';
export type { ClientLogRecord, ClientLogSink } from '../observability/client-logger.js';
