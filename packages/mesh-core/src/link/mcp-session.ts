import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import {
  Client,
  type JSONRPCResponse,
  type JsonSchemaValidatorResult,
  type jsonSchemaValidator,
  type LoggingMessageNotificationParams,
  SdkHttpError,
  type ServerCapabilities,
  SSEClientTransport,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { MeshError, markLocalFailure } from '../errors/mesh-error.js';
import type { ClientLogSink } from '../observability/client-logger.js';
import { redactSecretValues } from '../observability/secret-values.js';
import { backoffDelayMs } from '../resilience/backoff.js';
import { UPSTREAM_INPUT_METHODS, type UpstreamInputRequest } from './mcp-held-calls.js';
import { meshErrorFromMcp } from './mcp-link-errors.js';
import type { ResolvedMcpPeerLinkOptions } from './mcp-peer-link-options.js';

// One upstream MCP server's connection: the official client over Streamable HTTP, HTTP+SSE or a supervised child
// process on stdio. It connects on first use, and after the connection is lost (the process exited, a 2025-era
// session is gone) it connects again after a backoff; a stdio process is restarted even without calls. A command
// that cannot be run at all (not found, not executable) is a configuration error, not a failure a backoff cures:
// reported at once, and tried again only when the next call asks for the session.

/** What a request sent inside {@link mcpRequestScope} wants back besides its result. */
export interface McpRequestScope {
  /** Receives the upstream's `notifications/message` sent on this request's response stream. */
  onLog?: ClientLogSink;
}

/**
 * The scope of the request in flight. Streamable HTTP answers each request on its own response (JSON or an SSE
 * stream read inside the request's async context), so a log notification read from it runs in the scope of the
 * request it belongs to. Over stdio and HTTP+SSE every message arrives on one shared stream: no scope, so such
 * records are not handed to any caller (they go to the gateway's log).
 */
export const mcpRequestScope = new AsyncLocalStorage<McpRequestScope>();

/** One connected session with the upstream. */
export interface McpSession {
  readonly client: Client;
  readonly era: 'legacy' | 'modern';
  readonly capabilities: ServerCapabilities;
  /** When it connected, in epoch milliseconds. */
  readonly openedAt: number;
  /** The process id of a stdio upstream. */
  readonly pid: number | undefined;
  /** The Streamable HTTP transport of the session (its session id and negotiated version), if it uses one. */
  readonly http: StreamableHTTPClientTransport | undefined;
}

/** What the session manager reports to the link. */
export interface McpSessionHooks {
  onListChanged(kind: 'tools' | 'prompts' | 'resources'): void;
  onResourceUpdated(uri: string): void;
  onLog(params: LoggingMessageNotificationParams, scope: McpRequestScope | undefined): void;
  /** A session ended without the link closing it (the process exited, the connection or session was lost). */
  onClosed(session: McpSession): void;
  /** A session opened: the first one (`restarted: false`) or one after a restart or reconnect. */
  onOpened(session: McpSession, restarted: boolean): void;
  /**
   * The upstream asked for client input (a 2025-era server-to-client request): resolves the client's answer, or
   * rejects (the upstream then gets an error response).
   */
  onInputRequest(session: McpSession, request: UpstreamInputRequest): Promise<unknown>;
}

/** The connection to one upstream, (re)connecting as needed. */
export interface McpSessionManager {
  /** The open session, connecting (or waiting out a restart backoff within the deadline) first. */
  acquire(options: { signal?: AbortSignal | undefined; deadline: number }): Promise<McpSession>;
  /** Closes a session that can no longer be used (its 2025-era session id is gone); the next call reconnects. */
  discard(session: McpSession): void;
  /** The open session, if any. */
  readonly current: McpSession | undefined;
  /** Keep the connection open without calls (while events are watched). Stdio upstreams always are. */
  keepOpen(on: boolean): void;
  /** Closes the session (a stdio process: stdin closed, then SIGTERM, then SIGKILL) and stops restarting. */
  close(): Promise<void>;
}

/** The client identity the link sends (in `initialize`, or the 2026-07-28 envelope of every request). */
export const CLIENT_INFO = { name: 'kidsstories-mesh-gateway', version: '0.1.0' };
/**
 * The capabilities the link declares: elicitation, sampling and roots, so that a 2025-era upstream may send those
 * requests during a call (passed on to the MCP client, see mcp-held-calls.ts; declared once, at `initialize`). A
 * 2026-07-28 upstream gets them in the envelope of every request the SDK client sends (lists, resources,
 * prompts); a `tools/call` declares instead what its own client can answer (mcp-peer-link.ts).
 */
export const CLIENT_CAPABILITIES = { elicitation: {}, sampling: {}, roots: {} };
/** The longest stderr line logged; the rest of a longer line is cut. */
const MAX_STDERR_LINE_CHARS = 2_000;

/** A validator that accepts everything: results pass through unchanged, and a schema that does not compile costs nothing. */
const passThroughValidator: jsonSchemaValidator = {
  getValidator:
    <T>() =>
    (input: unknown): JsonSchemaValidatorResult<T> => ({
      valid: true,
      data: input as T,
      errorMessage: undefined,
    }),
};

/**
 * The SDK client, handing each response on one microtask later than the SDK does. The SDK dispatches a
 * notification on a microtask but a response at once: a progress notification read in the same chunk as its
 * call's result (stdio, where several lines arrive in one read whenever the event loop is busy) came after the
 * result had retired the call's progress handler, and was dropped as being for an unknown token (see
 * modelcontextprotocol/typescript-sdk#2580). Deferred, the response comes after the notifications read before it,
 * as on the wire.
 */
class WireOrderClient extends Client {
  protected override _onresponse(response: JSONRPCResponse): void {
    queueMicrotask(() => {
      try {
        super._onresponse(response);
      } catch (error) {
        // Thrown synchronously, the transport would have reported it the same way.
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }
}

/** Spawn errors that say the command cannot be run at all: no such file (or `cwd`), or not executable. */
const UNSTARTABLE_CODES = new Set(['ENOENT', 'EACCES']);

/** The spawn error (`ENOENT`, `EACCES`) in `error`'s cause chain, if starting the process failed that way. */
function unstartableCodeOf(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const { code, syscall } = cause as NodeJS.ErrnoException;
    if (typeof code === 'string' && UNSTARTABLE_CODES.has(code) && syscall?.startsWith('spawn')) return code;
    cause = cause.cause;
  }
  return undefined;
}

/** A fetch that fails a response body larger than `maxBytes` (JSON answers and per-request SSE streams). */
function cappedFetch(maxBytes: number, name: string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body || (init?.method ?? 'GET') !== 'POST') return response;
    let seen = 0;
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            controller.error(
              new MeshError(`${name} sent a response over ${maxBytes} bytes`, 'resource_exhausted', {
                details: { origin: name, limit: maxBytes, limitUnit: 'bytes', reason: 'message_too_large' },
              }),
            );
          } else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** Creates the session manager of one upstream. Options must be resolved already. */
export function createMcpSessionManager(
  options: ResolvedMcpPeerLinkOptions,
  hooks: McpSessionHooks,
): McpSessionManager {
  const { name, now, random } = options;
  const logger = options.logger;
  let pending: Promise<McpSession> | undefined;
  let session: McpSession | undefined;
  let opened = 0;
  let failures = 0;
  let retryAt = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let keepOpen = options.kind === 'stdio';
  let closed = false;
  // `auto` settles on one transport at the first success and keeps it.
  let httpProtocol = options.kind === 'http' ? options.protocol : undefined;
  const discarded = new WeakSet<McpSession>();
  const stderrReports: Array<() => void> = [];

  const delayMs = () => Math.round(backoffDelayMs(failures - 1, options.restartBackoff, random));

  const watchStderr = (stream: Readable) => {
    let windowStart = now();
    let logged = 0;
    let dropped = 0;
    let partial = '';
    const report = () => {
      if (dropped > 0) logger.warn('upstream stderr lines dropped (rate cap)', { upstream: name, dropped });
      dropped = 0;
    };
    stderrReports.push(report);
    const emit = (line: string) => {
      const at = now();
      if (at - windowStart >= 60_000) {
        report();
        windowStart = at;
        logged = 0;
      }
      if (logged < options.maxStderrLinesPerMinute) {
        logged += 1;
        logger.warn('upstream stderr', { upstream: name, line: redactSecretValues(line) });
      } else dropped += 1;
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      // A line without an end is cut, so a process writing without newlines cannot grow the buffer.
      if (partial.length > MAX_STDERR_LINE_CHARS) {
        emit(`${partial.slice(0, MAX_STDERR_LINE_CHARS)}…`);
        partial = '';
      }
      for (const line of parts) if (line.trim() !== '') emit(line.slice(0, MAX_STDERR_LINE_CHARS));
    });
    stream.on('error', () => {});
  };

  const transportFor = (protocol: 'streamable-http' | 'sse' | undefined) => {
    if (options.kind === 'stdio') {
      const transport = new StdioClientTransport({
        command: options.command,
        args: options.args,
        env: options.env,
        stderr: 'pipe',
        maxBufferSize: options.maxMessageBytes,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      });
      if (transport.stderr) watchStderr(transport.stderr as Readable);
      return transport;
    }
    const requestInit = { headers: options.headers };
    const fetchCapped = cappedFetch(options.maxMessageBytes, name);
    if (protocol === 'sse') {
      return new SSEClientTransport(options.url, {
        requestInit,
        fetch: fetchCapped,
        eventSourceInit: {
          fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...options.headers } }),
        },
      });
    }
    return new StreamableHTTPClientTransport(options.url, { requestInit, fetch: fetchCapped });
  };

  const connectWith = async (protocol: 'streamable-http' | 'sse' | undefined): Promise<McpSession> => {
    const client = new WireOrderClient(CLIENT_INFO, {
      capabilities: CLIENT_CAPABILITIES,
      versionNegotiation: {
        mode: options.era === 'auto' ? 'auto' : options.era === 'modern' ? { pin: '2026-07-28' } : 'legacy',
      },
      inputRequired: { autoFulfill: false },
      jsonSchemaValidator: passThroughValidator,
    });
    // Cut: the SDK quotes whole messages in some errors (an unknown response id with a 5 MB list).
    client.onerror = (error) =>
      logger.debug('upstream protocol error', {
        upstream: name,
        message: redactSecretValues(String(error).slice(0, 500)),
      });
    client.setNotificationHandler('notifications/tools/list_changed', () => hooks.onListChanged('tools'));
    client.setNotificationHandler('notifications/prompts/list_changed', () => hooks.onListChanged('prompts'));
    client.setNotificationHandler('notifications/resources/list_changed', () =>
      hooks.onListChanged('resources'),
    );
    client.setNotificationHandler('notifications/resources/updated', (notification) =>
      hooks.onResourceUpdated(notification.params.uri),
    );
    client.setNotificationHandler('notifications/message', (notification) =>
      hooks.onLog(notification.params, mcpRequestScope.getStore()),
    );
    // A 2025-era upstream asks for client input with server-to-client requests in the middle of a call: the link
    // relays them to the caller as an `input_required` outcome (mcp-held-calls.ts), or refuses them naming why.
    let ready: McpSession | undefined;
    for (const method of UPSTREAM_INPUT_METHODS) {
      client.setRequestHandler(method, (request, context) =>
        ready
          ? (hooks.onInputRequest(ready, {
              method,
              params: request.params as Record<string, unknown> | undefined,
              id: context.mcpReq.id,
              signal: context.mcpReq.signal,
            }) as never)
          : Promise.reject(new MeshError(`${method} arrived before the session opened`, 'unimplemented')),
      );
    }
    const transport = transportFor(protocol);
    await client.connect(transport, { timeout: options.connectTimeoutMs });
    const era = client.getProtocolEra() ?? 'legacy';
    const fresh: McpSession = {
      client,
      era,
      capabilities: client.getServerCapabilities() ?? {},
      openedAt: now(),
      pid: transport instanceof StdioClientTransport ? (transport.pid ?? undefined) : undefined,
      http: transport instanceof StreamableHTTPClientTransport ? transport : undefined,
    };
    ready = fresh;
    client.onclose = () => onClosed(fresh);
    return fresh;
  };

  const connect = async (): Promise<McpSession> => {
    if (httpProtocol !== 'auto') return connectWith(httpProtocol);
    try {
      const connected = await connectWith('streamable-http');
      httpProtocol = 'streamable-http';
      return connected;
    } catch (error) {
      // A server of the legacy HTTP+SSE transport refuses the POST (404/405) or answers it without JSON-RPC.
      const status = SdkHttpError.isInstance(error) ? error.status : undefined;
      if (status === undefined || status < 400 || status >= 500 || status === 401 || status === 403)
        throw error;
      const connected = await connectWith('sse');
      httpProtocol = 'sse';
      logger.info('upstream speaks HTTP+SSE', { upstream: name });
      return connected;
    }
  };

  const scheduleRestart = () => {
    if (closed || !keepOpen || pending || restartTimer) return;
    restartTimer = setTimeout(
      () => {
        restartTimer = undefined;
        if (!closed && !pending && !session) open().catch(() => {});
      },
      Math.max(0, retryAt - now()),
    );
    restartTimer.unref?.();
  };

  const open = (): Promise<McpSession> => {
    const attempt = connect().then(
      (connected) => {
        if (closed) {
          void connected.client.close().catch(() => {});
          throw markLocalFailure(new MeshError(`the link to ${name} is closed`, 'unavailable'));
        }
        session = connected;
        opened += 1;
        logger.info(opened === 1 ? 'upstream connected' : 'upstream reconnected', {
          upstream: name,
          era: connected.era,
          ...(connected.pid === undefined ? {} : { pid: connected.pid }),
        });
        hooks.onOpened(connected, opened > 1);
        return connected;
      },
      (error: unknown) => {
        pending = undefined;
        const unstartable = options.kind === 'stdio' ? unstartableCodeOf(error) : undefined;
        if (unstartable !== undefined && options.kind === 'stdio') {
          // No restart and no retry (a local failure): the next call tries once more, at once.
          retryAt = now();
          const why =
            unstartable === 'EACCES'
              ? 'is not executable (EACCES)'
              : `was not found (ENOENT${options.cwd === undefined ? '' : ', or its cwd does not exist'})`;
          const message = redactSecretValues(
            `${name} cannot be started: its command "${options.command}" ${why}`,
          );
          logger.error('upstream cannot be started', { upstream: name, code: unstartable, message });
          throw markLocalFailure(
            new MeshError(message, 'unavailable', {
              cause: error,
              details: { origin: name, reason: 'not_startable', spawnError: unstartable },
            }),
          );
        }
        failures += 1;
        retryAt = now() + delayMs();
        const failure = meshErrorFromMcp(error, { origin: name, method: 'connect' });
        const shown = failure.code === 'internal' ? 'unavailable' : failure.code;
        logger.warn('upstream could not be connected', {
          upstream: name,
          code: failure.code,
          message: failure.message,
          retryInMs: retryAt - now(),
        });
        scheduleRestart();
        throw new MeshError(failure.message, shown, {
          cause: failure,
          details: { ...failure.details, origin: name, retryAfterMs: Math.max(0, retryAt - now()) },
        });
      },
    );
    pending = attempt;
    return attempt;
  };

  function onClosed(gone: McpSession) {
    if (session !== gone) return;
    session = undefined;
    pending = undefined;
    if (closed) return;
    hooks.onClosed(gone);
    if (discarded.has(gone)) {
      retryAt = now();
    } else {
      if (now() - gone.openedAt >= options.restartStableMs) failures = 0;
      failures += 1;
      retryAt = now() + delayMs();
      logger.warn(
        options.kind === 'stdio' ? 'upstream process exited; restarting' : 'upstream connection closed',
        {
          upstream: name,
          ...(gone.pid === undefined ? {} : { pid: gone.pid }),
          restartInMs: retryAt - now(),
        },
      );
    }
    scheduleRestart();
  }

  const race = <T>(promise: Promise<T>, signal: AbortSignal | undefined, deadline: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new MeshError(`${name} could not be connected before the deadline`, 'deadline_exceeded', {
              details: { origin: name },
            }),
          ),
        Math.max(0, deadline - now()),
      );
      const onAbort = () => reject(new MeshError(`the call to ${name} was canceled`, 'canceled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
    });

  return {
    get current() {
      return session;
    },
    async acquire({ signal, deadline }) {
      if (closed) {
        throw markLocalFailure(
          new MeshError(`the link to ${name} is closed`, 'unavailable', { details: { origin: name } }),
        );
      }
      if (session) return session;
      if (!pending) {
        const waitMs = retryAt - now();
        if (waitMs > 0) {
          if (now() + waitMs >= deadline) {
            throw new MeshError(`${name} is restarting; next attempt in ${waitMs} ms`, 'unavailable', {
              details: { origin: name, retryAfterMs: waitMs, reason: 'not_processed' },
            });
          }
          await race(new Promise((resolve) => setTimeout(resolve, waitMs)), signal, deadline);
        }
        if (session) return session;
        if (!pending) open().catch(() => {});
      }
      return race(pending as Promise<McpSession>, signal, deadline);
    },
    discard(gone) {
      if (session !== gone) return;
      discarded.add(gone);
      void gone.client.close().catch(() => {});
    },
    keepOpen(on) {
      keepOpen = on || options.kind === 'stdio';
      if (keepOpen && !session && !pending) {
        if (retryAt <= now()) open().catch(() => {});
        else scheduleRestart();
      }
    },
    async close() {
      closed = true;
      if (restartTimer) clearTimeout(restartTimer);
      const open = session ?? (await pending?.catch(() => undefined));
      session = undefined;
      pending = undefined;
      await open?.client.close().catch(() => {});
      for (const report of stderrReports) report();
    },
  };
}
