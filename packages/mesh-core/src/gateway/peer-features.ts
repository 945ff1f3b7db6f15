import type { CallMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';
import type { MeshPromptInfo, MeshResourceInfo, MeshResourceTemplateInfo } from '../host/feature-host.js';
import { NO_FEATURES } from '../link/feature-wire-codec.js';
import type { PeerFeatureLink, PeerFeatureSet } from '../link/peer-link-types.js';
import type { Logger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import { createCoalescedRefresh } from './coalesced-refresh.js';
import type { GatewayPeer } from './gateway-peer.js';
import type { Replica } from './replica-router.js';

/** What the gateway hands to each peer's feature cache. */
export interface PeerFeaturesContext {
  gatewayId: string;
  /** Deadline of one listing, in milliseconds. */
  listTimeoutMs: number;
  now: () => number;
  logger: Logger;
  metrics: MeshMetrics;
  generateId: () => string;
  /** Called when the peer's resource (or template) list or its prompt list changed. */
  onChanged: (what: 'resources' | 'prompts') => void;
}

/** One attempt of a feature request on one replica: the link, its signal, what is left of the deadline. */
export interface FeatureAttempt {
  link: PeerFeatureLink;
  replica: Replica;
  signal: AbortSignal;
  timeoutMs: number;
}

/** The resources, templates and prompts of one peer as the gateway caches them, and requests to it. */
export interface PeerFeatures {
  readonly peer: GatewayPeer;
  /** What the peer serves, once asked. */
  readonly features: PeerFeatureSet | undefined;
  readonly resources: readonly MeshResourceInfo[];
  readonly templates: readonly MeshResourceTemplateInfo[];
  readonly prompts: readonly MeshPromptInfo[];
  /** Why the last listing failed, while it does. */
  readonly listError: MeshError | undefined;
  readonly listAttemptedAt: number;
  /** Asks the peer what it serves and lists it again; coalesces concurrent requests. */
  refresh(): Promise<void>;
  /**
   * Runs one request under the peer's policy (deadline, retries, breaker, bulkhead) with failover among its
   * replicas, as tool calls run, and records it in the peer call metrics.
   */
  run<T>(
    what: string,
    request: (attempt: FeatureAttempt) => Promise<T>,
    options: { signal?: AbortSignal; deadline?: number; listing?: boolean },
  ): Promise<T>;
}

/** The feature side of a replica's link, or `undefined` for a link that offers tools only. */
export function featureLinkOf(replica: Replica): PeerFeatureLink | undefined {
  const link = replica.link;
  if (
    typeof link.features !== 'function' ||
    typeof link.listResources !== 'function' ||
    typeof link.listResourceTemplates !== 'function' ||
    typeof link.readResource !== 'function' ||
    typeof link.listPrompts !== 'function' ||
    typeof link.getPrompt !== 'function' ||
    typeof link.complete !== 'function' ||
    typeof link.subscribeResource !== 'function'
  ) {
    return undefined;
  }
  return link as PeerFeatureLink;
}

/** Creates the feature cache of one gateway peer. */
export function createPeerFeatures(peer: GatewayPeer, context: PeerFeaturesContext): PeerFeatures {
  const { now } = context;
  const logger = context.logger.child({ peer: peer.name });
  let features: PeerFeatureSet | undefined;
  let resources: MeshResourceInfo[] = [];
  let templates: MeshResourceTemplateInfo[] = [];
  let prompts: MeshPromptInfo[] = [];
  let listError: MeshError | undefined;
  let listAttemptedAt = 0;

  const run: PeerFeatures['run'] = async (what, request, options) => {
    const startedAt = now();
    // Listings are the gateway's own housekeeping, counted like tool listings: not as peer calls.
    const observe = options.listing !== true;
    try {
      const result = await peer.policy.execute(
        ({ signal, deadline, attempt }) => {
          if (attempt > 1 && observe) {
            context.metrics.countRetry({ target: peer.policy.target, node: context.gatewayId });
          }
          return peer.router.withFailover((replica) => {
            const link = featureLinkOf(replica);
            if (!link) {
              throw new MeshError(`peer "${peer.name}" (${replica.url}) serves tools only`, 'unimplemented', {
                details: { peer: peer.name, reason: 'feature_absent' },
              });
            }
            return request({ link, replica, signal, timeoutMs: Math.max(1, deadline - now()) });
          }, signal);
        },
        {
          // Reads, gets, completions and listings change nothing: a timed-out attempt may run again.
          idempotent: true,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        },
      );
      if (observe) {
        context.metrics.observePeerCall({
          peer: peer.name,
          node: context.gatewayId,
          outcome: 'ok',
          durationMs: now() - startedAt,
        });
      }
      return result;
    } catch (error) {
      if (observe) {
        context.metrics.observePeerCall({
          peer: peer.name,
          node: context.gatewayId,
          outcome: 'error',
          durationMs: now() - startedAt,
        });
      }
      logger.debug(`${what} failed`, { code: MeshError.from(error).code });
      throw MeshError.from(error);
    }
  };

  const listMetadata = (): CallMetadata => ({ correlationId: context.generateId(), hop: 1 });

  // A peer whose links offer tools only (links of your own without the feature methods) is never asked.
  const hasFeatureLinks = peer.router.replicas.some((replica) => featureLinkOf(replica) !== undefined);

  const fetchLists = async () => {
    if (!hasFeatureLinks) {
      features ??= { ...NO_FEATURES };
      return;
    }
    listAttemptedAt = now();
    const deadline = now() + context.listTimeoutMs;
    try {
      // A link offering tools only (or an older node) has no features: nothing to list.
      const offered = await run(
        'asking for features',
        ({ link, signal, timeoutMs }) => link.features({ signal, timeoutMs }),
        { deadline, listing: true },
      ).catch((error: unknown) => {
        const failure = MeshError.from(error);
        if (failure.code === 'unimplemented') return { ...NO_FEATURES };
        throw failure;
      });
      const [nextResources, nextTemplates, nextPrompts] = await Promise.all([
        offered.resources
          ? run(
              'listing resources',
              ({ link, signal, timeoutMs }) =>
                link.listResources({ signal, timeoutMs, metadata: listMetadata() }),
              { deadline, listing: true },
            )
          : [],
        offered.resources
          ? run(
              'listing resource templates',
              ({ link, signal, timeoutMs }) =>
                link.listResourceTemplates({ signal, timeoutMs, metadata: listMetadata() }),
              { deadline, listing: true },
            )
          : [],
        offered.prompts
          ? run(
              'listing prompts',
              ({ link, signal, timeoutMs }) =>
                link.listPrompts({ signal, timeoutMs, metadata: listMetadata() }),
              { deadline, listing: true },
            )
          : [],
      ]);
      const resourcesChanged =
        JSON.stringify([nextResources, nextTemplates]) !== JSON.stringify([resources, templates]);
      const promptsChanged = JSON.stringify(nextPrompts) !== JSON.stringify(prompts);
      features = offered;
      resources = nextResources;
      templates = nextTemplates;
      prompts = nextPrompts;
      if (listError) logger.info('peer features listed again');
      listError = undefined;
      if (resourcesChanged) context.onChanged('resources');
      if (promptsChanged) context.onChanged('prompts');
    } catch (error) {
      listError = MeshError.from(error);
      // Fail open: the last good lists stay.
      logger.warn('could not list peer resources and prompts', {
        code: listError.code,
        message: listError.message,
      });
    }
  };

  const lists = createCoalescedRefresh(fetchLists);

  return {
    peer,
    get features() {
      return features;
    },
    get resources() {
      return resources;
    },
    get templates() {
      return templates;
    },
    get prompts() {
      return prompts;
    },
    get listError() {
      return listError;
    },
    get listAttemptedAt() {
      return listAttemptedAt;
    },
    refresh: lists.request,
    run,
  };
}
