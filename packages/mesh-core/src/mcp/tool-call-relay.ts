import type { IncomingMessage } from 'node:http';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  classifyInboundRequest,
  isJsonContentType,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
} from '@modelcontextprotocol/server';
import type { ToolHost } from '../host/tool-host.js';
import type { ToolCallResult, ToolOutcome } from '../tool/tool-context.js';
import { copyKeys } from './copy-keys.js';
import type { ResolvedEdgeOptions } from './edge-options.js';
import { runEdgeToolCall } from './edge-tool-call.js';
import type { HeaderReader } from './inbound-call.js';
import type { InterceptedAnswer } from './node-http-adapter.js';
import type { SettledToolCall } from './settled-tool-call.js';

/** The relay path of an MCP edge: see {@link createToolCallRelay}. */
export interface ToolCallRelay {
  /**
   * Runs `request` when it is a plain 2026-07-28 `tools/call` and resolves the answer the relay path wrote, or
   * `{ handOver }` when the SDK is to answer it from the settled outcome; `undefined` when it is anything else
   * (served through the SDK, untouched). `abort` is the controller the call runs under (aborted when the client goes
   * away; `close()` aborts it too): on HTTP/1.x the connection's, shared by its requests. It is the node adapter's `intercept` hook.
   */
  serve(
    request: IncomingMessage,
    body: unknown,
    abort: AbortController,
  ): Promise<InterceptedAnswer> | undefined;
  /** Aborts the calls in flight (they are answered `499`, as the SDK answers exchanges it closes) and takes no more. */
  close(): void;
}

/** Protocol revisions whose `tools/call` answer the relay path writes itself. */
export const RELAY_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28'];

type RelayedRequest = {
  id: string | number;
  name: string;
  args: Record<string, unknown>;
  meta: Record<string, unknown>;
};

/**
 * The relay path: serves the commonest MCP request a gateway gets, a 2026-07-28 `tools/call` answered with JSON,
 * without building the SDK's per-request server (a `Server`, a transport, web `Request`/`Response` objects and
 * zod validation of request and result, about half of a gateway's CPU per forwarded call).
 *
 * It takes only requests the SDK would serve the same way, checked with the SDK's own envelope classifier
 * (`classifyInboundRequest`; the plainest requests by {@link isPlainModernRequest}, which agrees with it) plus the
 * standard-header rules: `POST`, JSON content type, `MCP-Protocol-Version`
 * naming a revision of {@link RELAY_PROTOCOL_VERSIONS} and matching the body's envelope, `Mcp-Method: tools/call`,
 * `Mcp-Name` equal to `params.name` as sent (no Base64 sentinel), and params holding only `name`, an object
 * `arguments` and `_meta` without a progress token or log level (progress and log records need the SDK's SSE upgrade; multi-round-trip
 * retries and tasks carry other params). Everything else goes to the SDK untouched.
 *
 * The call runs exactly as through the SDK (same metadata, span, deadline and error mapping: one
 * `runEdgeToolCall`). A final result of text content, optional object `structuredContent` and optional boolean
 * `isError` (what tools and tool errors mostly return) is written as the SDK writes it: `resultType: "complete"`
 * and the server's identity in `_meta`. Any other outcome (input required, other content, a result `_meta`, an
 * unknown tool) is handed to the SDK as a {@link SettledToolCall}, so the SDK formats and validates it and nothing
 * runs twice.
 */
export function createToolCallRelay(host: ToolHost, options: ResolvedEdgeOptions): ToolCallRelay {
  let closed = false;
  // The controllers of the calls in flight, each with its count of calls (an HTTP/1.x connection's controller
  // serves each of its requests, several when they are pipelined): `close()` aborts them. Not a closing signal
  // every call would listen to (an EventTarget listener added and removed a call).
  const inFlight = new Map<AbortController, number>();
  return {
    serve(request, body, abort) {
      if (closed) return undefined;
      const relayed = plainToolCall(request, body);
      if (relayed === undefined) return undefined;
      return run(relayed, request, abort);
    },
    close() {
      closed = true;
      for (const abort of inFlight.keys()) abort.abort();
      inFlight.clear();
    },
  };

  /**
   * The wire form of a plain text result, for `JSON.stringify`: its fields, `resultType: "complete"`, and `_meta`
   * with the server's identity under the result's own keys. One literal, not a spread of the result plus fields,
   * which makes V8 build a new hidden class on every call (a microsecond or more each, on a gateway's hot path).
   */
  function completeResult(outcome: ToolCallResult): Record<string, unknown> {
    const meta: Record<string, unknown> = { [SERVER_INFO_META_KEY]: options.serverInfo };
    if (outcome._meta !== undefined) copyKeys(meta, outcome._meta);
    // The keys a plain text result may have (isPlainTextResult), in one literal: JSON leaves out the undefined.
    return {
      content: outcome.content,
      structuredContent: outcome.structuredContent,
      isError: outcome.isError,
      resultType: 'complete',
      _meta: meta,
    };
  }

  async function run(
    relayed: RelayedRequest,
    request: IncomingMessage,
    abort: AbortController,
  ): Promise<InterceptedAnswer> {
    const principal = (request as IncomingMessage & { auth?: { clientId?: string } }).auth?.clientId;
    let outcome: ToolOutcome;
    inFlight.set(abort, (inFlight.get(abort) ?? 0) + 1);
    try {
      outcome = await runEdgeToolCall(
        host,
        {
          name: relayed.name,
          args: relayed.args,
          meta: relayed.meta,
          headers: nodeHeaderReader(request),
          signals: [abort.signal],
          clientCapabilities: relayed.meta[CLIENT_CAPABILITIES_META_KEY],
          ...(principal === undefined ? {} : { principal }),
        },
        options,
      );
    } catch (error) {
      return handOver({ name: relayed.name, settled: { ok: false, error } });
    } finally {
      const left = (inFlight.get(abort) ?? 1) - 1;
      if (left > 0) inFlight.set(abort, left);
      else inFlight.delete(abort);
    }
    if (closed) return { status: 499, body: '' };
    if (!isPlainTextResult(outcome)) return handOver({ name: relayed.name, settled: { ok: true, outcome } });
    return {
      status: 200,
      body: JSON.stringify({ result: completeResult(outcome), jsonrpc: '2.0', id: relayed.id }),
    };
  }
}

/**
 * Leaves the answer to the SDK: the adapter hands `call` to the edge, which serves the request with a server whose
 * `tools/call` handler takes it instead of running the tool again.
 */
function handOver(call: SettledToolCall): InterceptedAnswer {
  return { handOver: call };
}

/** `request` as a relayed `tools/call`, or `undefined` when the relay path must leave it to the SDK. */
function plainToolCall(request: IncomingMessage, body: unknown): RelayedRequest | undefined {
  const { headers } = request;
  if (headers['mcp-method'] !== 'tools/call' || request.method !== 'POST') return undefined;
  const version = headers['mcp-protocol-version'];
  const nameHeader = headers['mcp-name'];
  if (typeof version !== 'string' || !RELAY_PROTOCOL_VERSIONS.includes(version)) return undefined;
  if (typeof nameHeader !== 'string' || nameHeader.startsWith('=?')) return undefined;
  if (!isJsonContentType(headers['content-type'] ?? null)) return undefined;
  if (!isPlainObject(body)) return undefined;
  const params = body.params;
  if (!isPlainObject(params) || params.name !== nameHeader) return undefined;
  for (const key of Object.keys(params)) {
    if (key !== 'name' && key !== 'arguments' && key !== '_meta') return undefined;
  }
  const args = params.arguments ?? {};
  const meta = params._meta;
  if (!isPlainObject(args) || !isPlainObject(meta) || meta.progressToken !== undefined) return undefined;
  // A client asking for log records gets them through the SDK's SSE upgrade, as progress.
  if (meta[LOG_LEVEL_META_KEY] !== undefined) return undefined;
  // The commonest request is checked here exactly; anything else by the SDK's classifier (zod, a few percent of a
  // gateway's CPU per call).
  if (!isPlainModernRequest(body, meta, version)) {
    const route = classifyInboundRequest({
      httpMethod: 'POST',
      body,
      protocolVersionHeader: version,
      mcpMethodHeader: 'tools/call',
      mcpNameHeader: nameHeader,
    });
    if (route.kind !== 'modern' || route.messageKind !== 'request') return undefined;
    if (route.classification.revision !== version) return undefined;
  }
  const id = body.id as string | number;
  return { id, name: nameHeader, args, meta };
}

/**
 * True for a `tools/call` whose JSON-RPC envelope and `_meta` envelope are of the plainest valid shape, which the
 * SDK's `classifyInboundRequest` classifies as a modern request of revision `version` (the test
 * `tool-call-relay-classifier.test.ts` checks that against the SDK): exactly `jsonrpc: "2.0"`, a string or safe
 * integer `id`, `method: "tools/call"` and `params`; in `_meta` the protocol version equal to the header's,
 * client capabilities that are empty objects of `elicitation`, `sampling` and `roots` (or none), client info
 * (if any) of string `name`, `version` and `title` only, and no other `io.modelcontextprotocol/` key. False means
 * "ask the SDK", not "invalid". The caller has checked the headers, `params` and the absence of a progress token
 * and a log level.
 */
export function isPlainModernRequest(
  body: Record<string, unknown>,
  meta: Record<string, unknown>,
  version: string,
): boolean {
  let keys = 0;
  for (const key in body) {
    if (key !== 'jsonrpc' && key !== 'id' && key !== 'method' && key !== 'params') return false;
    keys += 1;
  }
  if (keys !== 4 || body.jsonrpc !== '2.0' || body.method !== 'tools/call') return false;
  const id = body.id;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  if (meta[PROTOCOL_VERSION_META_KEY] !== version) return false;
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  if (!isPlainObject(capabilities)) return false;
  for (const key in capabilities) {
    if (key !== 'elicitation' && key !== 'sampling' && key !== 'roots') return false;
    const value = capabilities[key];
    if (!isPlainObject(value) || !isEmpty(value)) return false;
  }
  const info = meta[CLIENT_INFO_META_KEY];
  if (info !== undefined) {
    if (!isPlainObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string')
      return false;
    for (const key in info) {
      if (key !== 'name' && key !== 'version' && key !== 'title') return false;
      if (typeof info[key] !== 'string') return false;
    }
  }
  for (const key in meta) {
    if (
      key.startsWith('io.modelcontextprotocol/') &&
      key !== PROTOCOL_VERSION_META_KEY &&
      key !== CLIENT_CAPABILITIES_META_KEY &&
      key !== CLIENT_INFO_META_KEY
    )
      return false;
  }
  return true;
}

function isEmpty(value: Record<string, unknown>): boolean {
  for (const _key in value) return false;
  return true;
}

/**
 * A final result the relay path writes itself: text blocks, an object `structuredContent`, a boolean `isError`
 * and an object `_meta`.
 */
function isPlainTextResult(outcome: ToolOutcome): outcome is ToolCallResult {
  const result = outcome as unknown as Record<string, unknown>;
  for (const key of Object.keys(result)) {
    if (key !== 'content' && key !== 'structuredContent' && key !== 'isError' && key !== '_meta')
      return false;
  }
  const { content, structuredContent, isError, _meta } = result;
  if (_meta !== undefined && !isPlainObject(_meta)) return false;
  if (!Array.isArray(content)) return false;
  for (const block of content) {
    if (!isPlainObject(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
    for (const key of Object.keys(block)) if (key !== 'type' && key !== 'text') return false;
  }
  if (structuredContent !== undefined && !isPlainObject(structuredContent)) return false;
  return isError === undefined || typeof isError === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Node's request headers read like web `Headers` (repeated values joined with `, `, as `Headers.get` does). */
function nodeHeaderReader(request: IncomingMessage): HeaderReader {
  return {
    get(name) {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
