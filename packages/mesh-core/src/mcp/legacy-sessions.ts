import { randomUUID } from 'node:crypto';
import {
  type AuthInfo,
  isInitializeRequest,
  type LegacyHttpHandler,
  legacyStatelessFallback,
  type McpHandlerRequestOptions,
  type Server,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { McpServerFactoryFor } from './mcp-server-factory.js';

/** Options for {@link createLegacySessions}. */
export interface LegacySessionsOptions {
  /** Builds one fresh MCP server per request of the stateless fallback. */
  factory: McpServerFactoryFor;
  /**
   * Builds one fresh MCP server per session; it sends the host's changes (list changes, resource updates) to its
   * client itself.
   * @default `factory`
   */
  sessionFactory?: McpServerFactoryFor;
  /**
   * Most sessions kept; the least recently used one is closed to make room.
   * @default 1 000
   */
  maxSessions?: number;
  /**
   * A session unused this long is closed, in milliseconds.
   * @default 1 800 000 (30 min)
   */
  idleTimeoutMs?: number;
  /** Largest request body read, in bytes. */
  maxBodyBytes: number;
  /** Reports transport errors. */
  onerror?: (error: Error) => void;
  /**
   * Clock, for tests.
   * @default `Date.now`
   */
  now?: () => number;
}

/** Serves 2025-era traffic: sessions for clients that `initialize`, the stateless fallback otherwise. */
export interface LegacySessions {
  /** Serves one 2025-era HTTP request. */
  fetch: LegacyHttpHandler;
  /** Number of open sessions. */
  readonly size: number;
  /** Closes every session. */
  close(): Promise<void>;
}

interface Session {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
  /** The authenticated client that opened it; other principals cannot use it. */
  principal: string | undefined;
  lastUsedAt: number;
}

const DEFAULT_LEGACY_SESSIONS = { maxSessions: 1_000, idleTimeoutMs: 1_800_000 } as const;

function sessionNotFound(): Response {
  return Response.json(
    { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null },
    { status: 404 },
  );
}

/**
 * Sessionful serving for 2025-era clients (the `initialize` handshake and `Mcp-Session-Id`): each session
 * gets its own MCP server instance and transport, never shared with another client, so cancellation
 * (`notifications/cancelled`), list-changed notifications and resource updates reach the right place. Requests that carry no
 * session and are not an `initialize` are served by the SDK's stateless legacy fallback, so a client whose
 * session lived on another replica still gets answers. Sessions are bound to the principal that opened them,
 * bounded in number (least recently used evicted) and closed after `idleTimeoutMs` without use.
 */
export function createLegacySessions(options: LegacySessionsOptions): LegacySessions {
  const now = options.now ?? Date.now;
  const maxSessions = options.maxSessions ?? DEFAULT_LEGACY_SESSIONS.maxSessions;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_LEGACY_SESSIONS.idleTimeoutMs;
  const sessions = new Map<string, Session>();
  const stateless = legacyStatelessFallback(options.factory, options.onerror, {
    maxRequestBodySize: options.maxBodyBytes,
  });
  const report = (error: unknown) =>
    options.onerror?.(error instanceof Error ? error : new Error(String(error)));

  const closeSession = (id: string, session: Session) => {
    sessions.delete(id);
    session.transport.close().catch(report);
    session.server.close().catch(report);
  };
  const sweep = () => {
    const oldest = now() - idleTimeoutMs;
    for (const [id, session] of sessions) if (session.lastUsedAt < oldest) closeSession(id, session);
    // Map iteration order is insertion order and each use re-inserts, so the first entry is the least recent.
    while (sessions.size >= maxSessions) {
      const [id, session] = sessions.entries().next().value as [string, Session];
      closeSession(id, session);
    }
  };

  const open = async (request: Request, requestOptions: McpHandlerRequestOptions | undefined) => {
    sweep();
    const authInfo: AuthInfo | undefined = requestOptions?.authInfo;
    const server = (options.sessionFactory ?? options.factory)({
      era: 'legacy',
      requestInfo: request,
      ...(authInfo === undefined ? {} : { authInfo }),
    });
    let session: Session | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      maxRequestBodySize: options.maxBodyBytes,
      onsessioninitialized: (id) => {
        session = { server, transport, principal: authInfo?.clientId, lastUsedAt: now() };
        sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    await server.connect(transport);
    const response = await transport.handleRequest(request, transportOptions(requestOptions));
    if (!session) await server.close().catch(report);
    return response;
  };

  return {
    async fetch(request, requestOptions) {
      const id = request.headers.get('mcp-session-id');
      if (id !== null) {
        const session = sessions.get(id);
        if (!session || session.principal !== requestOptions?.authInfo?.clientId) return sessionNotFound();
        if (session.lastUsedAt < now() - idleTimeoutMs) {
          closeSession(id, session);
          return sessionNotFound();
        }
        session.lastUsedAt = now();
        sessions.delete(id);
        sessions.set(id, session);
        return session.transport.handleRequest(request, transportOptions(requestOptions));
      }
      const body =
        requestOptions?.parsedBody ?? (request.method === 'POST' ? await readJson(request) : undefined);
      if (request.method === 'POST' && isInitializeRequest(body)) {
        return open(request, requestOptions);
      }
      return stateless(request, requestOptions);
    },
    get size() {
      return sessions.size;
    },
    async close() {
      for (const [id, session] of [...sessions]) closeSession(id, session);
    },
  };
}

/** What the SDK transport needs besides the request: the caller's auth and the body the adapter parsed. */
function transportOptions(requestOptions: McpHandlerRequestOptions | undefined): {
  authInfo?: AuthInfo;
  parsedBody?: unknown;
} {
  const options: { authInfo?: AuthInfo; parsedBody?: unknown } = {};
  if (requestOptions?.authInfo !== undefined) options.authInfo = requestOptions.authInfo;
  if (requestOptions?.parsedBody !== undefined) options.parsedBody = requestOptions.parsedBody;
  return options;
}

/** The request body as JSON without consuming it, or `undefined` when it is not JSON. */
async function readJson(request: Request): Promise<unknown> {
  try {
    return JSON.parse(await request.clone().text());
  } catch {
    return undefined;
  }
}
