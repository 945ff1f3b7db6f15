import { randomUUID } from 'node:crypto';
import { MeshError } from '../errors/mesh-error.js';

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

/** The call metadata an edge extracted from `_meta` and headers, before signals are attached. */
export interface CallMetadata {
  correlationId: string;
  traceparent?: string;
  tracestate?: string;
  budgetId?: string;
  /** The caller's deadline as a duration from now, in milliseconds. */
  timeoutMs?: number;
}

/** Options for {@link readCallMetadata}. */
export interface ReadCallMetadataOptions {
  /**
   * Generates a correlation id when the caller sent none.
   * @default `crypto.randomUUID`
   */
  generateId?: () => string;
}

const TOKEN = /^[\x21-\x7e]{1,200}$/;
/** Longest deadline a caller may ask for: 24 h, in milliseconds. */
const MAX_TIMEOUT_MS = 86_400_000;

/**
 * Reads correlation id, trace context, budget id and deadline from a request's `_meta` (preferred) and HTTP
 * headers. A malformed value rejects with `invalid_argument` naming the key; a malformed `traceparent` is
 * ignored (W3C: start a new trace).
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
    metadata.timeoutMs = value;
  }
  return metadata;
}
