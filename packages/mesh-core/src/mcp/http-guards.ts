import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import { MeshError } from '../errors/mesh-error.js';

/**
 * Verifies a bearer token. Resolve the token's {@link AuthInfo} when it is valid and `undefined` when it is
 * not (answered `401`). A rejection is treated as a server fault (`500`) unless it is a `MeshError`
 * `unauthenticated` (`401`) or `permission_denied` (`403`).
 */
export type BearerTokenVerifier = (token: string) => Promise<AuthInfo | undefined>;

/** A guard's refusal: the HTTP status, a message, and extra response headers. */
export interface GuardRejection {
  status: number;
  code: 'permission_denied' | 'unauthenticated' | 'internal';
  message: string;
  headers?: Record<string, string>;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * DNS-rebinding protection: checks `Host` and `Origin` against allowlists of hostnames (port-agnostic; IPv6
 * in brackets). Requests without `Origin` (non-browser clients) pass the Origin check.
 */
export function checkHostAndOrigin(
  request: IncomingMessage,
  allowedHosts: readonly string[] | false,
  allowedOrigins: readonly string[] | false,
): GuardRejection | undefined {
  if (allowedHosts !== false) {
    const host = validateHostHeader(single(request.headers.host), [...allowedHosts]);
    if (!host.ok) return { status: 403, code: 'permission_denied', message: `Forbidden: ${host.message}` };
  }
  if (allowedOrigins !== false) {
    const origin = validateOriginHeader(single(request.headers.origin), [...allowedOrigins]);
    if (!origin.ok)
      return { status: 403, code: 'permission_denied', message: `Forbidden: ${origin.message}` };
  }
  return undefined;
}

/** Distinct `Host` / `Origin` pairs whose verdict {@link createHostAndOriginCheck} remembers. */
const MAX_REMEMBERED_VERDICTS = 256;

/**
 * {@link checkHostAndOrigin} for one pair of allowlists, remembering the verdict of each `Host` / `Origin` pair it
 * has seen (at most 256, forgotten all at once when full): the check parses the headers as URLs, a few
 * microseconds a request, while a server sees a handful of distinct values.
 */
export function createHostAndOriginCheck(
  allowedHosts: readonly string[] | false,
  allowedOrigins: readonly string[] | false,
): (request: IncomingMessage) => GuardRejection | undefined {
  const verdicts = new Map<string, GuardRejection | undefined>();
  return (request) => {
    const host = single(request.headers.host);
    const origin = single(request.headers.origin);
    // Neither header can hold a line break, so the key is unambiguous; a missing header is not an empty one.
    const key = `${host === undefined ? '-' : `+${host}`}\n${origin === undefined ? '-' : `+${origin}`}`;
    if (verdicts.has(key)) return verdicts.get(key);
    const verdict = checkHostAndOrigin(request, allowedHosts, allowedOrigins);
    if (verdicts.size >= MAX_REMEMBERED_VERDICTS) verdicts.clear();
    verdicts.set(key, verdict);
    return verdict;
  };
}

/** Options for {@link authenticateBearer}. */
export interface BearerGuardOptions {
  verify: BearerTokenVerifier;
  /** RFC 9728 metadata URL advertised in `WWW-Authenticate`. */
  resourceMetadataUrl?: string;
  /** Clock, for token expiry. */
  now: () => number;
}

function challenge(options: BearerGuardOptions, error?: { code: string; description: string }): string {
  const parts = ['Bearer realm="mcp"'];
  if (error)
    parts.push(`error="${error.code}"`, `error_description="${error.description.replace(/"/g, "'")}"`);
  if (options.resourceMetadataUrl) parts.push(`resource_metadata="${options.resourceMetadataUrl}"`);
  return parts.join(', ');
}

/**
 * Authenticates a request by its `Authorization: Bearer` header. Resolves the verified {@link AuthInfo} or a
 * rejection (`401` with a `WWW-Authenticate` challenge). The token itself is never logged or echoed.
 */
export async function authenticateBearer(
  request: IncomingMessage,
  options: BearerGuardOptions,
): Promise<AuthInfo | GuardRejection> {
  const header = single(request.headers.authorization);
  const match = header === undefined ? null : /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  if (!match?.[1]) {
    const description = header === undefined ? 'missing bearer token' : 'malformed Authorization header';
    return {
      status: 401,
      code: 'unauthenticated',
      message: `Unauthorized: ${description}`,
      headers: {
        'www-authenticate': challenge(
          options,
          header === undefined ? undefined : { code: 'invalid_request', description },
        ),
      },
    };
  }
  const invalid = (description: string): GuardRejection => ({
    status: 401,
    code: 'unauthenticated',
    message: `Unauthorized: ${description}`,
    headers: { 'www-authenticate': challenge(options, { code: 'invalid_token', description }) },
  });
  let info: AuthInfo | undefined;
  try {
    info = await options.verify(match[1]);
  } catch (error) {
    if (MeshError.isInstance(error) && error.code === 'unauthenticated') return invalid(error.message);
    if (MeshError.isInstance(error) && error.code === 'permission_denied') {
      return { status: 403, code: 'permission_denied', message: `Forbidden: ${error.message}` };
    }
    return { status: 500, code: 'internal', message: 'token verification failed' };
  }
  if (!info) return invalid('invalid bearer token');
  if (info.expiresAt !== undefined && info.expiresAt * 1000 <= options.now())
    return invalid('bearer token expired');
  return info;
}

/** Answers a request with a JSON-RPC error body (`id: null`), as the SDK does for transport-level refusals. */
export function writeJsonRpcError(
  response: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}
