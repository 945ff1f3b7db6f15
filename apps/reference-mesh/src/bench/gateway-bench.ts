import {
  type BenchChild,
  benchModulePath,
  cpuOf,
  rssOf,
  startBenchChild,
  stopBenchChildren,
  toolCallRequest,
} from './bench-child.js';
import { type LoadResult, runClosedLoop } from './load-generator.js';

/** Figures of one path (direct or through the mesh) at one concurrency. */
export interface PathFigures {
  p50Ms: number;
  p99Ms: number;
  callsPerSec: number;
}

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

/** Runs `load` and returns its result with the CPU each child spent per completed call, in microseconds. */
export async function measured(
  children: readonly BenchChild[],
  load: () => Promise<LoadResult>,
): Promise<{ result: LoadResult; cpuUsPerCall: number[] }> {
  const before = await Promise.all(children.map(cpuOf));
  const result = await load();
  const after = await Promise.all(children.map(cpuOf));
  return {
    result,
    cpuUsPerCall: children.map((_, index) => (after[index]! - before[index]!) / result.requests),
  };
}

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

export function merge(results: LoadResult[]): PathFigures {
  return {
    p50Ms: median(results.map((result) => result.p50Ms)),
    p99Ms: median(results.map((result) => result.p99Ms)),
    callsPerSec: median(results.map((result) => result.callsPerSec)),
  };
}

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
  const { body, headers } = toolCallRequest(1, 'echo', { text: 'hello mesh' });
  let errors = 0;
  let gatewayRssMb = 0;
  try {
    // Warm both paths (JIT, connection pools, the gateway's tool cache).
    for (const url of [tool.mcpUrl, gateway.mcpUrl]) {
      const warm = await runClosedLoop({ url, body, headers, concurrency: 4, requests: 500 });
      if (warm.errors > 0) throw new Error(`warm-up against ${url} failed ${warm.errors} of 500 calls`);
    }
    const table: GatewayBenchResult['levels'] = [];
    for (const concurrency of levels) {
      const direct: LoadResult[] = [];
      const mesh: LoadResult[] = [];
      const cpu = { directNode: [] as number[], meshGateway: [] as number[], meshNode: [] as number[] };
      for (let round = 0; round < rounds; round += 1) {
        const d = await measured([tool], () =>
          runClosedLoop({ url: tool.mcpUrl, body, headers, concurrency, requests }),
        );
        direct.push(d.result);
        cpu.directNode.push(d.cpuUsPerCall[0]!);
        const m = await measured([gateway, tool], () =>
          runClosedLoop({ url: gateway.mcpUrl, body, headers, concurrency, requests }),
        );
        mesh.push(m.result);
        cpu.meshGateway.push(m.cpuUsPerCall[0]!);
        cpu.meshNode.push(m.cpuUsPerCall[1]!);
      }
      errors += [...direct, ...mesh].reduce((sum, result) => sum + result.errors, 0);
      gatewayRssMb = Math.max(gatewayRssMb, await rssOf(gateway));
      const d = merge(direct);
      const m = merge(mesh);
      table.push({
        concurrency,
        direct: d,
        mesh: m,
        p50Ratio: m.p50Ms / d.p50Ms,
        throughputRatio: m.callsPerSec / d.callsPerSec,
        cpuUsPerCall: {
          directNode: median(cpu.directNode),
          meshGateway: median(cpu.meshGateway),
          meshNode: median(cpu.meshNode),
        },
      });
    }
    const top = table.find((row) => row.concurrency === headline) ?? table[table.length - 1]!;
    return {
      direct: top.direct,
      mesh: top.mesh,
      p50Ratio: top.p50Ratio,
      throughputRatio: top.throughputRatio,
      gatewayRssMb,
      headlineConcurrency: top.concurrency,
      levels: table,
      errors,
    };
  } finally {
    await stopBenchChildren([gateway, tool]);
  }
}
