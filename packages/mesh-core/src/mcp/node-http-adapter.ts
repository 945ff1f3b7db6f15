import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { exceedsJsonDepth } from './json-depth.js';
import { readStreamText } from './read-stream-text.js';
import type { SettledToolCall } from './settled-tool-call.js';

/** What the adapter hands the web handler with each request. */
export interface WebFetchOptions {
  /** The request's `auth`, set by the bearer guard. */
  authInfo?: AuthInfo;
  /** The body, parsed once. */
  parsedBody?: unknown;
  /** A call the `intercept` hook already ran and handed over (`{ handOver }`): answer it from its outcome. */
  settledCall?: SettledToolCall;
}

/** The web-standard face the adapter serves: the SDK's `handler.fetch`, with a pre-parsed body. */
export type WebFetchHandler = (request: Request, options: WebFetchOptions) => Promise<Response>;

/** Options for {@link createNodeHttpAdapter}. */
export interface NodeHttpAdapterOptions {
  /** Largest request body accepted, in bytes; larger bodies get `413`. */
  maxBodyBytes: number;
  /**
   * Deepest nesting of objects and arrays accepted in a JSON body, in levels; a deeper body is refused before
   * anything else sees it: JSON-RPC `-32602` (`invalid_argument`) naming the limit.
   * @default no limit
   */
  maxJsonDepth?: number;
  /** Observes a failure to convert the request or a throwing `fetch`, before the `500` is written. */
  onerror?: (error: Error) => void;
  /**
   * Serves a request without the web handler when it can, after the body is parsed: resolves the answer to
   * write (a JSON body), or `{ handOver }` to serve it through the web handler after all, which receives the
   * settled call as `settledCall`; `undefined` leaves it to the web handler at once. `abort` is the controller the
   * call runs under: on HTTP/1.x its connection's (shared by the requests of that connection, which a client can
   * only leave all at once), else the request's own. The adapter aborts it when the client goes away, and the hook
   * may abort it to cancel the call (a closing relay does).
   */
  intercept?: (
    request: IncomingMessage,
    parsedBody: unknown,
    abort: AbortController,
  ) => Promise<InterceptedAnswer> | undefined;
}

/** What {@link NodeHttpAdapterOptions.intercept} resolves. */
export type InterceptedAnswer = { status: number; body: string } | { handOver: SettledToolCall };

/**
 * Adapts a web-standard MCP handler to a Node `(request, response)` handler, like the SDK's `toNodeHandler`
 * (same `413` and `500` answers, `request.auth` forwarded as `authInfo`, the web request aborted when the
 * client goes away, SSE streamed with backpressure), but leaner on the hot path:
 *
 * - the body is read and parsed ONCE and handed on as `parsedBody`, so neither `isLegacyRequest` nor the
 *   handler clones (tees) the request to read it again; the web request then carries no body at all (the SDK
 *   reads `parsedBody` instead), only a body that is not JSON is passed on as text;
 * - a JSON response is written with `content-length` in one `end()`: headers and body leave in one write
 *   instead of a chunked body, a separate chunk and a terminating chunk.
 *
 * @internal
 */
export function createNodeHttpAdapter(
  fetch: WebFetchHandler,
  options: NodeHttpAdapterOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const { maxBodyBytes } = options;
  return async (request, response) => {
    let finished = false;
    let own: AbortController | undefined;
    // The request's own controller, aborted when the client goes away before the answer is written. Made only for
    // requests the web handler serves (its web request carries the signal): creating an `AbortSignal` costs a few
    // microseconds, and the relay path runs under its connection's (see `connectionAbort`).
    const requestAbort = (): AbortController => {
      if (own) return own;
      const controller = new AbortController();
      own = controller;
      response.on('close', () => {
        if (!finished) controller.abort();
      });
      if (response.destroyed) controller.abort();
      return controller;
    };
    let webResponse: Response;
    let parsedBody: unknown;
    try {
      const method = (request.method ?? 'GET').toUpperCase();
      let body: string | undefined;
      if (method !== 'GET' && method !== 'HEAD') {
        body = await readBody(request, maxBodyBytes);
        if (body !== undefined) parsedBody = parseJson(body);
      }
      if (options.maxJsonDepth !== undefined && exceedsJsonDepth(parsedBody, options.maxJsonDepth)) {
        finished = true;
        const id = echoableRequestId(parsedBody);
        writeJson(response, id === null ? 400 : 200, tooDeepAnswer(id, options.maxJsonDepth));
        return;
      }
      let settledCall: SettledToolCall | undefined;
      const intercepted =
        parsedBody === undefined || options.intercept === undefined
          ? undefined
          : options.intercept(request, parsedBody, connectionAbort(request) ?? requestAbort());
      if (intercepted !== undefined) {
        const answer = await intercepted;
        if ('handOver' in answer) settledCall = answer.handOver;
        else {
          finished = true;
          writeJson(response, answer.status, answer.body);
          return;
        }
      }
      const authInfo = (request as IncomingMessage & { auth?: AuthInfo }).auth;
      // A parsed body is handed on as `parsedBody`, which the SDK reads instead of the stream: the web request
      // then carries no body (no ReadableStream per request). Unparseable text stays, for the SDK's -32700.
      const webRequest = toWebRequest(
        request,
        method,
        parsedBody === undefined ? body : undefined,
        requestAbort().signal,
      );
      webResponse = await fetch(webRequest, {
        ...(authInfo === undefined ? {} : { authInfo }),
        ...(parsedBody === undefined ? {} : { parsedBody }),
        ...(settledCall === undefined ? {} : { settledCall }),
      });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        webResponse = Response.json(
          { jsonrpc: '2.0', error: { code: -32000, message: error.message }, id: null },
          { status: 413, headers: { connection: 'close' } },
        );
      } else {
        try {
          options.onerror?.(error instanceof Error ? error : new Error(String(error)));
        } catch {
          // An observer's failure must not keep the client waiting.
        }
        webResponse = Response.json(
          {
            jsonrpc: '2.0',
            error: { code: -32603, message: 'Internal server error' },
            id: echoableRequestId(parsedBody),
          },
          { status: 500 },
        );
      }
    }
    await writeResponse(webResponse, response, requestAbort().signal, () => {
      finished = true;
    });
  };
}

/** The controllers of HTTP/1.x connections, by socket (see {@link connectionAbort}). */
const connectionAborts = new WeakMap<object, AbortController>();

/**
 * The controller an intercepted request runs under on HTTP/1.x: one per connection, aborted when it closes. A
 * client there goes away only by closing its connection, which ends every request on it, so this aborts exactly
 * when a per-request controller would, without an `AbortSignal` and a `close` listener for every request.
 * `undefined` for other HTTP versions (HTTP/2 streams end one by one): the request then gets its own.
 */
function connectionAbort(request: IncomingMessage): AbortController | undefined {
  if (request.httpVersionMajor !== 1) return undefined;
  const { socket } = request;
  let controller = connectionAborts.get(socket);
  if (controller === undefined) {
    const created = new AbortController();
    controller = created;
    connectionAborts.set(socket, created);
    socket.once('close', () => created.abort());
    if (socket.destroyed) created.abort();
  }
  return controller;
}

/** The JSON-RPC `-32602` answer to a body nested past `maxDepth`, with the mesh error in `data`. */
function tooDeepAnswer(id: string | number | null, maxDepth: number): string {
  const message = `the request nests objects and arrays deeper than the limit of ${maxDepth} levels (maxJsonDepth)`;
  const data = {
    code: 'invalid_argument',
    message,
    details: { field: 'maxJsonDepth', limit: maxDepth, limitUnit: 'levels' },
  };
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32602, message, data } });
}

class BodyTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`Payload Too Large: Request body must not exceed ${maxBytes} bytes`);
    this.name = 'RequestBodyTooLargeError';
  }
}

/** The body as text (`undefined` when empty), rejecting past `maxBytes` before reading when it can. */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const declared = Number(request.headers['content-length']);
  if (declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  const text = await readStreamText(request, maxBytes, () => new BodyTooLargeError(maxBytes));
  return text === '' ? undefined : text;
}

/** The parsed body, or `undefined` when it is not JSON (the SDK then answers it as it sees fit). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toWebRequest(
  request: IncomingMessage,
  method: string,
  body: string | undefined,
  signal: AbortSignal,
): Request {
  const host = single(request.headers.host) ?? single(request.headers[':authority']) ?? 'localhost';
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const webRequest = new Request(`http://${host}${request.url ?? '/'}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  // `new Request(url, { signal })` makes the request's own controller follow `signal` through a listener that
  // only a FinalizationRegistry removes, after a major GC: on a busy edge every request's listener, closure and
  // WeakRef outlive it, get promoted and feed the old generation (about a fifth of a gateway's CPU went to GC).
  // The request is only read here, so it carries the connection's signal itself.
  Object.defineProperty(webRequest, 'signal', { value: signal, enumerable: true });
  return webRequest;
}

/** Writes a complete JSON answer (an empty body is written as none) with its length, in one write. */
function writeJson(target: ServerResponse, status: number, body: string): void {
  if (body === '') {
    target.writeHead(status).end();
    return;
  }
  const buffer = Buffer.from(body);
  target.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(buffer.byteLength),
  });
  target.end(buffer);
}

/** Writes `source` to `target`; calls `onEnd` just before ending it (a close after that is no abort). */
async function writeResponse(
  source: Response,
  target: ServerResponse,
  signal: AbortSignal,
  onEnd: () => void,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of source.headers) headers[name] = value;
  if (source.body === null) {
    target.writeHead(source.status, headers);
    onEnd();
    target.end();
    return;
  }
  if (!source.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A complete JSON answer: one buffer, one write with the headers.
    const body = Buffer.from(await source.arrayBuffer());
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      headers['content-length'] = String(body.byteLength);
    }
    target.writeHead(source.status, headers);
    onEnd();
    target.end(body);
    return;
  }
  // An SSE stream: forward chunks as they come, honouring backpressure, until the client goes away.
  target.writeHead(source.status, headers);
  let releaseDrain: (() => void) | undefined;
  target.on('drain', () => {
    releaseDrain?.();
    releaseDrain = undefined;
  });
  const closed = new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  try {
    for await (const chunk of source.body) {
      if (signal.aborted) break;
      if (!target.write(chunk)) {
        await Promise.race([
          new Promise<void>((resolve) => {
            releaseDrain = resolve;
          }),
          closed,
        ]);
      }
    }
  } catch {
    // The stream failed or the client left: end what was written.
  }
  onEnd();
  target.end();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The JSON-RPC id to echo on an error answer: the body's `id` when it is one request's string or number id. */
function echoableRequestId(body: unknown): string | number | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { method, id } = body as { method?: unknown; id?: unknown };
  if (typeof method !== 'string') return null;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
