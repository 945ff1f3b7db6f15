import type { Tracer } from '@opentelemetry/api';
import type { ToolPorts } from '../context/create-tool-context.js';
import { MeshError } from '../errors/mesh-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import { checkInteger, checkNonEmptyString } from '../options/check-options.js';
import type { CircuitStateStore } from '../ports/circuit-state.js';
import type { AnyPromptDefinition } from '../prompt/prompt-definition.js';
import type { ResourceDefinition, ResourceTemplateDefinition } from '../resource/resource-definition.js';
import type { AnyToolDefinition } from '../tool/tool-definition.js';
import type { GatewayPeerOptions } from './gateway-peer.js';
import type { PrefixMode } from './tool-naming.js';

/** The ports of a gateway: those its own tools use, plus where breaker state is shared across replicas. */
export interface GatewayPorts extends ToolPorts {
  /**
   * Shares breaker state with the other gateway replicas.
   * @default none (breakers are per replica)
   */
  circuitState?: CircuitStateStore;
}

/** Options for {@link createGateway}. */
export interface GatewayOptions {
  /** Stable, unique id of this gateway replica (breaker transitions record it). */
  id: string;
  /**
   * The peers federated.
   * @default none
   */
  peers?: readonly GatewayPeerOptions[];
  /**
   * How federated tools are named.
   * @default `conditional` (only colliding names are prefixed)
   */
  prefixMode?: PrefixMode;
  /**
   * Fail closed: `listTools` (and the resource, template and prompt lists) reject with `unavailable` while any peer
   * cannot be listed, and a tool with an invalid final name is an error.
   * @default false (such peers and tools are skipped and logged)
   */
  failClosed?: boolean;
  /** Ports for the gateway's own tools, and breaker state sharing (`events`, `circuitState`). */
  ports: GatewayPorts;
  /**
   * More tools hosted by the gateway itself, next to `route`, `budget_check` and `circuit_status`.
   * @default none
   */
  tools?: readonly AnyToolDefinition[];
  /**
   * Resources hosted by the gateway itself, served beside its peers' (never prefixed: a peer offering the same URI
   * gets its prefix).
   * @default none
   */
  resources?: readonly ResourceDefinition[];
  /**
   * Resource templates hosted by the gateway itself.
   * @default none
   */
  resourceTemplates?: readonly ResourceTemplateDefinition[];
  /**
   * Prompts hosted by the gateway itself (never prefixed).
   * @default none
   */
  prompts?: readonly AnyPromptDefinition[];
  /**
   * Generates correlation ids for the gateway's own listings of its peers.
   * @default `crypto.randomUUID`
   */
  generateId?: () => string;
  /**
   * Logger.
   * @default silent
   */
  logger?: Logger;
  /**
   * Metrics: the gateway's call latency and errors, in-flight calls, peer call latency, retries, breaker states and
   * transitions. Default: a fresh registry of its own ({@link Gateway.metrics}, which a `MeshNode` serving the
   * gateway serves on `/metrics`).
   * @default `createMeshMetrics()` (a registry of its own)
   */
  metrics?: MeshMetrics;
  /**
   * Tracer for the span around each routed call.
   * @default the global provider's mesh tracer
   */
  tracer?: Tracer;
  /**
   * Most peer links a call may cross; a call that would exceed it fails `failed_precondition`.
   * @default 8
   */
  maxHops?: number;
  /**
   * Deadline of one peer's `ListTools`, in milliseconds.
   * @default 5000
   */
  listTimeoutMs?: number;
  /**
   * How long a replica that refused a call is passed over, in milliseconds.
   * @default 5000
   */
  replicaCooldownMs?: number;
  /**
   * How often a peer that could not be listed is listed again (on `listTools`), in milliseconds.
   * @default 2000
   */
  relistIntervalMs?: number;
  /**
   * Follow each replica's event stream (`tools_changed`, `draining`).
   * @default true
   */
  watchPeers?: boolean;
  /**
   * Clock in epoch milliseconds.
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Random source for retry jitter, in `[0, 1)`.
   * @default `Math.random`
   */
  random?: () => number;
}

/** Defaults of {@link GatewayOptions}. */
export const DEFAULT_GATEWAY = Object.freeze({
  failClosed: false,
  maxHops: 8,
  listTimeoutMs: 5000,
  replicaCooldownMs: 5000,
  relistIntervalMs: 2000,
  watchPeers: true,
  prefixMode: 'conditional' as PrefixMode,
});

/** The gateway's own tools, always present. */
export const GATEWAY_TOOL_NAMES = ['route', 'budget_check', 'circuit_status'] as const;

/** {@link GatewayOptions} with defaults applied and limits checked. */
export interface ResolvedGatewayOptions {
  id: string;
  peers: readonly GatewayPeerOptions[];
  prefixMode: PrefixMode;
  failClosed: boolean;
  tools: readonly AnyToolDefinition[];
  ownToolNames: readonly string[];
  logger: Logger;
  metrics: MeshMetrics | undefined;
  maxHops: number;
  listTimeoutMs: number;
  replicaCooldownMs: number;
  relistIntervalMs: number;
  watchPeers: boolean;
  now: () => number;
  random: () => number;
}

const PEER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PREFIX_MODES: readonly PrefixMode[] = ['always', 'conditional', 'never'];
const ROUTINGS = ['round_robin', 'least_outstanding'];

function invalid(message: string, field: string): MeshError {
  return new MeshError(message, 'invalid_argument', { details: { field } });
}

/**
 * Applies the gateway defaults once and checks every option.
 *
 * @throws MeshError `invalid_argument` naming the option (`peers.1.prefix`…).
 */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  checkNonEmptyString(options.id, 'id');
  if (!options.ports) throw invalid('ports are required (state, lock, events, ledger)', 'ports');
  const prefixMode = options.prefixMode ?? DEFAULT_GATEWAY.prefixMode;
  if (!PREFIX_MODES.includes(prefixMode)) {
    throw invalid(`prefixMode must be one of ${PREFIX_MODES.join(', ')}, got "${prefixMode}"`, 'prefixMode');
  }
  const peers = options.peers ?? [];
  const names = new Map<string, number>();
  const prefixes = new Map<string, number>();
  peers.forEach((peer, index) => {
    const at = `peers.${index}`;
    if (typeof peer?.name !== 'string' || !PEER_NAME.test(peer.name)) {
      throw invalid(
        `${at}.name must be 1 to 64 characters of [A-Za-z0-9_-], got "${String(peer?.name)}"`,
        `${at}.name`,
      );
    }
    const prefix = peer.prefix ?? peer.name;
    if (!PEER_NAME.test(prefix) || prefix.length > 63) {
      throw invalid(
        `${at}.prefix must be 1 to 63 characters of [A-Za-z0-9_-], got "${prefix}"`,
        `${at}.prefix`,
      );
    }
    const sameName = names.get(peer.name);
    if (sameName !== undefined)
      throw invalid(`peers ${sameName} and ${index} are both named "${peer.name}"`, `${at}.name`);
    names.set(peer.name, index);
    const samePrefix = prefixes.get(prefix);
    if (samePrefix !== undefined) {
      throw invalid(`peers ${samePrefix} and ${index} both use the prefix "${prefix}"`, `${at}.prefix`);
    }
    prefixes.set(prefix, index);
    if (!Array.isArray(peer.replicas) || peer.replicas.length === 0) {
      throw invalid(`peer "${peer.name}" needs at least one replica`, `${at}.replicas`);
    }
    peer.replicas.forEach((replica, replicaIndex) => {
      const valid =
        typeof replica === 'string'
          ? replica !== ''
          : typeof replica === 'object' && replica !== null && 'mcp' in replica
            ? typeof replica.mcp === 'object' && replica.mcp !== null
            : typeof replica?.callTool === 'function';
      if (!valid)
        throw invalid(
          `peer "${peer.name}": replica ${replicaIndex} is neither a URL, an { mcp } server nor a PeerLink`,
          `${at}.replicas.${replicaIndex}`,
        );
    });
    if (peer.routing !== undefined && !ROUTINGS.includes(peer.routing)) {
      throw invalid(
        `${at}.routing must be one of ${ROUTINGS.join(', ')}, got "${peer.routing}"`,
        `${at}.routing`,
      );
    }
  });
  const tools = options.tools ?? [];
  return {
    id: options.id,
    peers,
    prefixMode,
    failClosed: options.failClosed ?? DEFAULT_GATEWAY.failClosed,
    tools,
    ownToolNames: [...GATEWAY_TOOL_NAMES, ...tools.map((tool) => tool.name)],
    logger: (options.logger ?? silentLogger).child({ gateway: options.id }),
    metrics: options.metrics,
    maxHops: checkInteger(options.maxHops ?? DEFAULT_GATEWAY.maxHops, 'maxHops', 1),
    listTimeoutMs: checkInteger(options.listTimeoutMs ?? DEFAULT_GATEWAY.listTimeoutMs, 'listTimeoutMs', 1),
    replicaCooldownMs: checkInteger(
      options.replicaCooldownMs ?? DEFAULT_GATEWAY.replicaCooldownMs,
      'replicaCooldownMs',
      0,
    ),
    relistIntervalMs: checkInteger(
      options.relistIntervalMs ?? DEFAULT_GATEWAY.relistIntervalMs,
      'relistIntervalMs',
      0,
    ),
    watchPeers: options.watchPeers ?? DEFAULT_GATEWAY.watchPeers,
    now: options.now ?? (() => Date.now()),
    random: options.random ?? Math.random,
  };
}
