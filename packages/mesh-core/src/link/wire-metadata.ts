import type { CallMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';

// The mesh-wire boundary of the call metadata (issue 16; docs/reference/wire.md "Request headers"): one converter
// each way, used by every path. A peer link sends `callMetadataToWire` as the headers of a Connect stream, of a
// lean unary call and as a call channel call's `metadata` map; the mesh service reads every request (Connect,
// lean unary, call channel) with `callMetadataFromWire`. The deadline travels beside the headers (`grpc-timeout`,
// the call channel's `timeout_ms`), so both sides take it as a number of milliseconds left.

/** Request headers of the mesh service (see docs/reference/wire.md). */
export const MESH_HEADERS = {
  correlationId: 'mesh-correlation-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  budgetId: 'mesh-budget-id',
  hop: 'mesh-hop',
  authorization: 'authorization',
} as const;

/** Default most peer links a call may cross before it is rejected as a routing loop. */
export const DEFAULT_MAX_HOPS = 8;

/** A received correlation or budget id: 1 to 200 printable ASCII characters, as at the MCP edge. */
const TOKEN = /^[\x21-\x7e]{1,200}$/;

/**
 * The mesh request headers of `metadata` (lower-case names), as a peer link sends them: `mesh-correlation-id`
 * and `mesh-hop` always, `traceparent`, `tracestate` and `mesh-budget-id` when set. The deadline is not among them
 * (it travels as `grpc-timeout` or the call channel's `timeout_ms`), nor is the principal (the receiving node
 * authenticates the link). A plain record, so it serves as HTTP/2 headers, Connect `CallOptions.headers` and a
 * call channel call's `metadata` alike.
 *
 * @example
 * ```ts
 * callMetadataToWire({ correlationId: 'c-1', hop: 2, budgetId: 'b' });
 * // { 'mesh-correlation-id': 'c-1', 'mesh-hop': '2', 'mesh-budget-id': 'b' }
 * ```
 */
export function callMetadataToWire(metadata: CallMetadata): Record<string, string> {
  const headers: Record<string, string> = {
    [MESH_HEADERS.correlationId]: metadata.correlationId,
    [MESH_HEADERS.hop]: String(metadata.hop),
  };
  if (metadata.traceparent) headers[MESH_HEADERS.traceparent] = metadata.traceparent;
  if (metadata.tracestate) headers[MESH_HEADERS.tracestate] = metadata.tracestate;
  if (metadata.budgetId) headers[MESH_HEADERS.budgetId] = metadata.budgetId;
  return headers;
}

/** Options for {@link callMetadataFromWire}. */
export interface CallMetadataFromWireOptions {
  /** Milliseconds left until the caller's deadline (`grpc-timeout`, `timeout_ms`); `undefined` without one. */
  timeoutMs: number | undefined;
  /** Most peer links a call may have crossed; more is rejected as a routing loop. */
  maxHops: number;
  /** Generates the correlation id of a request that carries none. */
  generateId: () => string;
  /** Clock turning `timeoutMs` into the deadline, in epoch milliseconds. */
  now: () => number;
  /** The caller the node authenticated (a token's principal, a certificate's name), if any. */
  principal?: string | undefined;
  /** Id of the receiving node, named as `details.origin` of a rejected hop count. */
  nodeId: string;
}

/**
 * Reads the {@link CallMetadata} of a request to the mesh service from its headers (`header` returns a request
 * header by lower-case name, or `null`): `mesh-correlation-id` (a new id from `generateId` when missing or empty),
 * `mesh-hop` (missing counts as 1: a plain gRPC client crossed exactly this link), `traceparent`, `tracestate`,
 * `mesh-budget-id`, the deadline from `timeoutMs`, and the authenticated `principal`.
 *
 * @throws MeshError `invalid_argument` naming the header for a `mesh-hop` that is not a non-negative integer, a
 *   correlation or budget id that is not 1 to 200 printable ASCII characters, or a timeout that is not a finite
 *   number (`grpc-timeout`); `failed_precondition` for a hop count over `maxHops` (`details`: `hop`, `limit`,
 *   `limitUnit: 'hops'`, `origin`).
 * @example
 * ```ts
 * const metadata = callMetadataFromWire((name) => headers.get(name), {
 *   timeoutMs: 5_000, maxHops: 8, generateId: randomUUID, now: Date.now, nodeId: 'story',
 * });
 * ```
 */
export function callMetadataFromWire(
  header: (name: string) => string | null,
  options: CallMetadataFromWireOptions,
): CallMetadata {
  const hop = parseHop(header(MESH_HEADERS.hop));
  if (hop > options.maxHops) {
    throw new MeshError(
      `hop count ${hop} exceeds the limit of ${options.maxHops} peer links (routing loop?)`,
      'failed_precondition',
      { details: { hop, limit: options.maxHops, limitUnit: 'hops', origin: options.nodeId } },
    );
  }
  const metadata: CallMetadata = {
    correlationId: token(header, MESH_HEADERS.correlationId) ?? options.generateId(),
    hop,
  };
  const { timeoutMs } = options;
  if (timeoutMs !== undefined) {
    if (!Number.isFinite(timeoutMs)) {
      throw new MeshError('grpc-timeout must be a finite number of milliseconds', 'invalid_argument', {
        details: { field: 'grpc-timeout' },
      });
    }
    metadata.deadline = options.now() + timeoutMs;
  }
  const traceparent = header(MESH_HEADERS.traceparent);
  if (traceparent) metadata.traceparent = traceparent;
  const tracestate = header(MESH_HEADERS.tracestate);
  if (tracestate) metadata.tracestate = tracestate;
  const budgetId = token(header, MESH_HEADERS.budgetId);
  if (budgetId !== undefined) metadata.budgetId = budgetId;
  if (options.principal !== undefined) metadata.principal = options.principal;
  return metadata;
}

/** A correlation or budget id header: `undefined` when missing or empty, else checked against {@link TOKEN}. */
function token(header: (name: string) => string | null, name: string): string | undefined {
  const value = header(name);
  if (value === null || value === '') return undefined;
  if (!TOKEN.test(value)) {
    throw new MeshError(`${name} must be 1 to 200 printable ASCII characters`, 'invalid_argument', {
      details: { field: name },
    });
  }
  return value;
}

function parseHop(value: string | null): number {
  // A caller that sends no hop (a plain gRPC client) has crossed exactly this link.
  if (value === null || value === '') return 1;
  const hop = Number(value);
  if (!Number.isSafeInteger(hop) || hop < 0) {
    throw new MeshError(`${MESH_HEADERS.hop} must be a non-negative integer`, 'invalid_argument', {
      details: { field: MESH_HEADERS.hop },
    });
  }
  return hop;
}
