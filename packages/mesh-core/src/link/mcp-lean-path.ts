import type { Logger } from '../observability/logger.js';
import {
  createLeanToolCaller,
  LEAN_MODERN_REVISION,
  type LeanSession,
  type LeanToolCaller,
} from './mcp-lean-call.js';
import { declaresMcpHeaders, isHeaderSafeName } from './mcp-lean-wire.js';
import type { ResolvedMcpPeerLinkOptions } from './mcp-peer-link-options.js';
import { CLIENT_CAPABILITIES, CLIENT_INFO, type McpSession } from './mcp-session.js';

/** The lean `tools/call` path of one MCP peer link (ADR 0012): when it may take a call, and the call itself. */
export interface LeanCallPath {
  /**
   * The lean view of `session` for a call of `tool`, or `undefined` when the SDK path is to take the call: no
   * Streamable HTTP session (stdio, HTTP+SSE), a 2026 revision other than 2026-07-28, a 2025 session without a
   * negotiated version yet, or a 2026 tool whose name needs `Mcp-Name` encoding or whose schema declares
   * `x-mcp-header` (the SDK mirrors those arguments into headers).
   */
  sessionFor(session: McpSession, tool: string): LeanSession | undefined;
  /** Notes a complete tool listing (which tools declare `x-mcp-header`). */
  noteTools(tools: ReadonlyArray<{ name: string; inputSchema: unknown }>): void;
  call: LeanToolCaller['call'];
  close(): Promise<void>;
}

/** Creates the lean path of an HTTP link, or `undefined` for a stdio link or one with `leanToolCalls: false`. */
export function createLeanCallPath(
  options: ResolvedMcpPeerLinkOptions,
  logger: Logger,
): LeanCallPath | undefined {
  if (options.kind !== 'http' || !options.leanToolCalls) return undefined;
  const caller = createLeanToolCaller({
    name: options.name,
    url: options.url,
    headers: options.headers,
    maxMessageBytes: options.maxMessageBytes,
    clientInfo: CLIENT_INFO,
    clientCapabilities: CLIENT_CAPABILITIES,
    logger,
  });
  const headerTools = new Set<string>();
  // One lean view per session (its id and version do not change while it lasts).
  const views = new WeakMap<McpSession, LeanSession | null>();

  const viewOf = (session: McpSession): LeanSession | null => {
    const http = session.http;
    if (!http) return null;
    const protocolVersion =
      session.era === 'modern'
        ? session.client.getNegotiatedProtocolVersion() === LEAN_MODERN_REVISION
          ? LEAN_MODERN_REVISION
          : undefined
        : http.protocolVersion;
    if (protocolVersion === undefined) return null;
    return {
      era: session.era,
      protocolVersion,
      sessionId: http.sessionId,
      deliver: (message) => http.onmessage?.(message),
      cancel: (requestId, reason) => {
        void session.client
          .notification({ method: 'notifications/cancelled', params: { requestId, reason } })
          .catch(() => {});
      },
    };
  };

  return {
    sessionFor(session, tool) {
      if (session.era === 'modern' && (headerTools.has(tool) || !isHeaderSafeName(tool))) return undefined;
      let view = views.get(session);
      if (view === undefined) {
        view = viewOf(session);
        // A 2025 session learns its version during `initialize`: ask again later rather than remember "none".
        if (view !== null || session.http === undefined) views.set(session, view);
      }
      return view ?? undefined;
    },
    noteTools(tools) {
      headerTools.clear();
      for (const tool of tools) if (declaresMcpHeaders(tool.inputSchema)) headerTools.add(tool.name);
    },
    call: (session, call) => caller.call(session, call),
    close: () => caller.close(),
  };
}
