import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MeshErrorCode } from '../errors/mesh-error.js';
import { checkInteger, checkPositive } from '../options/check-options.js';

/** How a tool call ended, as the `outcome` label of the latency histogram. */
export type ToolCallOutcome = 'ok' | 'error';

/** Breaker states as exported on the `breaker_state` gauge: closed 0, half-open 1, open 2. */
export type BreakerStateName = 'closed' | 'half_open' | 'open';

/** One finished tool call, as recorded by {@link MeshMetrics.observeToolCall}. */
export interface ToolCallObservation {
  /** The tool's name. */
  tool: string;
  /** Id of the node (or gateway) that ran or routed it. */
  node: string;
  /** How the call ended. */
  outcome: ToolCallOutcome;
  /** Wall time of the call, in milliseconds. */
  durationMs: number;
  /** The error code when `outcome` is `error`. */
  code?: MeshErrorCode;
}

/** One finished call from a gateway to a peer (all its attempts), as recorded by {@link MeshMetrics.observePeerCall}. */
export interface PeerCallObservation {
  /** The peer's name. */
  peer: string;
  /** Id of the gateway that made the call. */
  node: string;
  /** How the call ended. */
  outcome: ToolCallOutcome;
  /** Wall time of the call with its retries, in milliseconds. */
  durationMs: number;
}

/** Options for {@link createMeshMetrics}. */
export interface MeshMetricsOptions {
  /**
   * The prom-client registry the metrics are registered on.
   * @default a new registry per call, so that several nodes in one process never collide on metric names
   */
  registry?: Registry;
  /**
   * Prefix of every metric name.
   * @default `mesh_`
   */
  prefix?: string;
  /**
   * Upper bounds of the latency histogram buckets, in seconds.
   * @default `[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]`
   */
  latencyBucketsSeconds?: number[];
  /**
   * Most distinct `tool` label values kept (each is a series of every metric that carries it). A tool name first
   * seen once this many are kept is counted as `tool="_other"`, so a client sending endless made-up tool names
   * (an unknown tool is counted before it is rejected) cannot grow the metrics without bound.
   * @default 1 000
   */
  maxToolLabels?: number;
}

/** Prometheus metrics of a node or gateway. */
export interface MeshMetrics {
  /** The registry holding the metrics (add your own metrics to it to serve them on the same `/metrics`). */
  readonly registry: Registry;
  /** The `Content-Type` to serve {@link MeshMetrics.render}'s output with. */
  readonly contentType: string;
  /** Records one finished tool call: latency (labels tool, node, outcome) and, on failure, its error code. */
  observeToolCall(observation: ToolCallObservation): void;
  /** Records an error not tied to one tool call (a rejected request at the edge, a failed link). */
  countError(code: MeshErrorCode, labels?: { tool?: string; node?: string }): void;
  /** Marks a tool call as started on `node`; returns a function that marks it finished (idempotent). */
  trackInFlight(node: string): () => void;
  /** Sets the state of the breaker guarding `target`. */
  setBreakerState(target: string, state: BreakerStateName): void;
  /** Counts one transition of the breaker guarding `target` into `state`. */
  countBreakerTransition(target: string, state: BreakerStateName): void;
  /** Records one call from gateway `node` to `peer`: latency by peer and outcome. */
  observePeerCall(observation: PeerCallObservation): void;
  /** Counts one retry (a second or later attempt) of a call from `node` to `target`. */
  countRetry(labels: { target: string; node: string }): void;
  /** The metrics in the Prometheus text exposition format. */
  render(): Promise<string>;
}

/** The defaults of {@link MeshMetricsOptions}. */
export const DEFAULT_MESH_METRICS = Object.freeze({
  prefix: 'mesh_',
  maxToolLabels: 1_000,
  latencyBucketsSeconds: Object.freeze([
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
  ]),
});

/** {@link MeshMetricsOptions} with every default applied and every value checked. */
export interface ResolvedMeshMetricsOptions {
  registry: Registry;
  prefix: string;
  latencyBucketsSeconds: number[];
  maxToolLabels: number;
}

/**
 * Applies {@link DEFAULT_MESH_METRICS} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: a `maxToolLabels` that is not a whole number >= 0, a
 *   latency bucket that is not a number above 0.
 * @example
 * ```ts
 * resolveMeshMetricsOptions({ prefix: 'story_' }).maxToolLabels; // 1000
 * ```
 */
export function resolveMeshMetricsOptions(options: MeshMetricsOptions = {}): ResolvedMeshMetricsOptions {
  const buckets = options.latencyBucketsSeconds ?? DEFAULT_MESH_METRICS.latencyBucketsSeconds;
  return {
    registry: options.registry ?? new Registry(),
    prefix: options.prefix ?? DEFAULT_MESH_METRICS.prefix,
    latencyBucketsSeconds: buckets.map((bucket, index) =>
      checkPositive(bucket, `latencyBucketsSeconds.${index}`),
    ),
    maxToolLabels: checkInteger(
      options.maxToolLabels ?? DEFAULT_MESH_METRICS.maxToolLabels,
      'maxToolLabels',
      0,
    ),
  };
}

/** The `tool` label of every tool name past {@link MeshMetricsOptions.maxToolLabels}. */
export const OTHER_TOOL_LABEL = '_other';

const BREAKER_VALUE: Record<BreakerStateName, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Creates the mesh's Prometheus metrics with prom-client:
 *
 * - `<prefix>tool_call_duration_seconds` histogram, labels `tool`, `node`, `outcome`;
 * - `<prefix>errors_total` counter, labels `code`, `tool`, `node`;
 * - `<prefix>breaker_state` gauge (0 closed, 1 half-open, 2 open), label `target`;
 * - `<prefix>breaker_transitions_total` counter, labels `target`, `state`;
 * - `<prefix>peer_call_duration_seconds` histogram (gateway to peer, retries included), labels `peer`, `node`, `outcome`;
 * - `<prefix>retries_total` counter, labels `target`, `node`;
 * - `<prefix>in_flight_calls` gauge, label `node`.
 *
 * @example
 * ```ts
 * const metrics = createMeshMetrics();
 * metrics.observeToolCall({ tool: 'echo', node: 'n1', outcome: 'ok', durationMs: 3 });
 * const text = await metrics.render();
 * ```
 */
export function createMeshMetrics(options: MeshMetricsOptions = {}): MeshMetrics {
  const {
    registry,
    prefix,
    latencyBucketsSeconds: buckets,
    maxToolLabels,
  } = resolveMeshMetricsOptions(options);
  // Tool names are the one label a client chooses (issue 20 item 2): the first `maxToolLabels` names keep their
  // own series, the rest share one.
  const toolLabels = new Set<string>();
  const toolLabel = (tool: string): string => {
    if (tool === '' || toolLabels.has(tool)) return tool;
    if (toolLabels.size >= maxToolLabels) return OTHER_TOOL_LABEL;
    toolLabels.add(tool);
    return tool;
  };
  const latency = new Histogram({
    name: `${prefix}tool_call_duration_seconds`,
    help: 'Latency of tool calls, in seconds.',
    labelNames: ['tool', 'node', 'outcome'],
    buckets,
    registers: [registry],
  });
  const errors = new Counter({
    name: `${prefix}errors_total`,
    help: 'Errors by mesh error code.',
    labelNames: ['code', 'tool', 'node'],
    registers: [registry],
  });
  const breaker = new Gauge({
    name: `${prefix}breaker_state`,
    help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open.',
    labelNames: ['target'],
    registers: [registry],
  });
  const transitions = new Counter({
    name: `${prefix}breaker_transitions_total`,
    help: 'Circuit breaker transitions per target and new state.',
    labelNames: ['target', 'state'],
    registers: [registry],
  });
  const peerLatency = new Histogram({
    name: `${prefix}peer_call_duration_seconds`,
    help: 'Latency of calls from a gateway to its peers (retries included), in seconds.',
    labelNames: ['peer', 'node', 'outcome'],
    buckets,
    registers: [registry],
  });
  const retries = new Counter({
    name: `${prefix}retries_total`,
    help: 'Retried attempts of calls to a peer.',
    labelNames: ['target', 'node'],
    registers: [registry],
  });
  // Counted in a plain map and read when the registry is scraped: an inc and a dec of the gauge on every call
  // hashed its labels twice a call (prom-client), on a gateway's hot path.
  const inFlightCounts = new Map<string, number>();
  new Gauge({
    name: `${prefix}in_flight_calls`,
    help: 'Tool calls currently running.',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      for (const [node, count] of inFlightCounts) this.set({ node }, count);
    },
  });

  const countError: MeshMetrics['countError'] = (code, labels = {}) => {
    errors.inc({ code, tool: toolLabel(labels.tool ?? ''), node: labels.node ?? '' });
  };

  return {
    registry,
    contentType: registry.contentType,
    observeToolCall(observation) {
      latency.observe(
        { tool: toolLabel(observation.tool), node: observation.node, outcome: observation.outcome },
        Math.max(0, observation.durationMs) / 1000,
      );
      if (observation.outcome === 'error') {
        countError(observation.code ?? 'unknown', { tool: observation.tool, node: observation.node });
      }
    },
    countError,
    trackInFlight(node) {
      inFlightCounts.set(node, (inFlightCounts.get(node) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        inFlightCounts.set(node, (inFlightCounts.get(node) ?? 1) - 1);
      };
    },
    setBreakerState(target, state) {
      breaker.set({ target }, BREAKER_VALUE[state]);
    },
    countBreakerTransition(target, state) {
      transitions.inc({ target, state });
    },
    observePeerCall(observation) {
      peerLatency.observe(
        { peer: observation.peer, node: observation.node, outcome: observation.outcome },
        Math.max(0, observation.durationMs) / 1000,
      );
    },
    countRetry(labels) {
      retries.inc(labels);
    },
    render: () => registry.metrics(),
  };
}
