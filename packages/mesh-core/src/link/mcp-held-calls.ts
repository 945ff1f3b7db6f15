import { randomBytes } from 'node:crypto';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import type { InputRequests } from '@modelcontextprotocol/server';
import { MeshError, markLocalFailure } from '../errors/mesh-error.js';
import type { ClientLogSink } from '../observability/client-logger.js';
import type { Logger } from '../observability/logger.js';
import { MAX_TIMER_MS } from '../resilience/backoff.js';
import type { ClientInputCapabilities, ToolProgress } from '../tool/tool-context.js';

// A 2025-era upstream asks its client for input in the middle of a `tools/call` with server-to-client requests
// (`elicitation/create`, `sampling/createMessage`, `roots/list`) and waits for the answers before it finishes the
// call. The gateway's callers speak MCP's multi-round-trip outcome instead (`input_required`, then a retry with
// `inputResponses` and `requestState`). This module bridges the two: the upstream call stays open ("held") while
// its requests travel to the client as an `input_required` outcome whose `requestState` is a random token; the
// retry carrying that token answers the held requests and waits for the upstream again (ADR 0013).

/** The server-to-client requests a 2025-era upstream may send during a call, relayed as input requests. */
export const UPSTREAM_INPUT_METHODS = ['elicitation/create', 'sampling/createMessage', 'roots/list'] as const;

/** One of {@link UPSTREAM_INPUT_METHODS}. */
export type UpstreamInputMethod = (typeof UPSTREAM_INPUT_METHODS)[number];

/** The client capability each upstream input request needs. */
const CAPABILITY_OF: Readonly<Record<UpstreamInputMethod, keyof ClientInputCapabilities>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/** A server-to-client request for input that an upstream sent, as the SDK client's request handler sees it. */
export interface UpstreamInputRequest {
  method: UpstreamInputMethod;
  params: Record<string, unknown> | undefined;
  /** The JSON-RPC id the upstream gave it. */
  id: string | number;
  /** Aborted when the upstream cancels the request or the session closes. */
  signal: AbortSignal;
}

/** Every held-call token starts with this, so a gateway tells it from an upstream's own `requestState`. */
export const HELD_CALL_TOKEN_PREFIX = 'mcp-held.';

/** Requests one call may have waiting for the client at once; more are refused (a flooding upstream). */
const MAX_ASKED_PER_CALL = 16;
/** Server request ids remembered per call (those that arrived on the call's own answer stream). */
const MAX_OWN_REQUEST_IDS = 64;

/** True when `requestState` is a held-call token of some MCP peer link (not an upstream's own state). */
export function isHeldCallToken(requestState: unknown): requestState is string {
  return typeof requestState === 'string' && requestState.startsWith(HELD_CALL_TOKEN_PREFIX);
}

/**
 * The failure of a retry whose held-call token names no call held here: it expired, was answered already, or was
 * held by another gateway process (held calls live in one process). A local failure: never retried, never counted
 * against the peer's breaker.
 */
export function heldCallNotFound(origin: string, tool: string): MeshError {
  return markLocalFailure(
    new MeshError(
      `no held call of ${origin} for tool "${tool}" matches this requestState: it expired, was answered already, or is held by another gateway process; call the tool again`,
      'failed_precondition',
      { details: { origin, tool, reason: 'held_call_not_found' } },
    ),
  );
}

/** A request of the upstream waiting for the client's answer. */
interface AskedInput {
  key: string;
  method: UpstreamInputMethod;
  params: Record<string, unknown> | undefined;
  answer(result: unknown): void;
  refuse(error: Error): void;
}

/** Where a call's progress and log records go: the leg (the client's call) running now. */
export interface UpstreamCallSinks {
  onProgress?: ((progress: ToolProgress) => void) | undefined;
  onLog?: ClientLogSink | undefined;
}

/** One `tools/call` in flight to a 2025-era upstream. */
interface UpstreamCall {
  readonly tool: string;
  readonly principal: string | undefined;
  readonly session: object;
  /** Whether the caller can relay input requests (`callToolOutcome`); `callTool` cannot. */
  readonly relay: boolean;
  /** What the caller's MCP client can answer; `undefined` when not known (every request is relayed). */
  readonly clientCapabilities: ClientInputCapabilities | undefined;
  /** Ids of server requests read on the call's own answer stream (the lean path reads it). */
  readonly ownRequestIds: Set<string | number>;
  readonly controller: AbortController;
  /** Requests not yet handed to the client. */
  readonly asked: AskedInput[];
  /** Requests handed to the client in the current round. */
  outstanding: AskedInput[];
  settled: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  /** Wakes the leg waiting for the call. */
  wake: (() => void) | undefined;
  rounds: number;
  /** The sinks of the leg running now (progress and log records of the upstream go there). */
  sinks: UpstreamCallSinks;
}

/** One round of a call as the caller sees it: its cancellation and deadline. */
export interface CallLeg {
  signal?: AbortSignal | undefined;
  /** The leg's deadline relative to now, in milliseconds. */
  timeoutMs: number;
  sinks: UpstreamCallSinks;
}

/** What starting an upstream call needs. */
export interface UpstreamCallStart {
  session: object;
  tool: string;
  principal: string | undefined;
  relay: boolean;
  /**
   * What the caller's MCP client declared it can answer (`InboundCall.clientCapabilities`): an upstream request
   * needing another capability is answered "method not found" by the link, as that client would, instead of
   * being relayed to a client that cannot take it. `undefined` when not known: every request is relayed.
   */
  clientCapabilities?: ClientInputCapabilities | undefined;
  /**
   * Sends the request, aborted by `signal` (cancellation, expiry, a leg's deadline); `hooks.onRequest` receives
   * the id of a server request read on the call's own answer stream (the lean path), `hooks.sinks()` the current
   * leg's sinks.
   */
  run(
    signal: AbortSignal,
    hooks: { onRequest(id: string | number): void; sinks(): UpstreamCallSinks },
  ): Promise<unknown>;
}

/** Options of {@link createHeldCalls}. */
export interface HeldCallsOptions {
  /** The link's display name, for errors. */
  name: string;
  /** How long a held call waits for the client's retry, in milliseconds. */
  heldCallTimeoutMs: number;
  /** Most calls held at once. */
  maxHeldCalls: number;
  logger: Logger;
}

/** The held calls of one MCP peer link (see the module comment). */
export interface HeldCalls {
  /**
   * Starts an upstream call and waits for its first leg: resolves the upstream's result, or an `input_required`
   * outcome when the upstream asked for input. Rejects with what the upstream request rejected with, `leg.signal`'s
   * reason, or an `SdkError`-like timeout at the leg's deadline (each also cancels the upstream call).
   */
  start(spec: UpstreamCallStart, leg: CallLeg): Promise<unknown>;
  /** True when `token` names a call held here. */
  owns(token: string): boolean;
  /**
   * Answers the held call named by `token` with `inputResponses` and waits for its next leg, as `start` does.
   *
   * @throws MeshError `failed_precondition` when no call is held under `token` (`held_call_not_found`) or it
   *   belongs to another tool or principal (`held_call_mismatch`).
   */
  resume(
    token: string,
    call: {
      tool: string;
      principal: string | undefined;
      inputResponses: Record<string, unknown> | undefined;
    },
    leg: CallLeg,
  ): Promise<unknown>;
  /**
   * A server request for client input arrived on `session`: resolves the client's answer once a retry brings it.
   * Rejects (the SDK then answers the upstream with an error) when no relayable call can own it.
   */
  onServerRequest(session: object, request: UpstreamInputRequest): Promise<unknown>;
  /** Counts another request (not `tools/call`) in flight on `session` (+1) or its end (-1). */
  noteOtherRequest(session: object, delta: 1 | -1): void;
  /** Calls held now. */
  readonly size: number;
  /** Refuses every held request and cancels every call. */
  close(): void;
}

/** The error a leg's deadline ends it with (converted to `deadline_exceeded` at the link's boundary). */
export class LegTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Creates the held calls of one link. */
export function createHeldCalls(options: HeldCallsOptions): HeldCalls {
  const { name, logger } = options;
  /** Unsettled calls by session. */
  const bySession = new Map<object, Set<UpstreamCall>>();
  /** Held calls by token, each with its expiry timer. */
  const held = new Map<string, { call: UpstreamCall; timer: ReturnType<typeof setTimeout> }>();
  const others = new Map<object, number>();

  const refuseAll = (call: UpstreamCall, error: Error) => {
    for (const asked of [...call.outstanding, ...call.asked.splice(0)]) asked.refuse(error);
    call.outstanding = [];
  };

  const settle = (call: UpstreamCall, outcome: NonNullable<UpstreamCall['settled']>) => {
    if (call.settled) return;
    call.settled = outcome;
    const calls = bySession.get(call.session);
    calls?.delete(call);
    if (calls?.size === 0) bySession.delete(call.session);
    refuseAll(
      call,
      new MeshError(`the call of tool "${call.tool}" ended before the client answered`, 'canceled'),
    );
    call.wake?.();
  };

  const cancel = (call: UpstreamCall, reason: unknown) => {
    refuseAll(call, new MeshError(`the call of tool "${call.tool}" was canceled`, 'canceled'));
    if (!call.controller.signal.aborted) call.controller.abort(reason);
  };

  /** Holds `call` with the requests it asked: the `input_required` outcome for the caller. */
  const hold = (call: UpstreamCall) => {
    if (held.size >= options.maxHeldCalls) {
      const error = markLocalFailure(
        new MeshError(
          `${name} asked for client input but ${options.maxHeldCalls} calls are held already (maxHeldCalls)`,
          'resource_exhausted',
          {
            details: {
              origin: name,
              tool: call.tool,
              limit: options.maxHeldCalls,
              limitUnit: 'held calls',
              reason: 'too_many_held_calls',
            },
          },
        ),
      );
      cancel(call, error);
      throw error;
    }
    call.outstanding = call.asked.splice(0);
    const token = `${HELD_CALL_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const timer = setTimeout(
      () => {
        if (held.get(token)?.call !== call) return;
        held.delete(token);
        logger.info('held upstream call expired', { upstream: name, tool: call.tool });
        const error = new MeshError(
          `the client did not answer within ${options.heldCallTimeoutMs} ms (heldCallTimeoutMs)`,
          'deadline_exceeded',
        );
        refuseAll(call, error);
        cancel(call, error);
      },
      Math.min(options.heldCallTimeoutMs, MAX_TIMER_MS),
    );
    timer.unref?.();
    held.set(token, { call, timer });
    const inputRequests: Record<string, unknown> = {};
    for (const asked of call.outstanding) {
      inputRequests[asked.key] = {
        method: asked.method,
        ...(asked.params === undefined ? {} : { params: asked.params }),
      };
    }
    return {
      resultType: 'input_required' as const,
      inputRequests: inputRequests as InputRequests,
      requestState: token,
    };
  };

  /** Waits for the call's next event within one leg. */
  const waitLeg = (call: UpstreamCall, leg: CallLeg): Promise<unknown> => {
    call.sinks = leg.sinks;
    return new Promise<unknown>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        call.wake = undefined;
        clearTimeout(timer);
        leg.signal?.removeEventListener('abort', onAbort);
      };
      /** Ends the leg when the call settled or asked for input; false while there is nothing yet. */
      const check = (): boolean => {
        if (call.settled) {
          done();
          if (call.settled.ok) resolve(call.settled.value);
          else reject(call.settled.error);
          return true;
        }
        if (call.asked.length === 0) return false;
        done();
        try {
          resolve(hold(call));
        } catch (error) {
          reject(error);
        }
        return true;
      };
      const onAbort = () => {
        done();
        cancel(call, leg.signal?.reason);
        reject(leg.signal?.reason);
      };
      if (check()) return;
      call.wake = () => void check();
      timer = setTimeout(
        () => {
          done();
          const error = new LegTimeoutError(`tools/call on ${name} was cut off by its deadline`);
          cancel(call, error);
          reject(error);
        },
        Math.min(Math.max(1, leg.timeoutMs), MAX_TIMER_MS),
      );
      leg.signal?.addEventListener('abort', onAbort, { once: true });
      if (leg.signal?.aborted) onAbort();
    });
  };

  /**
   * The call a server request on `session` belongs to, or the reason none can own it. A request read on a call's
   * own answer stream (the lean path) is that call's. Any other (over stdio and HTTP+SSE every message shares one
   * stream; the SDK client reads Streamable HTTP answers without telling which request a message came with; and a
   * server may send its request on the session's standalone stream) belongs to the only request in flight on the
   * session, if there is exactly one: with more, it cannot be told which, and it is refused.
   */
  const ownerOf = (session: object, id: string | number): UpstreamCall | string => {
    const calls = bySession.get(session);
    if (calls) {
      for (const call of calls) if (call.ownRequestIds.delete(id)) return call;
    }
    const busy = (calls?.size ?? 0) + (others.get(session) ?? 0);
    if (busy === 0) return 'it arrived outside any tools/call';
    const [only] = calls ?? [];
    if (busy === 1 && only) return only;
    return `it cannot be told which of the ${busy} requests in flight on the session it belongs to`;
  };

  return {
    get size() {
      return held.size;
    },

    start(spec, leg) {
      const call: UpstreamCall = {
        tool: spec.tool,
        principal: spec.principal,
        session: spec.session,
        relay: spec.relay,
        clientCapabilities: spec.clientCapabilities,
        ownRequestIds: new Set(),
        controller: new AbortController(),
        asked: [],
        outstanding: [],
        settled: undefined,
        wake: undefined,
        rounds: 0,
        sinks: leg.sinks,
      };
      let calls = bySession.get(spec.session);
      if (!calls) {
        calls = new Set();
        bySession.set(spec.session, calls);
      }
      calls.add(call);
      let running: Promise<unknown>;
      try {
        running = spec.run(call.controller.signal, {
          onRequest(id) {
            if (call.ownRequestIds.size < MAX_OWN_REQUEST_IDS) call.ownRequestIds.add(id);
          },
          sinks: () => call.sinks,
        });
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(
        (value) => settle(call, { ok: true, value }),
        (error: unknown) => settle(call, { ok: false, error }),
      );
      return waitLeg(call, leg);
    },

    owns: (token) => held.has(token),

    resume(token, request, leg) {
      const entry = held.get(token);
      if (!entry) throw heldCallNotFound(name, request.tool);
      const { call, timer } = entry;
      if (call.tool !== request.tool || call.principal !== request.principal) {
        throw markLocalFailure(
          new MeshError(
            `this requestState names a call held by ${name} for another ${call.tool !== request.tool ? 'tool' : 'principal'}`,
            'failed_precondition',
            { details: { origin: name, tool: request.tool, reason: 'held_call_mismatch' } },
          ),
        );
      }
      held.delete(token);
      clearTimeout(timer);
      for (const asked of call.outstanding) {
        const response = request.inputResponses?.[asked.key];
        if (response === undefined) {
          asked.refuse(
            new MeshError(`the client gave no answer to ${asked.method} (${asked.key})`, 'invalid_argument'),
          );
        } else asked.answer(response);
      }
      call.outstanding = [];
      return waitLeg(call, leg);
    },

    onServerRequest(session, request) {
      const owner = ownerOf(session, request.id);
      if (typeof owner === 'string') {
        return Promise.reject(
          new MeshError(`the gateway cannot relay ${request.method} from ${name}: ${owner}`, 'unimplemented'),
        );
      }
      if (owner.settled) {
        return Promise.reject(
          new MeshError(`the call of tool "${owner.tool}" on ${name} has ended`, 'failed_precondition'),
        );
      }
      if (!owner.relay) {
        return Promise.reject(
          new MeshError(
            `the gateway cannot relay ${request.method} from ${name}: the caller of tool "${owner.tool}" cannot pass input requests on`,
            'failed_precondition',
          ),
        );
      }
      const needed = CAPABILITY_OF[request.method];
      if (owner.clientCapabilities !== undefined && owner.clientCapabilities[needed] === undefined) {
        // The client could not answer it (its SDK would refuse the whole outcome): answer the upstream as such a
        // client does, and let the call go on.
        logger.debug('upstream input request answered "method not found": the client did not declare it', {
          upstream: name,
          tool: owner.tool,
          method: request.method,
        });
        return Promise.reject(
          new ProtocolError(
            ProtocolErrorCode.MethodNotFound,
            `${request.method} is not supported: the client of tool "${owner.tool}" did not declare ${needed}`,
          ),
        );
      }
      if (owner.asked.length >= MAX_ASKED_PER_CALL) {
        return Promise.reject(
          new MeshError(
            `the gateway relays at most ${MAX_ASKED_PER_CALL} input requests of one call at once`,
            'resource_exhausted',
          ),
        );
      }
      return new Promise<unknown>((resolve, reject) => {
        owner.rounds += 1;
        const asked: AskedInput = {
          key: `upstream-${owner.rounds}`,
          method: request.method,
          params: request.params,
          answer: resolve,
          refuse: reject,
        };
        owner.asked.push(asked);
        // The upstream gave up on its request (`notifications/cancelled`): nothing to ask any more.
        request.signal.addEventListener(
          'abort',
          () => {
            const at = owner.asked.indexOf(asked);
            if (at >= 0) owner.asked.splice(at, 1);
            reject(request.signal.reason);
          },
          { once: true },
        );
        owner.wake?.();
      });
    },

    noteOtherRequest(session, delta) {
      const count = (others.get(session) ?? 0) + delta;
      if (count <= 0) others.delete(session);
      else others.set(session, count);
    },

    close() {
      for (const [token, { call, timer }] of held) {
        clearTimeout(timer);
        held.delete(token);
        cancel(call, new MeshError(`the link to ${name} is closed`, 'unavailable'));
      }
      for (const calls of bySession.values()) {
        for (const call of calls)
          refuseAll(call, new MeshError(`the link to ${name} is closed`, 'unavailable'));
      }
    },
  };
}
