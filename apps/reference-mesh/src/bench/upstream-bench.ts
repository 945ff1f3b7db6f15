import { type PathFigures, runAlternatingLoad } from './alternating-load.js';
import {
  type BenchChild,
  benchModulePath,
  startBenchChild,
  stopBenchChildren,
  toolCallRequest,
} from './bench-child.js';
import { GATEWAY_RUNTIME_FLAGS } from './gateway-bench.js';

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
  /** Calls per path per round. Default 1000. */
  requestsPerRound?: number;
  /**
   * Alternating rounds per level (direct, gateway, direct, gateway…). Default 15: the ratios are medians of the
   * rounds' paired ratios, and on a shared 2-core machine, whose speed drifts by a fifth within seconds, a few
   * long rounds let one slow stretch decide them.
   */
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
  const requests = options.requestsPerRound ?? 1000;
  const rounds = options.rounds ?? 15;
  const tool = await startBenchChild(CHILD, ['tool']);
  let gateway: BenchChild | undefined;
  const request = toolCallRequest(1, 'echo', { text: 'hello upstream' });
  try {
    gateway = await startBenchChild(CHILD, ['mcp-gateway', tool.mcpUrl], GATEWAY_RUNTIME_FLAGS);
    const run = await runAlternatingLoad(tool, gateway, request, { levels, requests, rounds });
    const table: UpstreamBenchResult['levels'] = run.levels.map((level) => ({
      concurrency: level.concurrency,
      direct: level.direct,
      gateway: level.via,
      p50Ratio: level.p50Ratio,
      throughputRatio: level.throughputRatio,
      cpuUsPerCall: {
        direct: level.cpuUsPerCall.direct[0] ?? Number.NaN,
        gateway: level.cpuUsPerCall.via[0] ?? Number.NaN,
        upstreamViaGateway: level.cpuUsPerCall.via[1] ?? Number.NaN,
      },
    }));
    return { levels: table, gatewayRssMb: run.viaRssMb, errors: run.errors };
  } finally {
    await stopBenchChildren(gateway ? [gateway, tool] : [tool]);
  }
}
