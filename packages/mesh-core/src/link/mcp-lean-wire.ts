import { ProtocolError, SdkError, SdkErrorCode, specTypeSchemas } from '@modelcontextprotocol/client';
import { copyKeys } from '../mcp/copy-keys.js';

// The JSON-RPC half of the MCP link's lean `tools/call` path (ADR 0012): what a message read from a Streamable
// HTTP response is, and the call's outcome decoded as the official client decodes it (the same errors, the same
// result objects), without the client's per-message schema work for the common shapes.

/** The JSON-RPC error code a 2026-07-28 server answers when `Mcp-Name`/`Mcp-Param-*` headers disagree (SEP-2243). */
export const HEADER_MISMATCH_CODE = -32020;

/** One message from the upstream, sorted by what the lean path does with it. */
export type LeanMessage =
  | { kind: 'response'; id: unknown; message: Record<string, unknown> }
  | { kind: 'notification'; method: string; params: Record<string, unknown> | undefined; message: object }
  | { kind: 'request'; message: object }
  | { kind: 'invalid'; problem: string };

/** A decoded `tools/call` answer: a result or input request as the SDK's `callTool` resolves it, or its error. */
export type LeanOutcome =
  | { kind: 'result'; value: Record<string, unknown> }
  | { kind: 'error'; error: Error }
  /** The server refused the request before running it (SEP-2243 header mismatch): the SDK path is to send it. */
  | { kind: 'fallback' };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Sorts one parsed JSON-RPC message (strictly: a version, an id of the right type, a method or a result/error). */
export function classifyMessage(value: unknown): LeanMessage {
  if (!isPlainObject(value) || value.jsonrpc !== '2.0') {
    return { kind: 'invalid', problem: 'not a JSON-RPC 2.0 message' };
  }
  const hasId = 'id' in value;
  if (typeof value.method === 'string') {
    if (value.params !== undefined && !isPlainObject(value.params)) {
      return { kind: 'invalid', problem: `params of ${value.method.slice(0, 64)} is not an object` };
    }
    if (!hasId) {
      return {
        kind: 'notification',
        method: value.method,
        params: value.params as Record<string, unknown> | undefined,
        message: value,
      };
    }
    if (typeof value.id !== 'string' && typeof value.id !== 'number') {
      return { kind: 'invalid', problem: 'a request id must be a string or a number' };
    }
    return { kind: 'request', message: value };
  }
  if (!hasId) return { kind: 'invalid', problem: 'neither a request, a notification nor a response' };
  const hasResult = 'result' in value;
  const error = value.error;
  if (hasResult === (error !== undefined)) {
    return { kind: 'invalid', problem: 'a response must carry exactly one of result and error' };
  }
  if (
    error !== undefined &&
    (!isPlainObject(error) || !Number.isInteger(error.code) || typeof error.message !== 'string')
  ) {
    return { kind: 'invalid', problem: 'an error response needs an integer code and a string message' };
  }
  return { kind: 'response', id: value.id, message: value };
}

/**
 * The outcome of a `tools/call` response, as the official client's `callTool` gives it: an error response becomes
 * the client's `ProtocolError` (`ProtocolError.fromError`, so an unknown tool or invalid params map alike); a
 * 2026-07-28 result must carry `resultType` (`complete` is lifted off, `input_required` is kept with its
 * `inputRequests`, `requestState` and `_meta`); the result must be a valid `CallToolResult`.
 */
export function decodeToolCallResponse(
  response: Record<string, unknown>,
  era: 'legacy' | 'modern',
): LeanOutcome {
  const error = response.error as { code: number; message: string; data?: unknown } | undefined;
  if (error !== undefined) {
    if (era === 'modern' && error.code === HEADER_MISMATCH_CODE) return { kind: 'fallback' };
    return { kind: 'error', error: ProtocolError.fromError(error.code, error.message, error.data) };
  }
  const raw = response.result;
  if (!isPlainObject(raw)) return invalid('not an object');
  let result = raw;
  if (era === 'modern') {
    const resultType = raw.resultType;
    if (resultType === 'input_required') return inputRequired(raw);
    if (resultType === undefined) return invalid('missing required resultType');
    if (typeof resultType !== 'string') return invalid('non-string resultType');
    if (resultType !== 'complete') {
      return {
        kind: 'error',
        error: new SdkError(
          SdkErrorCode.UnsupportedResultType,
          `Unsupported result type '${resultType.slice(0, 64)}' for tools/call`,
        ),
      };
    }
    // Copied key by key (an object rest is a slow path of V8's on every call).
    result = copyKeys({}, raw, 'resultType');
  }
  if (isPlainToolResult(result)) return { kind: 'result', value: result };
  // Anything richer (images, resources, annotations…) is checked by the SDK's own schema, whose output it is.
  const checked = specTypeSchemas.CallToolResult['~standard'].validate(result);
  if (checked instanceof Promise) return invalid('the result schema is asynchronous');
  if (checked.issues) {
    return invalid(
      checked.issues
        .map((issue) => issue.message)
        .join('; ')
        .slice(0, 500),
    );
  }
  return { kind: 'result', value: checked.value as Record<string, unknown> };
}

function invalid(problem: string): LeanOutcome {
  return {
    kind: 'error',
    error: new SdkError(SdkErrorCode.InvalidResult, `Invalid result for tools/call: ${problem}`),
  };
}

/** An `input_required` result as the SDK resolves it for `allowInputRequired` callers. */
function inputRequired(raw: Record<string, unknown>): LeanOutcome {
  const inputRequests = isPlainObject(raw.inputRequests) ? raw.inputRequests : {};
  const requestState = raw.requestState;
  if (Object.keys(inputRequests).length === 0 && typeof requestState !== 'string') {
    return invalid('input_required carries neither inputRequests nor requestState');
  }
  return {
    kind: 'result',
    value: {
      resultType: 'input_required',
      inputRequests,
      ...(typeof requestState === 'string' ? { requestState } : {}),
      ...(isPlainObject(raw._meta) ? { _meta: raw._meta } : {}),
    },
  };
}

/**
 * A result every protocol revision accepts unchanged, checked without a schema library: text blocks (`type` and
 * `text` only), an optional object `structuredContent`, an optional boolean `isError` and an optional object
 * `_meta` (the shape tools and the mesh's tool errors mostly return; the gateway's edge relays the same shape).
 */
export function isPlainToolResult(result: Record<string, unknown>): boolean {
  for (const key in result) {
    if (key !== 'content' && key !== 'structuredContent' && key !== 'isError' && key !== '_meta')
      return false;
  }
  const { content, structuredContent, isError, _meta } = result;
  if (!Array.isArray(content)) return false;
  for (const block of content) {
    if (!isPlainObject(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
    for (const key in block) if (key !== 'type' && key !== 'text') return false;
  }
  if (structuredContent !== undefined && !isPlainObject(structuredContent)) return false;
  if (_meta !== undefined && !isPlainObject(_meta)) return false;
  return isError === undefined || typeof isError === 'boolean';
}

/**
 * True when a tool name can travel as the `Mcp-Name` header as it is (visible ASCII, no edge spaces); other names
 * need the SDK's Base64 sentinel encoding, so their calls take the SDK path.
 */
export function isHeaderSafeName(name: string): boolean {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(name) && !name.startsWith('=?');
}

/**
 * True when a tool's input schema declares `x-mcp-header` anywhere (SEP-2243: the client mirrors those arguments
 * into `Mcp-Param-*` headers, which the SDK path does). Walks iteratively, so a deep schema costs no stack.
 */
export function declaresMcpHeaders(schema: unknown): boolean {
  const pending: unknown[] = [schema];
  for (let seen = 0; pending.length > 0 && seen < 100_000; seen += 1) {
    const item = pending.pop();
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      pending.push(...item);
      continue;
    }
    for (const key in item) {
      if (key === 'x-mcp-header') return true;
      pending.push((item as Record<string, unknown>)[key]);
    }
  }
  return pending.length > 0;
}
