import { type PathFigures, runAlternatingLoad } from './alternating-load.js';
import { benchModulePath, startBenchChild, stopBenchChildren, toolCallRequest } from './bench-child.js';

/** The `gateway` member of the bench JSON. */
export interface GatewayBenchResult {
  direct: PathFigures;
  mesh: PathFigures;
  /** mesh p50 / direct p50 at the headline concurrency (target <= 1.25). */
  p50Ratio: number;
  /** mesh calls/s / direct calls/s at the headline concurrency (target >= 0.8). */
  throughputRatio: number;
  /**
   * Gateway process RSS right after the heaviest load, in MB (target < 150), with the recommended
   * {@link GATEWAY_RUNTIME_FLAGS}.
   */
  gatewayRssMb: number;
  /** Concurrency the headline figures were taken at. */
  headlineConcurrency: number;
  /** Figures at every concurrency level. */
  levels: Array<{
    concurrency: number;
    direct: PathFigures;
    mesh: PathFigures;
    p50Ratio: number;
    throughputRatio: number;
    /**
     * Process CPU time (user + system, all threads) per call, in microseconds, medians over the rounds: the
     * tool node serving direct calls, and the gateway and the tool node serving calls through the mesh. Less
     * sensitive to a noisy machine than latency and throughput, and says which process bounds the mesh path.
     */
    cpuUsPerCall: { directNode: number; meshGateway: number; meshNode: number };
  }>;
  /** Failed calls over the whole run (must be 0). */
  errors: number;
}

/** Options for {@link runGatewayBench}. */
export interface GatewayBenchOptions {
  /** Concurrency levels. Default `[1, 8, 32]`. */
  concurrencyLevels?: readonly number[];
  /** Calls per path per round. Default 2000. */
  requestsPerRound?: number;
  /** Alternating rounds per level (direct, mesh, direct, mesh…). Default 3. */
  rounds?: number;
  /** Concurrency of the headline figures. Default the middle level. */
  headlineConcurrency?: number;
}

const CHILD = benchModulePath('gateway-child');

/**
 * The V8 settings docs/performance.md recommends for a gateway process (command-line flags: Node refuses
 * `--single-threaded-gc` in `NODE_OPTIONS`). Garbage collection on the main thread only, with a young generation
 * of at most 8 MiB per semi-space, keeps a busy gateway's RSS near 130 MB and costs less CPU than Node's defaults
 * on a small machine; capping the old generation instead (`--max-old-space-size=128`, the earlier advice) holds
 * RSS as well but costs about a quarter of the gateway's CPU in major collections. The tool node runs with
 * Node's defaults, which suit it better.
 */
export const GATEWAY_RUNTIME_FLAGS = [
  '--single-threaded-gc',
  '--max-semi-space-size=8',
  '--heap-growing-percent=100',
] as const;

/**
 * MCP `tools/call` of a trivial tool (a) directly on the tool node's MCP endpoint and (b) through a gateway and a
 * peer link, alternating in one run, with a lean closed-loop load generator at fixed concurrency levels. The tool
 * node and the gateway run in their own processes so the gateway's RSS is its own.
 */
export async function runGatewayBench(options: GatewayBenchOptions = {}): Promise<GatewayBenchResult> {
  const levels = options.concurrencyLevels ?? [1, 8, 32];
  const requests = options.requestsPerRound ?? 2000;
  const rounds = options.rounds ?? 3;
  const headline = options.headlineConcurrency ?? levels[Math.floor(levels.length / 2)] ?? 8;
  const tool = await startBenchChild(CHILD, ['tool']);
  const gateway = await startBenchChild(CHILD, ['gateway', tool.meshUrl ?? ''], GATEWAY_RUNTIME_FLAGS);
  const request = toolCallRequest(1, 'echo', { text: 'hello mesh' });
  try {
    const run = await runAlternatingLoad(tool, gateway, request, { levels, requests, rounds });
    const table: GatewayBenchResult['levels'] = run.levels.map((level) => ({
      concurrency: level.concurrency,
      direct: level.direct,
      mesh: level.via,
      p50Ratio: level.p50Ratio,
      throughputRatio: level.throughputRatio,
      cpuUsPerCall: {
        directNode: level.cpuUsPerCall.direct[0]!,
        meshGateway: level.cpuUsPerCall.via[0]!,
        meshNode: level.cpuUsPerCall.via[1]!,
      },
    }));
    const top = table.find((row) => row.concurrency === headline) ?? table[table.length - 1]!;
    return {
      direct: top.direct,
      mesh: top.mesh,
      p50Ratio: top.p50Ratio,
      throughputRatio: top.throughputRatio,
      gatewayRssMb: run.viaRssMb,
      headlineConcurrency: top.concurrency,
      levels: table,
      errors: run.errors,
    };
  } finally {
    await stopBenchChildren([gateway, tool]);
  }
}
