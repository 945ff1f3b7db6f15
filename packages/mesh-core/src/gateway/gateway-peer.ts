import { type CallMetadata, deriveOutboundMetadata } from '../call/call-metadata.js';
import { MeshError, markLocalFailure } from '../errors/mesh-error.js';
import type { InboundCall } from '../host/tool-host.js';
import { heldCallNotFound, isHeldCallToken } from '../link/mcp-held-calls.js';
import { createMcpPeerLink } from '../link/mcp-peer-link.js';
import type { McpPeerLinkOptions } from '../link/mcp-peer-link-options.js';
import { createPeerLink } from '../link/peer-link.js';
import type { PeerLinkOptions } from '../link/peer-link-options.js';
import type { LinkCallOptions, NodeEvent, PeerLink } from '../link/peer-link-types.js';
import type { Logger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import type { TraceCarrier } from '../observability/tracing.js';
import type { CircuitStateStore } from '../ports/circuit-state.js';
import type { EventBus } from '../ports/event-bus.js';
import { createPeerPolicy, type PeerPolicy, type PeerPolicyOptions } from '../resilience/peer-policy.js';
import type { MeshToolInfo, ToolCallResult, ToolOutcome } from '../tool/tool-context.js';
import { createCoalescedRefresh } from './coalesced-refresh.js';
import type { PeerStatusReport } from './gateway-inspector.js';
import {
  createReplicaRouter,
  type Replica,
  type ReplicaRouter,
  type RoutingStrategy,
} from './replica-router.js';

/** Resilience settings of one peer: everything of {@link PeerPolicyOptions} the gateway does not supply itself. */
export type GatewayPeerPolicyOptions = Pick<PeerPolicyOptions, 'timeouts' | 'retry' | 'breaker' | 'bulkhead'>;

/** One peer federated by a gateway. */
export interface GatewayPeerOptions {
  /** Unique name of the peer, 1 to 64 characters of `[A-Za-z0-9_-]`; its breaker target is `peer:<name>`. */
  name: string;
  /**
   * Its replicas: mesh-service URLs (the gateway creates and closes a peer link for each), plain MCP servers as
   * `{ mcp: McpPeerLinkOptions }` (the gateway creates and closes a `createMcpPeerLink` for each), or links you own.
   * At least one.
   */
  replicas: ReadonlyArray<string | PeerLink | { mcp: McpPeerLinkOptions }>;
  /**
   * Prefix added to its tool names (`<prefix>_<tool>`) when the prefix mode calls for it.
   * @default `name`
   */
  prefix?: string;
  /**
   * How calls pick a replica.
   * @default `round_robin`
   */
  routing?: RoutingStrategy;
  /**
   * Timeouts, retries, breaker and bulkhead.
   * @default DEFAULT_PEER_POLICY (those of `createPeerPolicy`)
   */
  policy?: GatewayPeerPolicyOptions;
  /**
   * Options for the links the gateway creates from URLs (auth, TLS, keepalive…).
   * @default DEFAULT_PEER_LINK (those of `createPeerLink`)
   */
  linkOptions?: Omit<PeerLinkOptions, 'url'>;
}

/** Resolved settings the gateway hands to each peer. */
export interface GatewayPeerContext {
  gatewayId: string;
  events: EventBus | undefined;
  circuitState: CircuitStateStore | undefined;
  listTimeoutMs: number;
  replicaCooldownMs: number;
  watch: boolean;
  now: () => number;
  random: () => number;
  logger: Logger;
  /** Where the peer's call latency and retries are counted. */
  metrics: MeshMetrics;
  /** Called when the peer's cached tool list changed. */
  onListChanged: () => void;
  /** Receives every event of the peer's replicas too (resource and prompt changes, draining). Default none. */
  onEvent?: (event: NodeEvent, replica: Replica) => void;
}

/** A peer inside the gateway: replicas, policy, cached tool list. */
export interface GatewayPeer {
  readonly name: string;
  readonly prefix: string;
  readonly router: ReplicaRouter;
  readonly policy: PeerPolicy;
  /** The raw list last fetched, or `undefined` before the first success. */
  readonly tools: readonly MeshToolInfo[] | undefined;
  /** Why the last listing failed, while it does. */
  readonly listError: MeshError | undefined;
  /** When a listing was last attempted, in epoch milliseconds. */
  readonly listAttemptedAt: number;
  /** Fetches the tool list (from one healthy replica, failing over); coalesces concurrent requests. */
  refresh(): Promise<void>;
  /**
   * Calls a tool (by its name on the peer) under the peer's policy, with failover among replicas, and resolves its
   * final result (an input request rejects `failed_precondition`, from the link). Every attempt carries the call's
   * input responses and request state, and `deriveOutboundMetadata(call, trace)`.
   */
  callTool(
    name: string,
    args: Record<string, unknown>,
    call: InboundCall,
    trace: TraceCarrier,
  ): Promise<ToolCallResult>;
  /** Calls a tool like `callTool` and resolves its outcome: an input-required outcome comes back unchanged. */
  callToolOutcome(
    name: string,
    args: Record<string, unknown>,
    call: InboundCall,
    trace: TraceCarrier,
  ): Promise<ToolOutcome>;
  status(): PeerStatusReport;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Creates the gateway's view of one peer. Options must be validated already. */
export function createGatewayPeer(options: GatewayPeerOptions, context: GatewayPeerContext): GatewayPeer {
  const { now } = context;
  const logger = context.logger.child({ peer: options.name });
  const owned: PeerLink[] = [];
  const links = options.replicas.map((replica) => {
    if (typeof replica !== 'string' && !('mcp' in replica)) return replica;
    const link =
      typeof replica === 'string'
        ? createPeerLink({ logger, ...options.linkOptions, url: replica })
        : createMcpPeerLink({ logger, ...replica.mcp });
    owned.push(link);
    return link;
  });
  const router = createReplicaRouter({
    links,
    strategy: options.routing ?? 'round_robin',
    cooldownMs: context.replicaCooldownMs,
    now,
  });
  const policy = createPeerPolicy({
    ...options.policy,
    target: `peer:${options.name}`,
    instanceId: context.gatewayId,
    ...(context.events ? { events: context.events } : {}),
    ...(context.circuitState ? { circuitState: context.circuitState } : {}),
    now,
    random: context.random,
    logger,
  });
  const stops: Array<() => void> = [];
  let tools: MeshToolInfo[] | undefined;
  // Tools a retry may run twice without harm: their timeouts are retried too (see `PolicyCallOptions`).
  let idempotentTools = new Set<string>();
  let listError: MeshError | undefined;
  let listedAt: number | undefined;
  let listAttemptedAt = 0;
  let closed = false;

  const fetchList = async () => {
    listAttemptedAt = now();
    try {
      const list = await policy.execute(
        ({ signal, deadline }) =>
          router.withFailover(
            (replica) => replica.link.listTools({ signal, timeoutMs: Math.max(1, deadline - now()) }),
            signal,
          ),
        { deadline: now() + context.listTimeoutMs },
      );
      const changed = JSON.stringify(list) !== JSON.stringify(tools);
      tools = list;
      idempotentTools = new Set(
        list
          .filter(
            ({ annotations }) => annotations?.idempotentHint === true || annotations?.readOnlyHint === true,
          )
          .map((tool) => tool.name),
      );
      listedAt = now();
      if (listError) logger.info('peer listed again', { tools: list.length });
      listError = undefined;
      if (changed) context.onListChanged();
    } catch (error) {
      listError = MeshError.from(error);
      // Fail open: the last good list stays; a peer never listed is skipped until it answers.
      logger.warn('could not list peer tools', { code: listError.code, message: listError.message });
    }
  };

  // A change announced while a listing is in flight may not be in it: the refresh lists once more afterwards.
  const lists = createCoalescedRefresh(fetchList, () => closed);
  const refresh = (): Promise<void> => lists.request();

  const onEvent = (replicaIndex: number) => (event: NodeEvent) => {
    const replica = router.replicas[replicaIndex];
    if (event.kind === 'tools_changed') {
      void refresh();
    } else if (event.kind === 'draining' && replica) {
      router.markUnavailable(replica, 'draining');
    }
    if (replica) context.onEvent?.(event, replica);
  };

  /**
   * The replica whose link holds the call a retry's `requestState` names (an MCP link holding a 2025-era upstream
   * call open), which the retry must reach; `undefined` for any other call.
   *
   * @throws MeshError `failed_precondition` for a held-call token no replica holds (expired, answered, or held by
   *   another gateway process).
   */
  const holderOf = (tool: string, requestState: string | undefined): Replica | undefined => {
    if (requestState === undefined) return undefined;
    const holder = router.replicas.find((replica) => replica.link.ownsRequestState?.(requestState) === true);
    if (holder || !isHeldCallToken(requestState)) return holder;
    throw heldCallNotFound(options.name, tool);
  };

  /**
   * One call under the peer's policy, with failover among replicas (or on the one replica holding the call a
   * retry answers): `send` is the link's `callTool` or `callToolOutcome`.
   */
  const callPeer = async <T extends ToolOutcome>(
    send: (
      link: PeerLink,
      name: string,
      args: Record<string, unknown>,
      options: LinkCallOptions,
    ) => Promise<T>,
    name: string,
    args: Record<string, unknown>,
    call: InboundCall,
    trace: TraceCarrier,
  ): Promise<T> => {
    const metadata = deriveOutboundMetadata(call, trace);
    const startedAt = now();
    try {
      const holder = holderOf(name, call.requestState);
      // A held call is answered once: a retry of the policy would only find it gone, so it gets the first failure.
      let holderFailure: MeshError | undefined;
      const result = await policy.execute(
        ({ signal, deadline, attempt }) => {
          if (attempt > 1) context.metrics.countRetry({ target: policy.target, node: context.gatewayId });
          const attemptOn = (replica: Replica) =>
            send(replica.link, name, args, linkCallOptions(call, signal, deadline, metadata));
          if (!holder) return router.withFailover(attemptOn, signal);
          if (holderFailure) return Promise.reject(markLocalFailure(holderFailure));
          return router.withReplica(holder, attemptOn).catch((error: unknown) => {
            holderFailure = MeshError.from(error);
            throw holderFailure;
          });
        },
        {
          tool: name,
          idempotent: idempotentTools.has(name),
          signal: call.signal,
          // Links end each call at its `timeoutMs` (the attempt's deadline): no abort controller of the policy's.
          attemptsKeepDeadline: true,
          ...(call.deadline === undefined ? {} : { deadline: call.deadline }),
        },
      );
      context.metrics.observePeerCall({
        peer: options.name,
        node: context.gatewayId,
        outcome: 'ok',
        durationMs: now() - startedAt,
      });
      // The peer answers again after failing to list: it came back, so its list may have changed.
      if (listError) void refresh();
      return result;
    } catch (error) {
      const failure = MeshError.from(error);
      context.metrics.observePeerCall({
        peer: options.name,
        node: context.gatewayId,
        outcome: 'error',
        durationMs: now() - startedAt,
      });
      // The peer no longer has the tool: our cached list is stale.
      if (failure.code === 'not_found' && failure.details.reason === 'unknown_tool') void refresh();
      throw failure;
    }
  };

  /**
   * The options of one attempt's link call. Built property by property, not with spreads: a spread followed by
   * more properties makes V8 build a new hidden class on every call (a microsecond each, on a gateway's hot path).
   * The retry's answers are the same on every attempt, so a retry or a failover to another replica answers the
   * same round.
   */
  const linkCallOptions = (
    call: InboundCall,
    signal: AbortSignal,
    deadline: number,
    metadata: CallMetadata,
  ): LinkCallOptions => {
    const options: LinkCallOptions = { signal, timeoutMs: Math.max(1, deadline - now()), metadata };
    if (call.inputResponses !== undefined) options.inputResponses = call.inputResponses;
    if (call.requestState !== undefined) options.requestState = call.requestState;
    if (call.principal !== undefined) options.principal = call.principal;
    if (call.clientCapabilities !== undefined) options.clientCapabilities = call.clientCapabilities;
    if (call.onProgress) options.onProgress = call.onProgress;
    if (call.onLog) options.onLog = call.onLog;
    return options;
  };

  return {
    name: options.name,
    prefix: options.prefix ?? options.name,
    router,
    policy,
    get tools() {
      return tools;
    },
    get listError() {
      return listError;
    },
    get listAttemptedAt() {
      return listAttemptedAt;
    },
    refresh,
    callTool: (name, args, call, trace) =>
      callPeer((link, ...rest) => link.callTool(...rest), name, args, call, trace),
    callToolOutcome: (name, args, call, trace) =>
      callPeer((link, ...rest) => link.callToolOutcome(...rest), name, args, call, trace),
    status() {
      const at = now();
      const report: PeerStatusReport = {
        peer: options.name,
        prefix: options.prefix ?? options.name,
        routing: router.strategy,
        circuit: policy.status(),
        replicas: router.replicas.map((replica) => ({
          url: replica.url,
          outstanding: replica.outstanding,
          calls: replica.calls,
          unavailableCount: replica.unavailableCount,
          available: replica.avoidUntil <= at,
          ...(replica.lastError === undefined ? {} : { lastError: replica.lastError }),
        })),
        toolCount: tools?.length ?? 0,
      };
      if (listedAt !== undefined) report.listedAt = listedAt;
      if (listError) report.listError = listError.message;
      return report;
    },
    async start() {
      await policy.start();
      if (context.watch) {
        router.replicas.forEach((replica, index) => {
          stops.push(replica.link.watchEvents(onEvent(index)));
        });
      }
      await refresh();
    },
    async close() {
      closed = true;
      for (const stop of stops.splice(0)) stop();
      await lists.idle();
      await policy.close();
      await Promise.allSettled(owned.map((link) => link.close()));
    },
  };
}
