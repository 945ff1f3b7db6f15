import { type BenchChild, cpuOf, rssOf } from './bench-child.js';
import { type LoadResult, runClosedLoop } from './load-generator.js';

// The one closed-loop driver of the gateway and upstream benches: the same `tools/call` sent (a) straight to a
// server and (b) through a gateway in front of it, alternating path by path in one run at each concurrency
// level, with the CPU each process spent per call.

/** Figures of one path (direct or through the gateway) at one concurrency. */
export interface PathFigures {
  p50Ms: number;
  p99Ms: number;
  callsPerSec: number;
}

/** The load plan of {@link runAlternatingLoad}. */
export interface AlternatingLoadPlan {
  /** Concurrency levels, in order. */
  levels: readonly number[];
  /** Calls per path per round. */
  requests: number;
  /** Alternating rounds per level (direct, via, direct, via…). */
  rounds: number;
}

/** The figures of one concurrency level of {@link runAlternatingLoad}: medians over its rounds. */
export interface AlternatingLevel {
  concurrency: number;
  direct: PathFigures;
  via: PathFigures;
  /**
   * via p50 / direct p50, the median over the rounds of each round's ratio (its direct and via runs back to back,
   * so a machine that slows down for a while slows both sides of a ratio, not one).
   */
  p50Ratio: number;
  /** via calls/s / direct calls/s, the median over the rounds of each round's ratio (as `p50Ratio`). */
  throughputRatio: number;
  /**
   * CPU per call in microseconds, medians over the rounds: the server on direct calls (`direct[0]`), and the
   * gateway (`via[0]`) and the server (`via[1]`) on calls through the gateway.
   */
  cpuUsPerCall: { direct: number[]; via: number[] };
}

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
 * Sends `request` to the `server` process's MCP endpoint directly and through the `gateway` process in front of
 * it. Warms both paths (JIT, connection pools, the gateway's tool cache), then at each concurrency level runs
 * `rounds` alternating closed-loop rounds (direct, via, direct, via…) and reports their medians, the ratios of
 * the path through the gateway to the direct one, the failed calls, and the gateway's RSS after the heaviest
 * load (in MB).
 *
 * @throws Error when a warm-up call fails.
 */
export async function runAlternatingLoad(
  server: BenchChild,
  gateway: BenchChild,
  request: { body: string; headers: Record<string, string> },
  plan: AlternatingLoadPlan,
): Promise<{ levels: AlternatingLevel[]; errors: number; viaRssMb: number }> {
  const { body, headers } = request;
  const { requests } = plan;
  const paths = [
    { url: server.mcpUrl, children: [server] },
    { url: gateway.mcpUrl, children: [gateway, server] },
  ];
  for (const { url } of paths) {
    const warm = await runClosedLoop({ url, body, headers, concurrency: 4, requests: 500 });
    if (warm.errors > 0) throw new Error(`warm-up against ${url} failed ${warm.errors} of 500 calls`);
  }
  const levels: AlternatingLevel[] = [];
  let errors = 0;
  let viaRssMb = 0;
  for (const concurrency of plan.levels) {
    const results = paths.map(() => [] as LoadResult[]);
    const cpu = paths.map((path) => path.children.map(() => [] as number[]));
    for (let round = 0; round < plan.rounds; round += 1) {
      for (const [index, path] of paths.entries()) {
        const run = await measured(path.children, () =>
          runClosedLoop({ url: path.url, body, headers, concurrency, requests }),
        );
        results[index]!.push(run.result);
        for (const [child, spent] of cpu[index]!.entries()) spent.push(run.cpuUsPerCall[child] ?? Number.NaN);
      }
    }
    errors += results.flat().reduce((sum, result) => sum + result.errors, 0);
    viaRssMb = Math.max(viaRssMb, await rssOf(gateway));
    const direct = merge(results[0]!);
    const via = merge(results[1]!);
    // Paired: each round's via run against the direct run just before it.
    const paired = (figure: (result: LoadResult) => number) =>
      median(results[1]!.map((viaRound, round) => figure(viaRound) / figure(results[0]![round]!)));
    levels.push({
      concurrency,
      direct,
      via,
      p50Ratio: paired((result) => result.p50Ms),
      throughputRatio: paired((result) => result.callsPerSec),
      cpuUsPerCall: { direct: cpu[0]!.map(median), via: cpu[1]!.map(median) },
    });
  }
  return { levels, errors, viaRssMb };
}
