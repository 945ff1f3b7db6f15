import { randomUUID } from 'node:crypto';
import type { CallMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';

// The MCP boundary of the call metadata (issue 16): `_meta` and HTTP headers into a `CallMetadata` at every MCP
// edge (tools, resources, prompts, completion; the SDK path and the relay path), and a `CallMetadata` into the
// `_meta` the MCP peer link sends. The mesh wire has its own converter (`link/wire-metadata.ts`).

/**
 * `_meta` keys the mesh reads on `tools/call` and writes on its error results (reverse-DNS, as MCP reserves
 * unprefixed keys).
 */
export const MESH_META_KEYS = {
  /** Correlation id of the whole request, the same on every hop. */
  correlationId: 'io.kidsstories/correlation-id',
  /** Budget id the call is charged to. */
  budgetId: 'io.kidsstories/budget-id',
  /** Deadline of the call, as milliseconds from when the edge receives it. */
  timeoutMs: 'io.kidsstories/timeout-ms',
  /** On an error result (`isError: true`): the failure as `{ code, message, details }`. */
  error: 'io.kidsstories/error',
} as const;

/** HTTP headers the MCP edge reads (the same names peer links use). */
export const MCP_EDGE_HEADERS = {
  correlationId: 'mesh-correlation-id',
  budgetId: 'mesh-budget-id',
  timeoutMs: 'mesh-timeout-ms',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** Reads one HTTP header by lower-case name (web `Headers` fit; so does a wrapper of Node's `IncomingHttpHeaders`). */
export interface HeaderReader {
  get(name: string): string | null | undefined;
}

/** Options for {@link readCallMetadata}. */
export interface ReadCallMetadataOptions {
  /**
   * Generates a correlation id when the caller sent none.
   * @default `crypto.randomUUID`
   */
  generateId?: () => string;
  /** Clock that turns the caller's timeout into {@link CallMetadata.deadline}, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** The caller the edge authenticated (a bearer token's subject), set as {@link CallMetadata.principal}. Default none. */
  principal?: string;
}

const TOKEN = /^[\x21-\x7e]{1,200}$/;
/** Longest deadline a caller may ask for: 24 h, in milliseconds. */
const MAX_TIMEOUT_MS = 86_400_000;

/**
 * Reads the {@link CallMetadata} of an MCP request: correlation id, trace context, budget id and deadline from its
 * `_meta` (preferred) and HTTP headers, with `hop: 0` (an MCP edge is where a call enters the mesh) and the
 * principal the edge authenticated. The deadline is `now()` plus the timeout the caller sent.
 *
 * @throws MeshError `invalid_argument` naming the key (`_meta.io.kidsstories/timeout-ms`, `header
 *   mesh-budget-id`…) for a correlation or budget id that is not 1 to 200 printable ASCII characters, and for a
 *   timeout that is not a number of milliseconds between 1 and 86 400 000 (24 h). A malformed `traceparent` is
 *   passed on and ignored by tracing (W3C: start a new trace).
 * @example
 * ```ts
 * const metadata = readCallMetadata(request.params._meta, new Headers(request.headers), { principal });
 * await host.callTool(name, args, { ...metadata, signal });
 * ```
 */
export function readCallMetadata(
  meta: Record<string, unknown> | undefined,
  headers: HeaderReader | undefined,
  options: ReadCallMetadataOptions = {},
): CallMetadata {
  const pick = (metaKey: string, header: string): { value: unknown; source: string } | undefined => {
    const fromMeta = meta?.[metaKey];
    if (fromMeta !== undefined && fromMeta !== null) return { value: fromMeta, source: `_meta.${metaKey}` };
    const fromHeader = headers?.get(header);
    if (fromHeader !== null && fromHeader !== undefined)
      return { value: fromHeader, source: `header ${header}` };
    return undefined;
  };
  const token = (metaKey: string, header: string): string | undefined => {
    const found = pick(metaKey, header);
    if (!found) return undefined;
    if (typeof found.value !== 'string' || !TOKEN.test(found.value)) {
      throw new MeshError(`${found.source} must be 1 to 200 printable ASCII characters`, 'invalid_argument', {
        details: { field: found.source },
      });
    }
    return found.value;
  };
  const metadata: CallMetadata = {
    correlationId:
      token(MESH_META_KEYS.correlationId, MCP_EDGE_HEADERS.correlationId) ??
      (options.generateId ?? randomUUID)(),
    hop: 0,
  };
  const budgetId = token(MESH_META_KEYS.budgetId, MCP_EDGE_HEADERS.budgetId);
  if (budgetId !== undefined) metadata.budgetId = budgetId;
  const traceparent = pick('traceparent', MCP_EDGE_HEADERS.traceparent)?.value;
  if (typeof traceparent === 'string') metadata.traceparent = traceparent;
  const tracestate = pick('tracestate', MCP_EDGE_HEADERS.tracestate)?.value;
  if (typeof tracestate === 'string') metadata.tracestate = tracestate;
  const timeout = pick(MESH_META_KEYS.timeoutMs, MCP_EDGE_HEADERS.timeoutMs);
  if (timeout) {
    const value =
      typeof timeout.value === 'string' && timeout.value.trim() !== ''
        ? Number(timeout.value)
        : timeout.value;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
      throw new MeshError(
        `${timeout.source} must be a number of milliseconds between 1 and ${MAX_TIMEOUT_MS}`,
        'invalid_argument',
        { details: { field: timeout.source } },
      );
    }
    metadata.deadline = (options.now ?? Date.now)() + value;
  }
  if (options.principal !== undefined) metadata.principal = options.principal;
  return metadata;
}

/**
 * The `_meta` of an MCP request made with `metadata` (what the MCP peer link sends): the correlation id, the
 * budget id, the trace context and the timeout (`timeoutMs`, whole milliseconds, clamped to 1 … 86 400 000 so
 * that a mesh edge accepts it), under the keys {@link readCallMetadata} reads. The hop count and the principal
 * are not sent: an MCP server is a new entry into the mesh.
 *
 * @example
 * ```ts
 * const meta = callMetadataToMeta(options.metadata, 5_000);
 * // { 'io.kidsstories/correlation-id': 'c-1', 'io.kidsstories/timeout-ms': 5000, traceparent: … }
 * ```
 */
export function callMetadataToMeta(metadata: CallMetadata, timeoutMs: number): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    [MESH_META_KEYS.correlationId]: metadata.correlationId,
    [MESH_META_KEYS.timeoutMs]: Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.round(timeoutMs))),
  };
  if (metadata.budgetId !== undefined) meta[MESH_META_KEYS.budgetId] = metadata.budgetId;
  if (metadata.traceparent !== undefined) meta.traceparent = metadata.traceparent;
  if (metadata.tracestate !== undefined) meta.tracestate = metadata.tracestate;
  return meta;
}
