// @kidsstories/mesh-core/link: peer links in detail. For those who tune a link (TLS, reconnects, the MCP
// transports and restart backoff), call a peer's resources and prompts, or watch its events. The link factories
// themselves are in the root. Adding a line here is an API decision.

// Links to mesh nodes (Connect/gRPC over HTTP/2).
export { DEFAULT_PEER_LINK } from './peer-link-options.js';
export type {
  PeerLinkCommonOptions,
  PeerLinkTlsOptions,
  PeerLinkTransportOptions,
  WatchBackoffOptions,
} from './peer-link-options.js';
// The wire under a mesh peer link (HTTP/2 by default; an in-memory one in /testing).
export type { PeerTransport, PeerTransportCallOptions } from './peer-transport.js';
export type {
  LinkCallOptions,
  LinkFeatureOptions,
  MeshCaller,
  NodeEvent,
  PeerFeatureLink,
  PeerFeatureSet,
  ResourceSubscriptionOptions,
} from './peer-link-types.js';

// Links to plain MCP servers (Streamable HTTP, HTTP+SSE, supervised stdio processes).
export type { McpPeerLink } from './mcp-peer-link.js';
export { DEFAULT_MCP_PEER_LINK } from './mcp-peer-link-options.js';
export type {
  McpHttpPeerLinkOptions,
  McpHttpProtocol,
  McpPeerLinkCommonOptions,
  McpProtocolEra,
  McpRestartBackoffOptions,
  McpStdioPeerLinkOptions,
} from './mcp-peer-link-options.js';
export { peerNameOf } from '../gateway/mcp-servers-config.js';
