import {
  type BenchChild,
  benchModulePath,
  rssOf,
  startBenchChild,
  stopBenchChildren,
  toolCallRequest,
} from './bench-child.js';
import { GATEWAY_RUNTIME_FLAGS, measured, median, merge, type PathFigures } from './gateway-bench.js';
import { type LoadResult, runClosedLoop } from './load-generator.js';

/** The `upstream` member of the bench JSON: a plain MCP server reached directly and through the gateway. */
export interface UpstreamBenchResult {
  /** Per concurrency level: direct and through-the-gateway figures and their ratios. */
  levels: Array<{
    concurrency: number;
    direct: PathFigures;
    gateway: PathFigures;
    /** gateway p50 / direct p50 (target at c=8: <= 1.3). */
    p50Ratio: number;
    /** gateway calls/s / direct calls/s (target at c=8: >= 0.8). */
    throughputRatio: number;
    /**
     * CPU each process spent per call, in microseconds (medians over the rounds): the server on direct calls, and
     * the gateway and the server on calls through the gateway.
     */
    cpuUsPerCall: { direct: number; gateway: number; upstreamViaGateway: number };
  }>;
  /** Gateway process RSS after the heaviest load, in MB. */
  gatewayRssMb: number;
  /** Failed calls over the whole run (must be 0). */
  errors: number;
}

/** Options for {@link runUpstreamBench}. */
export interface UpstreamBenchOptions {
  /** Concurrency levels. Default `[1, 8]`. */
  concurrencyLevels?: readonly number[];
  /** Calls per path per round. Default 2000. */
  requestsPerRound?: number;
  /** Alternating rounds per level (direct, gateway, direct, gateway…). Default 3. */
  rounds?: number;
}

const CHILD = benchModulePath('gateway-child');

/**
 * MCP `tools/call` of a trivial tool (a) directly on an MCP server's Streamable HTTP endpoint and (b) through a
 * gateway that reaches the same server as a plain MCP peer (`createMcpPeerLink`, issue 18), alternating in one run
 * with the closed-loop load generator. The server and the gateway run in their own processes.
 */
export async function runUpstreamBench(options: UpstreamBenchOptions = {}): Promise<UpstreamBenchResult> {
  const levels = options.concurrencyLevels ?? [1, 8];
  const requests = options.requestsPerRound ?? 2000;
  const rounds = options.rounds ?? 3;
  const tool = await startBenchChild(CHILD, ['tool']);
  let gateway: BenchChild | undefined;
  const { body, headers } = toolCallRequest(1, 'echo', { text: 'hello upstream' });
  let errors = 0;
  let gatewayRssMb = 0;
  try {
    gateway = await startBenchChild(CHILD, ['mcp-gateway', tool.mcpUrl], GATEWAY_RUNTIME_FLAGS);
    for (const url of [tool.mcpUrl, gateway.mcpUrl]) {
      const warm = await runClosedLoop({ url, body, headers, concurrency: 4, requests: 500 });
      if (warm.errors > 0) throw new Error(`warm-up against ${url} failed ${warm.errors} of 500 calls`);
    }
    const table: UpstreamBenchResult['levels'] = [];
    for (const concurrency of levels) {
      const direct: LoadResult[] = [];
      const through: LoadResult[] = [];
      const cpu = { direct: [] as number[], gateway: [] as number[], upstreamViaGateway: [] as number[] };
      for (let round = 0; round < rounds; round += 1) {
        const d = await measured([tool], () =>
          runClosedLoop({ url: tool.mcpUrl, body, headers, concurrency, requests }),
        );
        direct.push(d.result);
        cpu.direct.push(d.cpuUsPerCall[0] ?? Number.NaN);
        const via = gateway;
        const g = await measured([via, tool], () =>
          runClosedLoop({ url: via.mcpUrl, body, headers, concurrency, requests }),
        );
        through.push(g.result);
        cpu.gateway.push(g.cpuUsPerCall[0] ?? Number.NaN);
        cpu.upstreamViaGateway.push(g.cpuUsPerCall[1] ?? Number.NaN);
      }
      errors += [...direct, ...through].reduce((sum, result) => sum + result.errors, 0);
      gatewayRssMb = Math.max(gatewayRssMb, await rssOf(gateway));
      const d = merge(direct);
      const g = merge(through);
      table.push({
        concurrency,
        direct: d,
        gateway: g,
        p50Ratio: g.p50Ms / d.p50Ms,
        throughputRatio: g.callsPerSec / d.callsPerSec,
        cpuUsPerCall: {
          direct: median(cpu.direct),
          gateway: median(cpu.gateway),
          upstreamViaGateway: median(cpu.upstreamViaGateway),
        },
      });
    }
    return { levels: table, gatewayRssMb, errors };
  } finally {
    await stopBenchChildren(gateway ? [gateway, tool] : [tool]);
  }
}
