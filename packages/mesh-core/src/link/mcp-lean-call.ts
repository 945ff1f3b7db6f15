import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  type JSONRPCMessage,
  type LoggingMessageNotificationParams,
  PROTOCOL_VERSION_META_KEY,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
} from '@modelcontextprotocol/client';
import { createParser } from 'eventsource-parser';
import { Agent, type Dispatcher, errors } from 'undici';
import { MeshError } from '../errors/mesh-error.js';
import { copyKeys } from '../mcp/copy-keys.js';
import { exceedsJsonDepth } from '../mcp/json-depth.js';
import { readStreamText } from '../mcp/read-stream-text.js';
import type { Logger } from '../observability/logger.js';
import { backoffCapMs, type ResolvedBackoffOptions } from '../resilience/backoff.js';
import type { ToolProgress } from '../tool/tool-context.js';
import { classifyMessage, decodeToolCallResponse, type LeanMessage } from './mcp-lean-wire.js';

// The lean `tools/call` path of a plain MCP peer over Streamable HTTP (ADR 0012): the request as the official
// client sends it, from a keep-alive pool (undici), and the JSON or SSE answer read here, with the link's size
// bound, a depth bound, its deadline and its cancellation. Everything else of the session stays on the SDK client.

/** The modern era's protocol revision, the only one the lean path speaks in that era. */
export const LEAN_MODERN_REVISION = '2026-07-28';
/** Results nested deeper than this many levels are refused (the gateway's edge could not write them back). */
export const MAX_RESULT_DEPTH = 1_000;
/** Resumptions of an SSE answer the server closed after a priming event (the SDK's `maxRetries`). */
const MAX_RESUMPTIONS = 2;
/** The wait before resuming a stream whose server named no `retry`: 1 s, then 1.5 s (the shared backoff, no jitter). */
const RESUME_BACKOFF: ResolvedBackoffOptions = Object.freeze({
  initialDelayMs: 1_000,
  // Above the last wait (MAX_RESUMPTIONS waits): never reached.
  maxDelayMs: 2_250,
  multiplier: 1.5,
  jitter: 0,
});
/** How long the rest of an answered SSE stream may take to end before it is cut, in milliseconds. */
const DRAIN_MS = 1_000;
/** Ids of lean requests start here, far from the SDK client's own counter on the same session. */
const FIRST_ID = 1_000_000_000;

/** What the lean path needs of the open SDK session. */
export interface LeanSession {
  era: 'legacy' | 'modern';
  /** `MCP-Protocol-Version` of the session (the negotiated 2025 revision, or 2026-07-28). */
  protocolVersion: string;
  /** `Mcp-Session-Id` of a 2025-era session, if the server gave one. */
  sessionId: string | undefined;
  /** Hands a message the lean path does not handle itself (a server request, other notifications) to the SDK client. */
  deliver(message: JSONRPCMessage): void;
  /** Sends `notifications/cancelled` for `requestId` on the session (2025 era). */
  cancel(requestId: number, reason: string): void;
}

/** The `tools/call` params a lean call sends: these keys, no others (`undefined` ones are left out). */
export interface LeanToolCallParams {
  name: string;
  arguments?: unknown;
  /** Without the 2026 envelope. */
  _meta: Record<string, unknown>;
  inputResponses?: unknown;
  requestState?: unknown;
}

/** One lean call: the `tools/call` params as the SDK would send them, and what the caller wants back. */
export interface LeanToolCall {
  /** The call's params: what is sent of them (the 2026 envelope goes into `_meta` on the way). */
  params: LeanToolCallParams;
  /** The deadline relative to now, in milliseconds. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: ToolProgress) => void) | undefined;
  /** Receives the `notifications/message` of this call; without it they go to the SDK client's handler. */
  onLog?: ((params: LoggingMessageNotificationParams) => void) | undefined;
  /**
   * Receives the id of a server request read on this call's answer, before the request goes to the SDK client's
   * handlers (so the link knows which call asked: mcp-held-calls.ts).
   */
  onRequest?: ((id: string | number) => void) | undefined;
}

/** Sends `tools/call` without the SDK client; see {@link createLeanToolCaller}. */
export interface LeanToolCaller {
  /**
   * Resolves the result as the SDK's `callTool` would (an `input_required` result included), or `fallback` when
   * the server refused the request before running it for a reason the SDK path handles. Rejects with the SDK's
   * own error classes (`ProtocolError`, `SdkError`, `SdkHttpError`), network errors or a `MeshError` for the
   * link's limits, so the link converts them at its one boundary.
   */
  call(session: LeanSession, call: LeanToolCall): Promise<Record<string, unknown> | 'fallback'>;
  /** Closes the connection pool; calls in flight fail with `SdkError(ConnectionClosed)` (`unavailable` for the link). */
  close(): Promise<void>;
}

/** Options of {@link createLeanToolCaller}. */
export interface LeanToolCallerOptions {
  /** The link's display name, for errors. */
  name: string;
  url: URL;
  /** The operator's headers, sent with every request under the transport's own. */
  headers: Readonly<Record<string, string>>;
  maxMessageBytes: number;
  clientInfo: { name: string; version: string };
  clientCapabilities: Record<string, unknown>;
  logger: Logger;
}

/**
 * Creates the lean `tools/call` sender of one Streamable HTTP upstream: one keep-alive connection pool (an
 * undici `Agent`: measured at a third to a quarter of `fetch`'s client CPU per call), requests with the headers
 * and body the official client sends (the 2026-07-28 envelope and `Mcp-Method` / `Mcp-Name`, or the 2025
 * session's `Mcp-Session-Id` and negotiated `MCP-Protocol-Version`), answers read as JSON or SSE.
 */
export function createLeanToolCaller(options: LeanToolCallerOptions): LeanToolCaller {
  const { name, url, maxMessageBytes } = options;
  const origin = url.origin;
  const path = `${url.pathname}${url.search}`;
  // Our own deadline bounds every request: no undici timeouts on top of it.
  const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 4_000 });
  const envelope = {
    [PROTOCOL_VERSION_META_KEY]: LEAN_MODERN_REVISION,
    [CLIENT_INFO_META_KEY]: options.clientInfo,
    [CLIENT_CAPABILITIES_META_KEY]: options.clientCapabilities,
  };
  // The operator's headers first, the transport's own over them (as the SDK's transport builds them).
  const userHeaders: Record<string, string> = {};
  let userAccept: string | undefined;
  for (const [key, value] of Object.entries(options.headers)) {
    const lower = key.toLowerCase();
    if (lower === 'accept') userAccept = value;
    else userHeaders[lower] = value;
  }
  const accept = [
    ...new Set([
      ...(userAccept?.split(',').map((type) => type.trim().toLowerCase()) ?? []),
      'application/json',
      'text/event-stream',
    ]),
  ].join(', ');
  let nextId = FIRST_ID;
  /** The calls in flight, each by the function that stops it (`close()` ends them as the SDK client's close does). */
  const inFlight = new Set<(reason: unknown) => void>();

  const tooLarge = () =>
    new MeshError(`${name} sent a response over ${maxMessageBytes} bytes`, 'resource_exhausted', {
      details: { origin: name, limit: maxMessageBytes, limitUnit: 'bytes', reason: 'message_too_large' },
    });

  // Objects a call makes are built key by key: a spread followed by more keys makes V8 build a new hidden class on
  // every call (a microsecond or more each, on a gateway's hot path).
  const headersOf = (session: LeanSession, tool: string | undefined, forPost: boolean) => {
    const headers = copyKeys({}, userHeaders) as Record<string, string>;
    headers.accept = forPost ? accept : 'text/event-stream';
    if (forPost) headers['content-type'] = 'application/json';
    headers['mcp-protocol-version'] = session.protocolVersion;
    if (session.sessionId !== undefined) headers['mcp-session-id'] = session.sessionId;
    if (session.era === 'modern' && tool !== undefined) {
      headers['mcp-method'] = 'tools/call';
      headers['mcp-name'] = tool;
    }
    return headers;
  };

  return {
    async call(session, call) {
      const id = nextId;
      nextId += 1;
      const meta: Record<string, unknown> = {};
      if (session.era === 'modern') {
        meta[PROTOCOL_VERSION_META_KEY] = envelope[PROTOCOL_VERSION_META_KEY];
        meta[CLIENT_INFO_META_KEY] = envelope[CLIENT_INFO_META_KEY];
        meta[CLIENT_CAPABILITIES_META_KEY] = envelope[CLIENT_CAPABILITIES_META_KEY];
      }
      copyKeys(meta, call.params._meta);
      if (call.onProgress) meta.progressToken = id;
      const source = call.params;
      // One literal (JSON leaves out the undefined keys): LeanToolCallParams.
      const params = {
        name: source.name,
        arguments: source.arguments,
        inputResponses: source.inputResponses,
        requestState: source.requestState,
        _meta: meta,
      };
      const body = JSON.stringify({ method: 'tools/call', params, jsonrpc: '2.0', id });

      // One abort switch per call: the deadline, the caller's signal and the end of the call throw it.
      const aborter = createRequestAborter();
      let failure: unknown;
      let settled = false;
      const stop = (reason: unknown) => {
        if (settled) return;
        settled = true;
        failure = reason;
        // 2025 era: tell the server (the SDK's way); both eras: stop reading the answer.
        if (session.era === 'legacy') session.cancel(id, String(reason));
        aborter.abort();
      };
      const timer = setTimeout(
        () =>
          stop(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out', { timeout: call.timeoutMs })),
        call.timeoutMs,
      );
      const onAbort = () => stop(call.signal?.reason);
      call.signal?.addEventListener('abort', onAbort, { once: true });
      inFlight.add(stop);
      if (call.signal?.aborted) onAbort();

      const handle = (message: LeanMessage, resumed: boolean): Record<string, unknown> | undefined => {
        if (message.kind === 'response') {
          // A resumed stream may replay the answer under another id (the SDK rewrites it to the request's).
          if (message.id === id || resumed) return message.message;
          options.logger.debug('lean tools/call: a response for another request was skipped', {
            upstream: name,
          });
          return undefined;
        }
        if (message.kind === 'notification') {
          const params = message.params;
          if (message.method === 'notifications/progress' && params?.progressToken === id) {
            if (call.onProgress && typeof params.progress === 'number') {
              call.onProgress({
                progress: params.progress,
                ...(typeof params.total === 'number' ? { total: params.total } : {}),
                ...(typeof params.message === 'string' ? { message: params.message } : {}),
              });
            }
            return undefined;
          }
          if (message.method === 'notifications/message' && call.onLog && isLogParams(params)) {
            call.onLog(params);
            return undefined;
          }
        }
        if (message.kind === 'invalid') {
          options.logger.debug('lean tools/call: an invalid message was skipped', {
            upstream: name,
            problem: message.problem,
          });
          return undefined;
        }
        if (message.kind === 'request' && call.onRequest) {
          const requestId = (message.message as { id?: unknown }).id;
          if (typeof requestId === 'string' || typeof requestId === 'number') call.onRequest(requestId);
        }
        // A server request (answered by the SDK client's handlers) or another notification: the SDK's business.
        session.deliver(message.message as JSONRPCMessage);
        return undefined;
      };

      const exchange = async (): Promise<Record<string, unknown> | 'fallback'> => {
        let response: LeanResponse = await send(
          dispatcher,
          {
            origin,
            path,
            method: 'POST',
            headers: headersOf(session, call.params.name, true),
            body,
          },
          aborter,
          maxMessageBytes,
          tooLarge,
        );
        const status = response.statusCode;
        if (status >= 300 && status < 400) {
          // A redirect: the SDK path follows it within the origin, as it is configured to.
          release(response);
          return 'fallback';
        }
        if (status < 200 || status >= 300) {
          const text = response.text ?? (await readText(response.body!, maxMessageBytes).catch(() => null));
          if (status === 400 && text !== null && session.era === 'modern') {
            // A 2026-07-28 server answers a refused request with its JSON-RPC error in a 400 (the SDK reads it).
            const answer = parseAnswer(text, id);
            if (answer !== undefined) return outcomeOf(answer, session.era);
          }
          throw new SdkHttpError(
            SdkErrorCode.ClientHttpNotImplemented,
            `Error POSTing to endpoint: ${text}`,
            {
              status,
              statusText: '',
              text,
            },
          );
        }
        const type = mediaType(response.headers['content-type']);
        if (type === 'application/json') {
          const text =
            response.text ??
            (await readText(decoded(response), maxMessageBytes).catch((error: unknown) => {
              throw failure ?? error;
            }));
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch (error) {
            throw malformed(`its JSON answer does not parse (${(error as Error).message.slice(0, 200)})`);
          }
          checkDepth(parsed);
          for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
            const answer = handle(classifyMessage(item), false);
            if (answer !== undefined) return outcomeOf(answer, session.era);
          }
          throw malformed('its JSON answer holds no response to the request');
        }
        if (type !== 'text/event-stream') {
          release(response);
          throw new SdkError(
            SdkErrorCode.ClientHttpUnexpectedContent,
            `Unexpected content type: ${String(response.headers['content-type'])}`,
          );
        }
        // SSE: read events until the response; a stream the server closed after a priming event id is resumed
        // with `Last-Event-ID` (SEP-1699), as the SDK's transport does.
        let resumed = false;
        for (let attempt = 0; ; attempt += 1) {
          const read = await readEvents(decoded(response), maxMessageBytes, (data) => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(data);
            } catch {
              return handle({ kind: 'invalid', problem: 'an SSE event is not JSON' }, resumed);
            }
            checkDepth(parsed);
            return handle(classifyMessage(parsed), resumed);
          }).catch((error: unknown) => {
            throw failure ?? error;
          });
          if (read.answer !== undefined) return outcomeOf(read.answer, session.era);
          if (read.lastEventId === undefined || attempt >= MAX_RESUMPTIONS) {
            throw new SdkError(
              SdkErrorCode.ConnectionClosed,
              'the response stream ended before the result arrived',
            );
          }
          await delay(read.retryMs ?? backoffCapMs(attempt, RESUME_BACKOFF), aborter, () => failure);
          resumed = true;
          const resumeHeaders = headersOf(session, undefined, false);
          resumeHeaders['last-event-id'] = read.lastEventId;
          response = await send(
            dispatcher,
            { origin, path, method: 'GET', headers: resumeHeaders },
            aborter,
            maxMessageBytes,
            tooLarge,
          );
          if (
            response.statusCode !== 200 ||
            mediaType(response.headers['content-type']) !== 'text/event-stream'
          ) {
            release(response);
            throw new SdkHttpError(
              SdkErrorCode.ClientHttpFailedToOpenStream,
              `Failed to open SSE stream: HTTP ${response.statusCode}`,
              { status: response.statusCode, statusText: '' },
            );
          }
        }
      };
      let answered = false;
      try {
        const outcome = await exchange();
        answered = true;
        return outcome;
      } catch (error) {
        throw failure ?? error;
      } finally {
        settled = true;
        inFlight.delete(stop);
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        // A failed call ends its request (the connection with it); an answered one leaves it to finish.
        if (!answered) aborter.abort();
      }
    },
    async close() {
      const closed = new SdkError(SdkErrorCode.ConnectionClosed, 'the link was closed');
      for (const stop of [...inFlight]) stop(closed);
      await dispatcher.destroy().catch(() => {});
    },
  };

  function outcomeOf(answer: Record<string, unknown>, era: 'legacy' | 'modern') {
    const outcome = decodeToolCallResponse(answer, era);
    if (outcome.kind === 'error') throw outcome.error;
    return outcome.kind === 'fallback' ? 'fallback' : outcome.value;
  }

  function checkDepth(parsed: unknown) {
    if (exceedsJsonDepth(parsed, MAX_RESULT_DEPTH)) {
      throw new MeshError(
        `${name} answered tools/call with JSON nested deeper than ${MAX_RESULT_DEPTH} levels`,
        'resource_exhausted',
        {
          details: { origin: name, limit: MAX_RESULT_DEPTH, limitUnit: 'levels', reason: 'message_too_deep' },
        },
      );
    }
  }

  function malformed(problem: string) {
    return new MeshError(`${name} answered tools/call with a malformed response: ${problem}`, 'internal', {
      details: { origin: name, reason: 'malformed_response' },
    });
  }

  /**
   * The response body as a stream, decompressed when the server compressed it anyway (no `Accept-Encoding` is
   * sent). Only for a response read as a stream (`body` set, `text` not).
   */
  function decoded(response: LeanResponse): Readable {
    const body = response.body!;
    const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding === 'identity') return body;
    const inflate =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? createGunzip()
        : encoding === 'deflate'
          ? createInflate()
          : encoding === 'br'
            ? createBrotliDecompress()
            : undefined;
    if (!inflate) {
      drain(body);
      throw malformed(`unsupported content-encoding ${encoding.slice(0, 40)}`);
    }
    return pipeline(body, inflate, () => {});
  }

  /** Reads a whole body as UTF-8 text, failing `resource_exhausted` past `limit` bytes. */
  function readText(stream: Readable, limit: number): Promise<string> {
    return readStreamText(stream, limit, tooLarge);
  }

  /**
   * Reads SSE `message` events (one event at most `limit` characters) until `onData` returns the answer or the
   * stream ends; reports the last event id and the server's `retry` for a resumption.
   */
  async function readEvents(
    stream: Readable,
    limit: number,
    onData: (data: string) => Record<string, unknown> | undefined,
  ): Promise<{ answer?: Record<string, unknown>; lastEventId?: string; retryMs?: number }> {
    const state: { answer?: Record<string, unknown>; lastEventId?: string; retryMs?: number } = {};
    let error: unknown;
    const parser = createParser({
      maxBufferSize: limit,
      onEvent(event) {
        if (event.id) state.lastEventId = event.id;
        if (state.answer !== undefined || !event.data) return;
        if (event.event !== undefined && event.event !== 'message') return;
        try {
          const answer = onData(event.data);
          if (answer !== undefined) state.answer = answer;
        } catch (thrown) {
          error ??= thrown;
        }
      },
      onRetry(retryMs) {
        state.retryMs = retryMs;
      },
      onError(parseError) {
        if (parseError.type === 'max-buffer-size-exceeded') error ??= tooLarge();
      },
    });
    const decoder = new StringDecoder('utf8');
    await new Promise<void>((resolve, reject) => {
      const finish = () => {
        stream.off('data', onChunk);
        stream.off('end', finish);
        stream.off('error', reject);
        resolve();
      };
      const onChunk = (chunk: Buffer) => {
        parser.feed(decoder.write(chunk));
        if (error === undefined && state.answer === undefined) return;
        finish();
        if (error !== undefined) discard(stream);
        else drain(stream);
      };
      stream.on('data', onChunk);
      stream.once('end', finish);
      stream.once('error', reject);
    });
    if (error !== undefined) throw error;
    return state;
  }
}

/** Drops a body the call no longer reads (an error it emits then has nowhere else to go). */
function discard(stream: Readable): void {
  stream.on('error', () => {});
  stream.destroy();
}

/**
 * Lets an SSE answer's stream end on its own after the response (the server closes it), so its connection goes
 * back to the pool; a stream still open after {@link DRAIN_MS} is cut.
 */
function drain(stream: Readable): void {
  const timer = setTimeout(() => discard(stream), DRAIN_MS);
  timer.unref?.();
  stream.once('close', () => clearTimeout(timer));
  stream.on('error', () => {});
  stream.resume();
}

/** The JSON-RPC error answer to request `id` in a 400 body, if it is one. */
function parseAnswer(text: string, id: number): Record<string, unknown> | undefined {
  try {
    const message = classifyMessage(JSON.parse(text));
    return message.kind === 'response' && message.id === id && 'error' in message.message
      ? message.message
      : undefined;
  } catch {
    return undefined;
  }
}

function mediaType(header: string | string[] | undefined): string {
  // The commonest answers, as they come.
  if (header === 'application/json' || header === 'text/event-stream') return header;
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

function isLogParams(
  params: Record<string, unknown> | undefined,
): params is LoggingMessageNotificationParams {
  return params !== undefined && typeof params.level === 'string';
}

function delay(ms: number, aborter: RequestAborter, reason: () => unknown): Promise<void> {
  if (aborter.aborted) return Promise.reject(reason());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(reason());
    };
    const timer = setTimeout(() => {
      aborter.off('abort', onAbort);
      resolve();
    }, ms);
    aborter.once('abort', onAbort);
  });
}

/**
 * What a lean request is aborted with: an `EventEmitter` whose `abort` event {@link send} turns into aborting the
 * undici request, with an `aborted` flag read first. Not an `AbortController`: an `EventTarget` and its listener
 * bookkeeping cost more than the emitter on every call of a gateway's hot path, and the reason is the call's own
 * (`failure`), not the signal's.
 */
interface RequestAborter extends EventEmitter {
  aborted: boolean;
  /** Aborts the request (once). */
  abort(): void;
}

function createRequestAborter(): RequestAborter {
  const aborter = new EventEmitter() as RequestAborter;
  aborter.aborted = false;
  aborter.abort = () => {
    if (aborter.aborted) return;
    aborter.aborted = true;
    aborter.emit('abort');
  };
  return aborter;
}

/**
 * A response of the lean path: a JSON answer (identity encoding) already read whole as `text`, anything else (SSE,
 * a compressed or other body) as a `body` stream.
 */
interface LeanResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The whole body, read within the limit: a JSON answer the server sent uncompressed. */
  text?: string | undefined;
  /** The body as a stream, for every other answer. */
  body?: Readable | undefined;
}

/** Lets the rest of a response's body go (see {@link drain}); a response read whole has none left. */
function release(response: LeanResponse): void {
  if (response.body) drain(response.body);
}

/**
 * Sends one request of the lean path (the `tools/call` POST, an SSE resumption's GET) through undici's handler API
 * (`Dispatcher.dispatch`) rather than `request()`: a successful JSON answer (2xx, uncompressed) is collected chunk by
 * chunk into `text`, its bytes bounded by `limit` (`tooLarge` past it), without the body stream, promise wrapper and
 * listeners `request()` makes for every answer; any other answer (SSE, compressed, an error status) is handed on as
 * a stream with backpressure, as `request()` would. `aborter` aborts the request at any point, and so does
 * destroying the stream.
 */
function send(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  aborter: RequestAborter,
  limit: number,
  tooLarge: () => Error,
): Promise<LeanResponse> {
  if (aborter.aborted) return Promise.reject(new errors.RequestAbortedError());
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let response: LeanResponse | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let stream: Readable | undefined;
    let resolved = false;
    let ended = false;
    const onAbort = () => controller?.abort(new errors.RequestAbortedError());
    aborter.once('abort', onAbort);
    dispatcher.dispatch(options, {
      onRequestStart(started) {
        controller = started;
        if (aborter.aborted) started.abort(new errors.RequestAbortedError());
      },
      onResponseStart(started, statusCode, headers) {
        // A 1xx informational answer is followed by the real one.
        if (statusCode < 200) return;
        response = { statusCode, headers };
        if (
          statusCode < 300 &&
          headers['content-encoding'] === undefined &&
          mediaType(headers['content-type']) === 'application/json'
        ) {
          chunks = [];
          return;
        }
        stream = new Readable({
          read: () => started.resume(),
          destroy: (error, callback) => {
            // The reader let the body go before its end: end the request (and its connection), as `request()` does.
            if (!ended) started.abort(error ?? new errors.RequestAbortedError());
            callback(error);
          },
        });
        response.body = stream;
        resolved = true;
        resolve(response);
      },
      onResponseData(started, chunk) {
        if (chunks === undefined) {
          if (stream && !stream.push(chunk)) started.pause();
          return;
        }
        size += chunk.length;
        if (size > limit) started.abort(tooLarge());
        else chunks.push(chunk);
      },
      onResponseEnd() {
        ended = true;
        aborter.off('abort', onAbort);
        if (chunks === undefined) {
          stream?.push(null);
          return;
        }
        response!.text =
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
        resolved = true;
        resolve(response!);
      },
      onResponseError(_started, error) {
        ended = true;
        aborter.off('abort', onAbort);
        if (resolved) stream?.destroy(error);
        else reject(error);
      },
    });
  });
}
