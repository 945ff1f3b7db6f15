import { type CallMetadata, deriveOutboundMetadata, pickCallMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';
import type { InboundCall } from '../host/tool-host.js';
import type { LinkCallOptions, MeshCaller } from '../link/peer-link-types.js';
import { createClientLogger } from '../observability/client-logger.js';
import type { Logger } from '../observability/logger.js';
import type { CostLedger } from '../ports/cost-ledger.js';
import type { DistributedLock } from '../ports/distributed-lock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { StateStore } from '../ports/state-store.js';
import type { MeshCallOptions, MeshClient, ToolContext } from '../tool/tool-context.js';

/** The ports a tool handler reaches through its context. */
export interface ToolPorts {
  /** Shared state. */
  state: StateStore;
  /** The distributed lock. */
  lock: DistributedLock;
  /** Events between nodes. */
  events: EventBus;
  /** The cost ledger. */
  ledger: CostLedger;
}

/** A mesh that rejects every call: the default when a node is not linked to any peer. */
export const unconfiguredMeshClient: MeshCaller = {
  callTool: () => Promise.reject(new MeshError('no mesh client configured', 'failed_precondition')),
  listTools: () => Promise.reject(new MeshError('no mesh client configured', 'failed_precondition')),
};

/**
 * What an outbound call inherits from the inbound call that makes it: its {@link CallMetadata} (outbound calls
 * carry `deriveOutboundMetadata` of it: `hop + 1`, the same deadline, correlation id, trace context and budget id)
 * and its cancellation.
 */
export interface OutboundCallScope extends CallMetadata {
  /** Aborts the outbound call with the inbound one. */
  signal: AbortSignal;
  /** Clock. Default `Date.now`. */
  now?: () => number;
}

/**
 * Wraps `mesh` so that every call carries `deriveOutboundMetadata(scope)` as {@link LinkCallOptions.metadata}
 * (its deadline the earlier of the scope's and the call's own `timeoutMs`, also handed on as `timeoutMs`) and the
 * scope's cancellation. `mesh.callTool` resolves final results only: a tool-to-tool call has no client to ask, so
 * a tool asking for input fails `failed_precondition`.
 *
 * @throws MeshError `deadline_exceeded` (as a rejection) for a call made after the scope's deadline passed.
 * @example
 * ```ts
 * const mesh = createOutboundMeshClient(gatewayLink, { signal, correlationId: 'c-1', hop: 0 });
 * await mesh.callTool('count_words', { text }, { timeoutMs: 2_000 });
 * ```
 */
export function createOutboundMeshClient(mesh: MeshCaller, scope: OutboundCallScope): MeshClient {
  const now = scope.now ?? Date.now;
  const inherited = deriveOutboundMetadata(scope);
  return {
    callTool(name, args, options: MeshCallOptions = {}) {
      const at = now();
      const remainingMs = scope.deadline === undefined ? undefined : scope.deadline - at;
      if (remainingMs !== undefined && remainingMs <= 0) {
        return Promise.reject(
          new MeshError(`deadline exceeded before calling "${name}"`, 'deadline_exceeded', {
            details: { tool: name },
          }),
        );
      }
      const bounds = [remainingMs, options.timeoutMs].filter((value): value is number => value !== undefined);
      const signal = options.signal ? AbortSignal.any([scope.signal, options.signal]) : scope.signal;
      const linkOptions: LinkCallOptions = { ...options, signal, metadata: inherited };
      if (bounds.length > 0) {
        const timeoutMs = Math.min(...bounds);
        linkOptions.timeoutMs = timeoutMs;
        if (timeoutMs !== remainingMs) linkOptions.metadata = { ...inherited, deadline: at + timeoutMs };
      }
      return mesh.callTool(name, args, linkOptions);
    },
    listTools(options = {}) {
      return mesh.listTools({
        signal: options.signal ? AbortSignal.any([scope.signal, options.signal]) : scope.signal,
      });
    },
  };
}

/** Options for {@link createToolContext}. */
export interface CreateToolContextOptions {
  /** Id of the node running the tool. */
  nodeId: string;
  /** The inbound call. */
  call: InboundCall;
  /** The call's scope signal (caller, deadline, tool timeout combined). */
  signal: AbortSignal;
  /** The effective deadline, in epoch milliseconds. */
  deadline: number | undefined;
  /** Trace context of the span around the tool (handed on to outbound calls). */
  traceparent: string | undefined;
  tracestate: string | undefined;
  /** Logger already carrying the correlation id and tool name. */
  logger: Logger;
  /**
   * Name the client sees on the tool's log records (`notifications/message` `logger`).
   * @default the node id
   */
  loggerName?: string;
  ports: ToolPorts;
  /** Where the handler's `ToolContext.mesh` calls go. */
  mesh: MeshCaller;
  now?: () => number;
}

/** Builds the {@link ToolContext} a handler receives. */
export function createToolContext(options: CreateToolContextOptions): ToolContext {
  const { call } = options;
  // With a client log sink (the MCP edge), what the handler logs also reaches the client at the level it asked for.
  const logger = call.onLog
    ? createClientLogger(options.logger, call.onLog, options.loggerName ?? options.nodeId)
    : options.logger;
  // The call's metadata, with the effective deadline and the trace context of the tool's span for the caller's.
  const {
    deadline: _deadline,
    traceparent: _traceparent,
    tracestate: _tracestate,
    ...kept
  } = pickCallMetadata(call);
  const metadata: CallMetadata = kept;
  if (options.deadline !== undefined) metadata.deadline = options.deadline;
  if (options.traceparent !== undefined) metadata.traceparent = options.traceparent;
  if (options.tracestate !== undefined) metadata.tracestate = options.tracestate;
  const context: ToolContext = {
    ...metadata,
    signal: options.signal,
    nodeId: options.nodeId,
    logger,
    ledger: options.ports.ledger,
    state: options.ports.state,
    lock: options.ports.lock,
    events: options.ports.events,
    mesh: createOutboundMeshClient(options.mesh, {
      ...metadata,
      signal: options.signal,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
    reportProgress(progress) {
      if (options.signal.aborted || !call.onProgress) return;
      try {
        call.onProgress(progress);
      } catch (error) {
        logger.warn('progress listener failed', { error });
      }
    },
  };
  if (call.inputResponses !== undefined) context.inputResponses = call.inputResponses;
  if (call.requestState !== undefined) context.requestState = call.requestState;
  return context;
}
