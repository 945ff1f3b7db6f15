import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { pickCallMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';
import type { HostFeatures } from '../host/feature-host.js';
import type { HostHealth, InboundCall, ToolHost } from '../host/tool-host.js';
import type { MeshCaller } from '../link/peer-link-types.js';
import { closestNames, echoableName } from '../node/closest-names.js';
import { createLocalFeatureHost, type LocalFeatureHost } from '../node/local-feature-host.js';
import { createLocalToolHost } from '../node/local-tool-host.js';
import { createMeshMetrics, type MeshMetrics } from '../observability/metrics.js';
import { notifyListeners } from '../observability/notify-listeners.js';
import { type WithSpanOptions, withSpan } from '../observability/tracing.js';
import { finalResultOf } from '../tool/input-required.js';
import type { MeshToolInfo, ToolOutcome } from '../tool/tool-context.js';
import { explainRoute } from './explain-route.js';
import { createGatewayFeatures, type GatewayFeatures } from './gateway-features.js';
import type { GatewayInspector } from './gateway-inspector.js';
import { createGatewayPeer, type GatewayPeer } from './gateway-peer.js';
import { type GatewayOptions, resolveGatewayOptions } from './resolve-gateway-options.js';
import { federateToolNames, type ToolNaming } from './tool-naming.js';
import { createBudgetCheckTool } from './tools/budget-check.js';
import { createCircuitStatusTool } from './tools/circuit-status.js';
import { createRouteTool } from './tools/route.js';

// The options live beside their resolver (a leaf of this module, so no import cycle); re-exported here.
export type { GatewayOptions, GatewayPorts } from './resolve-gateway-options.js';

/**
 * A gateway: one {@link ToolHost} federating its peers' tools with its own, and their resources, prompts and
 * completion ({@link Gateway.features}), plus lifecycle.
 */
export interface Gateway extends ToolHost, GatewayInspector {
  /** The metrics the gateway records into: `options.metrics`, or its own registry. */
  readonly metrics: MeshMetrics;
  /**
   * The federated resources, prompts and completion: the gateway's own and its peers' (a `MeshNode` serving the
   * gateway serves them over MCP and the mesh service). Resource subscriptions are forwarded to the owning peer.
   */
  readonly features: Required<HostFeatures> & { resources: GatewayFeatures };
  /** The gateway's own resources and prompts (add, remove, `resourceUpdated`), or `undefined` without any. */
  readonly localFeatures: LocalFeatureHost | undefined;
  /** Starts the peers' breakers and event streams and lists every peer once. Idempotent. */
  start(): Promise<void>;
  /** Lists every peer again now. */
  refresh(): Promise<void>;
  /** Stops event streams and closes the links the gateway created. */
  close(): Promise<void>;
}

/**
 * Creates a gateway that federates the tools of its peers into one {@link ToolHost}: serve it with
 * `createMcpHttpHandler` (one MCP endpoint for the whole mesh) or `createMeshServer`.
 *
 * Tool lists are fetched in parallel from one healthy replica of each peer, cached, and fetched again when a
 * replica reports `tools_changed` or a peer that failed answers again; a peer that cannot be listed is skipped
 * unless `failClosed`. Calls go to a replica chosen round-robin or by least outstanding calls, under the peer's
 * policy (timeout, retry, breaker, bulkhead), failing over to another replica when one is `unavailable`; they
 * carry the caller's deadline, correlation id, trace context, budget id and `hop + 1`, and pass progress back.
 *
 * @throws MeshError `invalid_argument` naming the option for invalid options (duplicate peer names or prefixes…).
 * @example
 * ```ts
 * const gateway = createGateway({
 *   id: 'gw-1',
 *   ports,
 *   peers: [
 *     { name: 'text', replicas: ['http://text-1:7070', 'http://text-2:7070'], routing: 'least_outstanding' },
 *     { name: 'media', replicas: ['http://media:7070'], policy: { timeouts: { toolMs: { generate_image: 60_000 } } } },
 *   ],
 * });
 * await gateway.start();
 * const handler = createMcpHttpHandler(gateway);
 * ```
 */
export function createGateway(options: GatewayOptions): Gateway {
  const resolved = resolveGatewayOptions(options);
  const { id, now, logger } = resolved;
  // The gateway always counts its own calls, peers, retries and breaker transitions (served by a MeshNode).
  const metrics = resolved.metrics ?? createMeshMetrics();
  const listeners = new Set<() => void>();
  // Set below, once the peers exist; their events reach it through `onEvent`.
  let features: GatewayFeatures | undefined;
  let naming: ToolNaming | MeshError | undefined;
  let started: Promise<void> | undefined;
  // Set once `started` has resolved: a call then skips the await (a microtask a call on the hot path).
  let startedDone = false;
  let closed = false;

  const onListChanged = () => {
    naming = undefined;
    notifyListeners(listeners, undefined, logger, 'tools-changed');
  };

  const peers: GatewayPeer[] = resolved.peers.map((peer) =>
    createGatewayPeer(peer, {
      gatewayId: id,
      events: options.ports.events,
      circuitState: options.ports.circuitState,
      listTimeoutMs: resolved.listTimeoutMs,
      replicaCooldownMs: resolved.replicaCooldownMs,
      watch: resolved.watchPeers,
      now,
      random: resolved.random,
      logger,
      metrics,
      onListChanged,
      onEvent: (event, replica) => {
        const self = peersByName.get(peer.name);
        if (self) features?.onPeerEvent(self, replica, event);
      },
    }),
  );
  const peersByName = new Map(peers.map((peer) => [peer.name, peer]));
  const localFeatures =
    options.resources || options.resourceTemplates || options.prompts
      ? createLocalFeatureHost({
          id,
          logger,
          now,
          ...(options.resources ? { resources: options.resources } : {}),
          ...(options.resourceTemplates ? { resourceTemplates: options.resourceTemplates } : {}),
          ...(options.prompts ? { prompts: options.prompts } : {}),
        })
      : undefined;
  const federated = createGatewayFeatures({
    gatewayId: id,
    peers,
    ...(localFeatures ? { own: localFeatures } : {}),
    prefixMode: resolved.prefixMode,
    failClosed: resolved.failClosed,
    maxHops: resolved.maxHops,
    listTimeoutMs: resolved.listTimeoutMs,
    relistIntervalMs: resolved.relistIntervalMs,
    now,
    generateId: options.generateId ?? randomUUID,
    logger,
    metrics,
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
  features = federated;
  /** The federated host, once the gateway started (its lists are filled at start). */
  const startedFeatures = async () => {
    await ensureStarted();
    return federated;
  };
  const featureHost: Gateway['features']['resources'] = {
    ...federated,
    listResources: async (call) => (await startedFeatures()).listResources(call),
    listResourceTemplates: async (signal) => (await startedFeatures()).listResourceTemplates(signal),
    readResource: async (uri, call) => (await startedFeatures()).readResource(uri, call),
    listPrompts: async (signal) => (await startedFeatures()).listPrompts(signal),
    getPrompt: async (name, args, call) => (await startedFeatures()).getPrompt(name, args, call),
    complete: async (request, signal, call) => (await startedFeatures()).complete(request, signal, call),
  };

  const inspector: GatewayInspector = {
    explainRoute: async (tool) =>
      explainRoute(tool, {
        ownNames,
        naming: currentNaming(),
        peers: peersByName,
        suggest: (name) => (unknownTool(name).details.suggestions as string[] | undefined) ?? [],
      }),
    peerStatus: () => peers.map((peer) => ({ ...peer.status(), ...features?.counts(peer.name) })),
  };

  // Tools hosted by the gateway itself call the mesh through the gateway (hop unchanged: no link crossed).
  const selfClient: MeshCaller = {
    callTool: (name, args, callOptions) => {
      const { metadata } = callOptions;
      const deadline =
        callOptions.timeoutMs === undefined ? metadata.deadline : now() + callOptions.timeoutMs;
      return gateway.callTool(name, args, {
        ...pickCallMetadata(metadata),
        signal: callOptions.signal ?? new AbortController().signal,
        hop: Math.max(0, metadata.hop - 1),
        ...(deadline === undefined ? {} : { deadline }),
        ...(callOptions.onProgress ? { onProgress: callOptions.onProgress } : {}),
      });
    },
    listTools: (listOptions = {}) => gateway.listTools(listOptions.signal),
  };

  const own = createLocalToolHost({
    id,
    tools: [
      createRouteTool(inspector),
      createBudgetCheckTool(),
      createCircuitStatusTool(inspector),
      ...resolved.tools,
    ],
    ports: options.ports,
    mesh: selfClient,
    logger,
    now,
    metrics,
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
  const ownNames = new Set(resolved.ownToolNames);

  for (const peer of peers) {
    metrics.setBreakerState(peer.policy.target, peer.policy.state());
    peer.policy.onStateChange((state) => {
      metrics.setBreakerState(peer.policy.target, state);
      metrics.countBreakerTransition(peer.policy.target, state);
    });
  }

  const currentNaming = (): ToolNaming => {
    if (naming === undefined) {
      try {
        naming = federateToolNames(
          peers.flatMap((peer) =>
            peer.tools ? [{ peer: peer.name, prefix: peer.prefix, tools: peer.tools }] : [],
          ),
          { mode: resolved.prefixMode, reserved: ownNames },
        );
        for (const problem of naming.problems)
          logger.warn(`tool skipped: ${problem.message}`, problem.details);
      } catch (error) {
        naming = MeshError.from(error);
        logger.error(`cannot federate tools: ${naming.message}`, naming.details);
      }
    }
    if (MeshError.isInstance(naming)) throw naming;
    if (resolved.failClosed && naming.problems[0]) throw naming.problems[0];
    return naming;
  };

  /** Lists again, in the background, the peers whose last listing failed (at most once per interval). */
  const relistFailedPeers = (): Promise<unknown> => {
    const due = peers.filter(
      (peer) => peer.listError && now() - peer.listAttemptedAt >= resolved.relistIntervalMs,
    );
    return Promise.all(due.map((peer) => peer.refresh()));
  };

  const ensureStarted = () => {
    if (closed) throw new MeshError(`gateway "${id}" is closed`, 'unavailable', { details: { origin: id } });
    return gateway.start();
  };

  const unknownTool = (fullName: string) => {
    const name = echoableName(fullName);
    const known = [...ownNames, ...currentNaming().tools.keys()];
    const suggestions = closestNames(fullName, known);
    const hint = suggestions.length > 0 ? `; closest: ${suggestions.join(', ')}` : '';
    // While a peer cannot be listed (down, breaker open), the tool may well be one of its own: say so with a
    // retryable code rather than claiming it does not exist.
    const unlisted = peers.filter((peer) => peer.listError).map((peer) => peer.name);
    if (unlisted.length > 0) {
      return new MeshError(
        `tool "${name}" is not offered by any reachable peer on gateway "${id}"; peers not listed now: ${unlisted.join(', ')}${hint}`,
        'unavailable',
        { details: { tool: name, suggestions, reason: 'peers_unlisted', peers: unlisted, origin: id } },
      );
    }
    return new MeshError(`unknown tool "${name}" on gateway "${id}"${hint}`, 'not_found', {
      details: { tool: name, suggestions, reason: 'unknown_tool', origin: id },
    });
  };

  /**
   * Routes a call to the gateway's own host or to a peer. With `final` an input-required outcome fails
   * `failed_precondition` where it arises (the own host or the peer's link, inside the peer's policy); without it
   * the outcome passes unchanged, for `callToolOutcome`.
   */
  async function route(
    name: string,
    args: Record<string, unknown>,
    call: InboundCall,
    final: boolean,
  ): Promise<ToolOutcome> {
    if (!startedDone || closed) await ensureStarted();
    if (ownNames.has(name))
      return final ? own.callTool(name, args, call) : own.callToolOutcome(name, args, call);
    let entry = currentNaming().tools.get(name);
    if (!entry) {
      // A peer that was down may have come back with the tool.
      await relistFailedPeers();
      entry = currentNaming().tools.get(name);
    }
    const peer = entry && peersByName.get(entry.peer);
    if (!entry || !peer) throw unknownTool(name);
    if (call.hop + 1 > resolved.maxHops) {
      throw new MeshError(
        `calling "${name}" would cross ${call.hop + 1} peer links, over the limit of ${resolved.maxHops} (routing loop?)`,
        'failed_precondition',
        { details: { hop: call.hop, limit: resolved.maxHops, limitUnit: 'hops', origin: id } },
      );
    }
    const originalName = entry.originalName;
    const startedAt = now();
    const finish = metrics.trackInFlight(id);
    try {
      // Built without spreads (see `linkCallOptions` in gateway-peer.ts); the call is the span's parent carrier.
      const spanOptions: WithSpanOptions = {
        // An outgoing call to a peer: the peer's spans are its children, across the link.
        kind: SpanKind.CLIENT,
        parent: call,
        attributes: {
          'mesh.tool': name,
          'mesh.peer': peer.name,
          'mesh.correlation_id': call.correlationId,
        },
      };
      if (options.tracer) spanOptions.tracer = options.tracer;
      const result = await withSpan(`gateway ${name}`, spanOptions, ({ carrier }) =>
        final
          ? peer.callTool(originalName, args, call, carrier)
          : peer.callToolOutcome(originalName, args, call, carrier),
      );
      metrics.observeToolCall({ tool: name, node: id, outcome: 'ok', durationMs: now() - startedAt });
      return result;
    } catch (error) {
      const failure = MeshError.from(error);
      metrics.observeToolCall({
        tool: name,
        node: id,
        outcome: 'error',
        durationMs: now() - startedAt,
        code: failure.code,
      });
      logger.debug(`call to "${name}" failed: ${failure.message}`, {
        correlationId: call.correlationId,
        peer: peer.name,
        code: failure.code,
      });
      throw failure;
    } finally {
      finish?.();
    }
  }

  const gateway: Gateway = {
    id,
    metrics,
    relaysCalls: true,
    features: { resources: featureHost, prompts: featureHost, completion: featureHost },
    localFeatures,
    ...inspector,
    start() {
      started ??= (async () => {
        await Promise.all(peers.map((peer) => peer.start()));
        await federated.start();
        logger.info('gateway started', {
          peers: peers.map((peer) => ({
            name: peer.name,
            tools: peer.tools?.length ?? 0,
            error: peer.listError?.code,
          })),
        });
        startedDone = true;
      })();
      return started;
    },
    async refresh() {
      await ensureStarted();
      await Promise.all([...peers.map((peer) => peer.refresh()), federated.refresh()]);
    },
    async close() {
      closed = true;
      await started?.catch(() => {});
      federated.close();
      await Promise.all(peers.map((peer) => peer.close()));
      listeners.clear();
    },
    health: (): HostHealth => (closed ? 'not_serving' : 'serving'),
    onToolsChanged(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async listTools() {
      await ensureStarted();
      void relistFailedPeers();
      if (resolved.failClosed) {
        const failed = peers.find((peer) => peer.listError || !peer.tools);
        if (failed) {
          const why = failed.listError?.message ?? 'not listed yet';
          throw new MeshError(`peer "${failed.name}" cannot be listed: ${why}`, 'unavailable', {
            cause: failed.listError,
            details: { peer: failed.name, origin: id },
          });
        }
      }
      const federated: MeshToolInfo[] = [...currentNaming().tools.values()].map((tool) => tool.info);
      return [...(await own.listTools()), ...federated];
    },
    callTool: async (name, args, call) => finalResultOf(name, await route(name, args, call, true)),
    callToolOutcome: (name, args, call) => route(name, args, call, false),
  };
  return gateway;
}
