import type { GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/server';
import { type Attributes, SpanKind, type Tracer } from '@opentelemetry/api';
import { type CallMetadata, deriveOutboundMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';
import type {
  CompletionHost,
  CompletionRequest,
  FeatureCall,
  MeshCompletion,
  PromptHost,
  ResourceChange,
  ResourceHost,
} from '../host/feature-host.js';
import type { NodeEvent } from '../link/peer-link-types.js';
import { echoableName } from '../node/closest-names.js';
import type { LocalFeatureHost } from '../node/local-feature-host.js';
import type { Logger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import { notifyListeners } from '../observability/notify-listeners.js';
import { withSpan } from '../observability/tracing.js';
import { createFeatureDirectory } from './feature-directory.js';
import type { GatewayPeer } from './gateway-peer.js';
import { createPeerFeatures, type PeerFeatures } from './peer-features.js';
import type { Replica } from './replica-router.js';
import { createResourceSubscriptions } from './resource-subscriptions.js';
import type { PrefixMode } from './tool-naming.js';

/** Options for {@link createGatewayFeatures}. */
export interface GatewayFeaturesOptions {
  gatewayId: string;
  peers: readonly GatewayPeer[];
  /**
   * The gateway's own resources and prompts (never prefixed).
   * @default none
   */
  own?: LocalFeatureHost;
  prefixMode: PrefixMode;
  /** Lists reject `unavailable` while any peer's features cannot be listed. */
  failClosed: boolean;
  maxHops: number;
  listTimeoutMs: number;
  relistIntervalMs: number;
  now: () => number;
  generateId: () => string;
  logger: Logger;
  metrics: MeshMetrics;
  /**
   * Tracer for the span around each forwarded read, get and completion.
   * @default the global provider's
   */
  tracer?: Tracer;
}

/** The resources, prompts and completion of a gateway: its own and its peers', federated. */
export interface GatewayFeatures extends ResourceHost, PromptHost, CompletionHost {
  subscribe(uri: string): () => void;
  /** Lists every peer's features once and follows the gateway's own changes. */
  start(): Promise<void>;
  /** Lists every peer's features again now. */
  refresh(): Promise<void>;
  /** A node event from a replica of `peer`: list changes refresh its lists, draining moves subscriptions. */
  onPeerEvent(peer: GatewayPeer, replica: Replica, event: NodeEvent): void;
  /** Cached list sizes of a peer, for `circuit_status`. */
  counts(peer: string): { resourceCount: number; resourceTemplateCount: number; promptCount: number };
  /** Federated URIs followed now, with the replica each subscription is held on. */
  subscriptions(): Map<string, string | undefined>;
  close(): void;
}

/**
 * Creates the federated resource, prompt and completion host of a gateway. Lists come from caches (each peer's,
 * filled at start and refreshed on its `resources_changed` / `prompts_changed` events; the gateway's own are
 * listed live), named with the gateway's prefix rule ({@link federateKeys}); reads, gets and completions go to the
 * owning peer under its policy with failover among its replicas, carrying the caller's deadline, correlation id,
 * trace context, budget id and `hop + 1`, and passing the handler's log records back.
 */
export function createGatewayFeatures(options: GatewayFeaturesOptions): GatewayFeatures {
  const { gatewayId: id, own, now, logger } = options;
  const resourceListeners = new Set<(change: ResourceChange) => void>();
  const promptListeners = new Set<() => void>();
  const stops: Array<() => void> = [];

  const emitResources = (change: ResourceChange) =>
    notifyListeners(resourceListeners, change, logger, 'resource change');
  const emitPrompts = () => notifyListeners(promptListeners, undefined, logger, 'prompt change');

  const peerFeatures: PeerFeatures[] = options.peers.map((peer) =>
    createPeerFeatures(peer, {
      gatewayId: id,
      listTimeoutMs: options.listTimeoutMs,
      now,
      logger,
      metrics: options.metrics,
      generateId: options.generateId,
      onChanged: (what) => {
        directory.invalidate(what);
        if (what === 'resources') {
          subscriptions.placePending();
          emitResources({ kind: 'list_changed' });
        } else {
          emitPrompts();
        }
      },
    }),
  );
  const byName = new Map(peerFeatures.map((entry) => [entry.peer.name, entry]));

  const directory = createFeatureDirectory({ peers: peerFeatures, prefixMode: options.prefixMode, logger });
  const { routeOf, promptRoute } = directory;

  const subscriptions = createResourceSubscriptions({
    route: (uri) => {
      const route = routeOf(uri);
      return route === 'own' ? undefined : route;
    },
    updated: (uri) => emitResources({ kind: 'updated', uri }),
    now,
    logger,
  });

  /** Lists again, in the background, the peers whose last listing failed (at most once per interval). */
  const relistFailed = (): Promise<unknown> =>
    Promise.all(
      peerFeatures
        .filter((entry) => entry.listError && now() - entry.listAttemptedAt >= options.relistIntervalMs)
        .map((entry) => entry.refresh()),
    );

  const unlisted = () => peerFeatures.filter((entry) => entry.listError).map((entry) => entry.peer.name);

  /** With `failClosed`: a list is refused while a peer's features cannot be listed. */
  const checkListed = () => {
    if (!options.failClosed) return;
    const failed = peerFeatures.find((entry) => entry.listError);
    if (failed) {
      throw new MeshError(
        `peer "${failed.peer.name}" cannot be listed: ${failed.listError?.message}`,
        'unavailable',
        { cause: failed.listError, details: { peer: failed.peer.name, origin: id } },
      );
    }
  };

  const unknown = (what: 'resource' | 'prompt' | 'resource template', key: string) => {
    const shown = echoableName(key);
    const down = unlisted();
    if (down.length > 0) {
      return new MeshError(
        `${what} "${shown}" is not offered by any reachable peer on gateway "${id}"; peers not listed now: ${down.join(', ')}`,
        'unavailable',
        { details: { key: shown, reason: 'peers_unlisted', peers: down, origin: id } },
      );
    }
    const reason = what === 'prompt' ? 'unknown_prompt' : 'unknown_resource';
    return new MeshError(`unknown ${what} "${shown}" on gateway "${id}"`, 'not_found', {
      details: { ...(what === 'prompt' ? { prompt: shown } : { uri: shown }), reason, origin: id },
    });
  };

  /** Rejects forwarding a request that would cross more peer links than `maxHops`. */
  const checkHops = (call: CallMetadata) => {
    if (call.hop + 1 > options.maxHops) {
      throw new MeshError(
        `forwarding would cross ${call.hop + 1} peer links, over the limit of ${options.maxHops} (routing loop?)`,
        'failed_precondition',
        { details: { hop: call.hop, limit: options.maxHops, limitUnit: 'hops', origin: id } },
      );
    }
  };
  /**
   * Forwards one request to a peer inside a client span (the peer's spans become its children), with
   * `deriveOutboundMetadata` of the caller's metadata (the same correlation id, budget id and deadline, `hop + 1`).
   */
  const forward = <T>(
    name: string,
    attributes: Attributes,
    call: CallMetadata,
    send: (metadata: CallMetadata) => Promise<T>,
  ): Promise<T> => {
    checkHops(call);
    return withSpan(
      `gateway ${name}`,
      {
        ...(options.tracer ? { tracer: options.tracer } : {}),
        kind: SpanKind.CLIENT,
        parent: {
          ...(call.traceparent === undefined ? {} : { traceparent: call.traceparent }),
          ...(call.tracestate === undefined ? {} : { tracestate: call.tracestate }),
        },
        attributes: { ...attributes, 'mesh.correlation_id': call.correlationId },
      },
      ({ carrier }) => send(deriveOutboundMetadata(call, carrier)),
    );
  };
  const runOptions = (call: FeatureCall) => ({
    signal: call.signal,
    ...(call.deadline === undefined ? {} : { deadline: call.deadline }),
  });

  const listOwnResources = async (call: FeatureCall) => {
    if (!own) return;
    const [resources, templates] = await Promise.all([
      own.listResources(call),
      own.listResourceTemplates(call.signal),
    ]);
    directory.setOwn({ resources, templates });
  };
  const listOwnPrompts = async (signal?: AbortSignal) => {
    if (own) directory.setOwn({ prompts: await own.listPrompts(signal) });
  };
  /** Lists the gateway's own resources, templates and prompts (outside any client request). */
  const refreshOwn = async () => {
    const signal = new AbortController().signal;
    await Promise.all([
      listOwnResources({ signal, correlationId: options.generateId(), hop: 0 }),
      listOwnPrompts(signal),
    ]).catch((error: unknown) =>
      logger.warn('could not list the gateway’s own resources and prompts', { error }),
    );
  };

  return {
    async listResources(call) {
      void relistFailed();
      checkListed();
      await listOwnResources(call);
      return [...directory.resources().items.values()].map((entry) => entry.item);
    },
    async listResourceTemplates(signal) {
      void relistFailed();
      checkListed();
      if (own) directory.setOwn({ templates: await own.listResourceTemplates(signal) });
      return [...directory.templates().items.values()].map((entry) => entry.item);
    },
    async readResource(uri, call): Promise<ReadResourceResult> {
      let route = routeOf(uri);
      if (route === undefined && own) {
        // The gateway's own template lists may have grown since they were last listed.
        try {
          return await own.readResource(uri, call);
        } catch (error) {
          if (!(MeshError.isInstance(error) && error.details.reason === 'unknown_resource')) throw error;
        }
      }
      if (route === 'own' && own) return own.readResource(uri, call);
      if (route === undefined) {
        await relistFailed();
        route = routeOf(uri);
      }
      if (route === undefined || route === 'own') throw unknown('resource', uri);
      const { peer, originalUri, prefixed } = route;
      const result = await forward(
        'resources/read',
        { 'mesh.resource': uri, 'mesh.peer': peer.peer.name },
        call,
        (metadata) =>
          peer.run(
            `reading "${uri}"`,
            ({ link, signal, timeoutMs }) =>
              link.readResource(originalUri, {
                signal,
                timeoutMs,
                metadata,
                ...(call.onLog ? { onLog: call.onLog } : {}),
              }),
            runOptions(call),
          ),
      );
      if (!prefixed) return result;
      // The contents name the URI the client asked for.
      return {
        ...result,
        contents: result.contents.map((content) =>
          content.uri === originalUri ? { ...content, uri } : content,
        ),
      };
    },
    onResourcesChanged(listener) {
      resourceListeners.add(listener);
      return () => {
        resourceListeners.delete(listener);
      };
    },
    subscribe(uri) {
      return subscriptions.subscribe(uri);
    },
    async listPrompts(signal) {
      void relistFailed();
      checkListed();
      await listOwnPrompts(signal);
      return [...directory.prompts().items.values()].map((entry) => entry.item);
    },
    async getPrompt(name, args, call): Promise<GetPromptResult> {
      let route = promptRoute(name);
      if (route === undefined) {
        await Promise.all([relistFailed(), listOwnPrompts(call.signal)]);
        route = promptRoute(name);
      }
      if (route === 'own' && own) return own.getPrompt(name, args, call);
      if (route === undefined || route === 'own' || !route.peer) throw unknown('prompt', name);
      const { peer, originalName } = route;
      return forward('prompts/get', { 'mesh.prompt': name, 'mesh.peer': peer.peer.name }, call, (metadata) =>
        peer.run(
          `getting prompt "${name}"`,
          ({ link, signal, timeoutMs }) =>
            link.getPrompt(originalName, args, {
              signal,
              timeoutMs,
              metadata,
              ...(call.onLog ? { onLog: call.onLog } : {}),
            }),
          runOptions(call),
        ),
      );
    },
    onPromptsChanged(listener) {
      promptListeners.add(listener);
      return () => {
        promptListeners.delete(listener);
      };
    },
    async complete(request, signal, callMetadata): Promise<MeshCompletion> {
      const call: FeatureCall = {
        correlationId: options.generateId(),
        hop: 0,
        ...callMetadata,
        signal,
      };
      let target: { peer: PeerFeatures; ref: CompletionRequest['ref'] } | undefined;
      if (request.ref.type === 'ref/prompt') {
        const route = promptRoute(request.ref.name);
        if (route === 'own' && own) return own.complete(request, signal, callMetadata);
        if (route === undefined || route === 'own' || !route.peer) throw unknown('prompt', request.ref.name);
        target = { peer: route.peer, ref: { type: 'ref/prompt', name: route.originalName } };
      } else {
        const uri = request.ref.uri;
        const template = directory.templates().items.get(uri);
        const fixed = template ? undefined : directory.resources().items.get(uri);
        const found = template ?? fixed;
        if (!found) throw unknown('resource template', uri);
        if (found.owner === '' && own) return own.complete(request, signal, callMetadata);
        // A fixed resource has nothing to complete.
        if (fixed) return { values: [] };
        const peer = byName.get(found.owner);
        if (!peer) throw unknown('resource template', uri);
        target = { peer, ref: { type: 'ref/resource', uri: found.originalKey } };
      }
      const forwarded: CompletionRequest = { ...request, ref: target.ref };
      const { peer } = target;
      return forward('completion/complete', { 'mesh.peer': peer.peer.name }, call, (metadata) =>
        peer.run(
          'completing',
          ({ link, signal: attemptSignal, timeoutMs }) =>
            link.complete(forwarded, { signal: attemptSignal, timeoutMs, metadata }),
          runOptions(call),
        ),
      );
    },
    async start() {
      if (own) {
        stops.push(
          // The gateway's own lists are read again at once, so names and routes follow them.
          own.onResourcesChanged((change) => {
            if (change.kind === 'list_changed') void refreshOwn();
            emitResources(change);
          }),
          own.onPromptsChanged(() => {
            void refreshOwn();
            emitPrompts();
          }),
        );
        await refreshOwn();
      }
      await Promise.all(peerFeatures.map((entry) => entry.refresh()));
    },
    async refresh() {
      await Promise.all(peerFeatures.map((entry) => entry.refresh()));
    },
    onPeerEvent(peer, replica, event) {
      if (event.kind === 'resources_changed' || event.kind === 'prompts_changed') {
        void byName.get(peer.name)?.refresh();
      } else if (event.kind === 'draining') {
        subscriptions.moveFrom(replica);
      }
    },
    counts(peer) {
      const entry = byName.get(peer);
      return {
        resourceCount: entry?.resources.length ?? 0,
        resourceTemplateCount: entry?.templates.length ?? 0,
        promptCount: entry?.prompts.length ?? 0,
      };
    },
    subscriptions: () => subscriptions.held(),
    close() {
      for (const stop of stops.splice(0)) stop();
      subscriptions.close();
      resourceListeners.clear();
      promptListeners.clear();
    },
  };
}
