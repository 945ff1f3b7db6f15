import {
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
} from '@modelcontextprotocol/client';
import { MESH_ERROR_CODES, MeshError, type MeshErrorCode } from '../errors/mesh-error.js';
import { redactSecretValues } from '../observability/secret-values.js';

// The one boundary where failures of a plain MCP upstream (the official client's `ProtocolError`, `SdkError`,
// `SdkHttpError`, fetch and spawn errors) become `MeshError`s, with codes the gateway's policy acts on: a dead
// connection or process is `unavailable` (fail over, retry, count against the breaker), a timeout
// `deadline_exceeded`, the caller's bad input `invalid_argument`, a method the upstream lacks `unimplemented`.

/** What the request was, for the message and for telling an unknown tool from other bad parameters. */
export interface McpFailureContext {
  /** The link's display name (never the command line or a URL with credentials). */
  origin: string;
  /** The MCP method, such as `tools/call`. */
  method: string;
  /** The tool, prompt or URI the request named. */
  target?: string;
  /** True when the caller's own signal aborted (a cancellation, not a lost connection). */
  callerAborted?: boolean;
}

const FETCH_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** True when `error` (or its cause chain) is a network failure: the upstream was not reached or went away. */
function isNetworkFailure(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && FETCH_FAILURE_CODES.has(code)) return true;
    if (cause.name === 'TypeError' && cause.message === 'fetch failed') return true;
    if (cause.name === 'SocketError') return true;
    cause = cause.cause;
  }
  return false;
}

/** The mesh code for an HTTP status the upstream answered with. */
function codeOfHttpStatus(status: number): MeshErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'unavailable'; // a 2025-era session the upstream no longer knows (it restarted)
  if (status === 408 || status === 504) return 'deadline_exceeded';
  if (status === 429) return 'resource_exhausted';
  if (status >= 500) return 'unavailable';
  return 'internal';
}

/** The mesh code for a JSON-RPC error code of the upstream. */
function codeOfJsonRpc(code: number, data: unknown): MeshErrorCode {
  // A mesh node upstream sends its own code in `data.code`: keep it (only the code, never its details).
  const meshCode = (data as { code?: unknown } | null | undefined)?.code;
  if (typeof meshCode === 'string' && (MESH_ERROR_CODES as readonly string[]).includes(meshCode)) {
    return meshCode as MeshErrorCode;
  }
  switch (code) {
    case ProtocolErrorCode.InvalidParams:
      return 'invalid_argument';
    case ProtocolErrorCode.MethodNotFound:
      return 'unimplemented';
    case ProtocolErrorCode.ResourceNotFound:
      return 'not_found';
    case ProtocolErrorCode.MissingRequiredClientCapability:
    case ProtocolErrorCode.UnsupportedProtocolVersion:
    case ProtocolErrorCode.UrlElicitationRequired:
      return 'failed_precondition';
    default:
      // Parse errors, invalid requests, internal errors and server-defined codes: the upstream's fault.
      return 'internal';
  }
}

const UNKNOWN_TOOL = /\b(unknown tool|tool .{0,80}not found|no such tool)\b/i;

/**
 * Converts anything an MCP request to an upstream rejected with into a `MeshError` naming the upstream
 * (`details.origin`) and, for JSON-RPC errors, the upstream's code (`details.mcpCode`). Messages pass through
 * {@link redactSecretValues}, so a header token or env value echoed by an upstream never reaches a log or client.
 */
export function meshErrorFromMcp(reason: unknown, context: McpFailureContext): MeshError {
  const { origin, method } = context;
  const make = (message: string, code: MeshErrorCode, details: Record<string, unknown> = {}) =>
    new MeshError(redactSecretValues(message), code, { cause: reason, details: { origin, ...details } });
  // A limit of this link (a response over `maxMessageBytes`) surfaces wrapped by the SDK: find it in the causes.
  for (let cause = (reason as { cause?: unknown } | null)?.cause, depth = 0; cause && depth < 5; depth += 1) {
    if (MeshError.isInstance(cause) && cause.details.reason === 'message_too_large') return cause;
    cause = (cause as { cause?: unknown }).cause;
  }
  if (MeshError.isInstance(reason)) {
    return reason.details.origin === undefined
      ? make(reason.message, reason.code, { ...reason.details })
      : reason;
  }
  if (ProtocolError.isInstance(reason)) {
    const code = codeOfJsonRpc(reason.code, reason.data);
    const details: Record<string, unknown> = { mcpCode: reason.code };
    if (
      method === 'tools/call' &&
      (code === 'invalid_argument' || code === 'not_found') &&
      UNKNOWN_TOOL.test(reason.message)
    ) {
      // The gateway lists the peer again on this reason: its cached list is stale.
      return make(`${origin}: ${reason.message}`, 'not_found', {
        ...details,
        reason: 'unknown_tool',
        ...(context.target === undefined ? {} : { tool: context.target }),
      });
    }
    return make(`${origin} answered ${method} with an error: ${reason.message}`, code, details);
  }
  if (SdkHttpError.isInstance(reason)) {
    const status = reason.status;
    const code = codeOfHttpStatus(status);
    return make(`${origin} answered ${method} with HTTP ${status}: ${reason.message}`, code, {
      httpStatus: status,
      ...(status === 404 ? { reason: 'session_lost' } : {}),
    });
  }
  if (SdkError.isInstance(reason)) {
    switch (reason.code) {
      case SdkErrorCode.RequestTimeout:
        return make(`${origin} did not answer ${method} in time`, 'deadline_exceeded');
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.SendFailed:
        return make(
          `the connection to ${origin} was lost during ${method}: ${reason.message}`,
          'unavailable',
          {
            reason: 'connection_lost',
          },
        );
      case SdkErrorCode.NotConnected:
      case SdkErrorCode.EraNegotiationFailed:
        return make(`${origin} is not connected: ${reason.message}`, 'unavailable', {
          reason: 'not_processed',
        });
      case SdkErrorCode.ClientHttpAuthentication:
        return make(`${origin} refused the credentials: ${reason.message}`, 'unauthenticated');
      case SdkErrorCode.ClientHttpForbidden:
        return make(`${origin} denied access: ${reason.message}`, 'permission_denied');
      case SdkErrorCode.CapabilityNotSupported:
      case SdkErrorCode.MethodNotSupportedByProtocolVersion:
        return make(`${origin} does not offer ${method}: ${reason.message}`, 'unimplemented');
      case SdkErrorCode.ListPaginationExceeded:
        return make(`${origin} kept paginating ${method}: ${reason.message}`, 'resource_exhausted');
      default:
        return make(`${origin} failed ${method}: ${reason.message}`, 'internal');
    }
  }
  if (reason instanceof Error) {
    if (reason.name === 'AbortError' || reason.name === 'TimeoutError') {
      if (context.callerAborted || reason.name === 'TimeoutError') {
        const code = reason.name === 'TimeoutError' ? 'deadline_exceeded' : 'canceled';
        return make(
          `${method} on ${origin} was ${code === 'canceled' ? 'canceled' : 'cut off by its deadline'}`,
          code,
        );
      }
      return make(`the connection to ${origin} was lost during ${method}`, 'unavailable', {
        reason: 'connection_lost',
      });
    }
    if (isNetworkFailure(reason)) {
      const detail = (reason.cause as NodeJS.ErrnoException | undefined)?.code ?? reason.message;
      return make(`${origin} is unreachable: ${detail}`, 'unavailable', { reason: 'not_processed' });
    }
    const spawnCode = (reason as NodeJS.ErrnoException).code;
    if (spawnCode === 'ENOENT' || spawnCode === 'EACCES') {
      return make(`${origin} could not be started: ${spawnCode}`, 'unavailable', { reason: 'not_processed' });
    }
    return make(`${origin} failed ${method}: ${reason.message}`, 'internal');
  }
  return make(`${origin} failed ${method}: ${String(reason)}`, 'internal');
}
