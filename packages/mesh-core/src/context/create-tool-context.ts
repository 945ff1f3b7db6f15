import { MeshError } from '../errors/mesh-error.js';
import type { InboundCall } from '../host/tool-host.js';
import type { LinkCallOptions } from '../link/peer-link-types.js';
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

/** A mesh client that rejects every call: the default when a node is not linked to any peer. */
export const unconfiguredMeshClient: MeshClient = {
  callTool: () => Promise.reject(new MeshError('no mesh client configured', 'failed_precondition')),
  listTools: () => Promise.reject(new MeshError('no mesh client configured', 'failed_precondition')),
};

/** What an outbound call inherits from the inbound call that makes it. */
export interface OutboundCallScope {
  /** Aborts the outbound call with the inbound one. */
  signal: AbortSignal;
  /** The inbound deadline, in epoch milliseconds. */
  deadline?: number;
  correlationId: string;
  traceparent?: string;
  tracestate?: string;
  budgetId?: string;
  /** Hop count of the inbound call; outbound calls carry `hop + 1`. */
  hop: number;
  /** Clock. Default `Date.now`. */
  now?: () => number;
}

/**
 * Wraps `mesh` so that every call carries the caller's deadline (as a `timeoutMs` never past it), its
 * cancellation, correlation id, trace context, budget id and hop count. The options handed to `mesh.callTool`
 * are {@link LinkCallOptions}: a `MeshClient` backed by peer links reads `options.metadata`. They never allow
 * an input-required outcome: a tool-to-tool call has no client to ask, so a peer link rejects one
 * `failed_precondition`.
 */
export function createOutboundMeshClient(mesh: MeshClient, scope: OutboundCallScope): MeshClient {
  const now = scope.now ?? Date.now;
  return {
    callTool(name, args, options: MeshCallOptions = {}) {
      const remainingMs = scope.deadline === undefined ? undefined : scope.deadline - now();
      if (remainingMs !== undefined && remainingMs <= 0) {
        return Promise.reject(
          new MeshError(`deadline exceeded before calling "${name}"`, 'deadline_exceeded', {
            details: { tool: name },
          }),
        );
      }
      const bounds = [remainingMs, options.timeoutMs].filter((value): value is number => value !== undefined);
      const signal = options.signal ? AbortSignal.any([scope.signal, options.signal]) : scope.signal;
      const linkOptions: LinkCallOptions = {
        ...options,
        signal,
        metadata: {
          correlationId: scope.correlationId,
          hop: scope.hop + 1,
          ...(scope.traceparent === undefined ? {} : { traceparent: scope.traceparent }),
          ...(scope.tracestate === undefined ? {} : { tracestate: scope.tracestate }),
          ...(scope.budgetId === undefined ? {} : { budgetId: scope.budgetId }),
        },
      };
      if (bounds.length > 0) linkOptions.timeoutMs = Math.min(...bounds);
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
  mesh: MeshClient;
  now?: () => number;
}

/** Builds the {@link ToolContext} a handler receives. */
export function createToolContext(options: CreateToolContextOptions): ToolContext {
  const { call } = options;
  // With a client log sink (the MCP edge), what the handler logs also reaches the client at the level it asked for.
  const logger = call.onLog
    ? createClientLogger(options.logger, call.onLog, options.loggerName ?? options.nodeId)
    : options.logger;
  const context: ToolContext = {
    signal: options.signal,
    correlationId: call.correlationId,
    hop: call.hop,
    nodeId: options.nodeId,
    logger,
    ledger: options.ports.ledger,
    state: options.ports.state,
    lock: options.ports.lock,
    events: options.ports.events,
    mesh: createOutboundMeshClient(options.mesh, {
      signal: options.signal,
      correlationId: call.correlationId,
      hop: call.hop,
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
      ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
      ...(options.tracestate === undefined ? {} : { tracestate: options.tracestate }),
      ...(call.budgetId === undefined ? {} : { budgetId: call.budgetId }),
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
  if (options.deadline !== undefined) context.deadline = options.deadline;
  if (options.traceparent !== undefined) context.traceparent = options.traceparent;
  if (options.tracestate !== undefined) context.tracestate = options.tracestate;
  if (call.budgetId !== undefined) context.budgetId = call.budgetId;
  if (call.inputResponses !== undefined) context.inputResponses = call.inputResponses;
  if (call.requestState !== undefined) context.requestState = call.requestState;
  return context;
}
