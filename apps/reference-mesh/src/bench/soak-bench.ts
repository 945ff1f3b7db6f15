// The `soak` member of `npm run bench` (issue 20 item 3): a gateway and a text node on Redis ports (a private
// redis-server, so its INFO figures are the mesh's own) under a steady mixed load for 200 000 calls: three
// `write_line` calls (each a reserve and a settle on four budget scopes) for one `budget_check` of three scopes.
// Every figure is reported for the first and the last tenth of the run, and as last / first (target <= 1.1).

import { loadavg } from 'node:os';
import { startOwnRedisServer } from '@kidsstories/mesh-redis/testing';
import {
  benchModulePath,
  cpuOf,
  memoryOf,
  startBenchChild,
  stopBenchChildren,
  toolCallRequest,
} from './bench-child.js';
import { GATEWAY_RUNTIME_FLAGS } from './gateway-bench.js';
import { type LoadResult, runClosedLoop } from './load-generator.js';
import { SOAK_SCOPES, SOAK_SETTLED_RETENTION_MS } from './soak-scopes.js';

/** Options for {@link runSoakBench}. */
export interface SoakBenchOptions {
  /** Calls in the whole run (a tenth at a time). Default 200 000. */
  calls?: number;
  /** Calls in flight: three quarters `write_line`, one quarter `budget_check`. Default 8. */
  concurrency?: number;
  /**
   * Warm-up before the first tenth, in milliseconds, not counted. Default two settlement retentions plus 2 s
   * (32 s), so the ledger's record of settlements has reached its steady size.
   */
  warmUpMs?: number;
  /**
   * Run a full garbage collection in each child at the end of every tenth (after RSS is read) to report the
   * retained heap. Default true. False leaves V8's collector alone, to see how RSS evolves on its own (the
   * retained heap is then not reported).
   */
  collectEachTenth?: boolean;
}

/** The figures of one tenth of the run. */
export interface SoakTenth {
  /** `write_line` through the gateway, in milliseconds. */
  writeLine: { p50Ms: number; p99Ms: number };
  /** `budget_check` through the gateway, in milliseconds. */
  budgetCheck: { p50Ms: number; p99Ms: number };
  /** CPU time (user + system) per call, in microseconds. */
  cpuUsPerCall: { gateway: number; node: number; redis: number };
  /** RSS at the end of the tenth, in MB. */
  rssMb: { gateway: number; node: number };
  /**
   * The V8 heap at the end of the tenth, in MB: `heapTotal` (what V8 has taken from the system, most of RSS) and
   * `retained` (`heapUsed` right after a full collection: what the process holds on to, garbage excluded).
   */
  heapMb: { gateway: { total: number; retained: number }; node: { total: number; retained: number } };
  /** Redis `used_memory` at the end of the tenth, in MB. */
  redisUsedMemoryMb: number;
  /** Keys in Redis at the end of the tenth. */
  redisKeys: number;
  callsPerSec: number;
}

/** What {@link runSoakBench} measured. */
export interface SoakBenchResult {
  calls: number;
  first: SoakTenth;
  last: SoakTenth;
  /** Every figure of `last` divided by the same figure of `first` (target <= 1.1 each). */
  lastOverFirst: Record<string, number>;
  /**
   * Every tenth in order, compact (`writeLine` p50 ms, gateway / node / Redis CPU us per call, Redis MB, keys,
   * gateway / node RSS MB, gateway / node retained heap MB, gateway / node heap total MB), so a trend can be
   * told from a noisy machine.
   */
  tenths: number[][];
  /** The machine's 1-minute load average at the start and the end (the run shares its CPUs). */
  loadAverage: { start: number; end: number };
  /** Failed calls over the whole run (must be 0). */
  errors: number;
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** `last / first` for every numeric leaf, keyed by its dotted path. */
function ratios(first: SoakTenth, last: SoakTenth): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (a: object, b: object, path: string) => {
    for (const [key, value] of Object.entries(a)) {
      const other = (b as Record<string, unknown>)[key];
      if (typeof value === 'number' && typeof other === 'number') out[`${path}${key}`] = round(other / value);
      else if (value && typeof value === 'object') walk(value, other as object, `${path}${key}.`);
    }
  };
  walk(first, last, '');
  return out;
}

/** Runs the soak benchmark. */
export async function runSoakBench(options: SoakBenchOptions = {}): Promise<SoakBenchResult> {
  const calls = options.calls ?? 200_000;
  const concurrency = options.concurrency ?? 8;
  const tenth = Math.floor(calls / 10);
  const redis = await startOwnRedisServer();
  const child = benchModulePath('soak-child');
  // `--expose-gc` lets each child report its retained heap (a full collection once a tenth, after RSS is read).
  const gcFlags = options.collectEachTenth === false ? [] : ['--expose-gc'];
  const node = await startBenchChild(child, ['tool', redis.url], gcFlags);
  const gateway = await startBenchChild(
    child,
    ['gateway', node.meshUrl ?? '', redis.url],
    [...GATEWAY_RUNTIME_FLAGS, ...gcFlags],
  );
  const write = toolCallRequest(1, 'write_line', { text: 'Once upon a time, a fox found a lantern.' });
  const check = toolCallRequest(2, 'budget_check', { scopes: [...SOAK_SCOPES] });
  const writers = Math.max(1, Math.round((concurrency * 3) / 4));
  const checkers = Math.max(1, concurrency - writers);
  let errors = 0;
  const load = (count: number): Promise<[LoadResult, LoadResult]> =>
    Promise.all([
      runClosedLoop({
        url: gateway.mcpUrl,
        ...write,
        concurrency: writers,
        requests: Math.round((count * 3) / 4),
      }),
      runClosedLoop({
        url: gateway.mcpUrl,
        ...check,
        concurrency: checkers,
        requests: Math.round(count / 4),
      }),
    ]);
  const measureTenth = async (): Promise<SoakTenth> => {
    const [gatewayCpu, nodeCpu, redisBefore] = await Promise.all([cpuOf(gateway), cpuOf(node), redis.info()]);
    const started = performance.now();
    const [writes, checks] = await load(tenth);
    const elapsedMs = performance.now() - started;
    errors += writes.errors + checks.errors;
    // One IPC question at a time per child: replies are matched by order.
    const gatewayCpuAfter = await cpuOf(gateway);
    const nodeCpuAfter = await cpuOf(node);
    const redisAfter = await redis.info();
    // RSS is read before the collection that gives the retained heap (see serve-bench-child.ts).
    const gatewayMemory = await memoryOf(gateway);
    const nodeMemory = await memoryOf(node);
    const done = writes.requests + checks.requests;
    return {
      writeLine: { p50Ms: round(writes.p50Ms), p99Ms: round(writes.p99Ms) },
      budgetCheck: { p50Ms: round(checks.p50Ms), p99Ms: round(checks.p99Ms) },
      cpuUsPerCall: {
        gateway: round((gatewayCpuAfter - gatewayCpu) / done, 1),
        node: round((nodeCpuAfter - nodeCpu) / done, 1),
        redis: round((redisAfter.cpuUs - redisBefore.cpuUs) / done, 1),
      },
      rssMb: { gateway: round(gatewayMemory.rssMb, 1), node: round(nodeMemory.rssMb, 1) },
      heapMb: {
        gateway: {
          total: round(gatewayMemory.heapTotalMb, 1),
          retained: round(gatewayMemory.retainedHeapMb ?? Number.NaN, 1),
        },
        node: {
          total: round(nodeMemory.heapTotalMb, 1),
          retained: round(nodeMemory.retainedHeapMb ?? Number.NaN, 1),
        },
      },
      redisUsedMemoryMb: round(redisAfter.usedMemoryBytes / 1024 / 1024, 2),
      redisKeys: redisAfter.keys,
      callsPerSec: round((done / elapsedMs) * 1000, 0),
    };
  };
  try {
    // Warm-up (JIT, connection pools, script caches, and two settlement retentions so the ledger's record of
    // settlements has reached its steady size), not counted in the run.
    const warmUntil = performance.now() + (options.warmUpMs ?? 2 * SOAK_SETTLED_RETENTION_MS + 2_000);
    while (performance.now() < warmUntil) {
      const [warmWrites, warmChecks] = await load(1_000);
      if (warmWrites.errors + warmChecks.errors > 0) throw new Error('the soak warm-up calls failed');
    }
    // Every tenth starts right after the full collection that reads the children's retained heap (the end of the
    // previous tenth): the first one too, so that it is measured as the others are. A forced collection makes the
    // next seconds cost more CPU (V8 shrinks its heap and flushes code), so a first tenth measured without one
    // read up to 2x cheaper than the rest.
    await memoryOf(gateway);
    await memoryOf(node);
    const start = loadavg()[0] ?? 0;
    const all: SoakTenth[] = [];
    for (let index = 0; index < 10; index += 1) all.push(await measureTenth());
    const first = all[0]!;
    const last = all[9]!;
    const tenths = all.map((t) => [
      t.writeLine.p50Ms,
      t.cpuUsPerCall.gateway,
      t.cpuUsPerCall.node,
      t.cpuUsPerCall.redis,
      t.redisUsedMemoryMb,
      t.redisKeys,
      t.rssMb.gateway,
      t.rssMb.node,
      t.heapMb.gateway.retained,
      t.heapMb.node.retained,
      t.heapMb.gateway.total,
      t.heapMb.node.total,
    ]);
    const loadAverage = { start: round(start, 2), end: round(loadavg()[0] ?? 0, 2) };
    return {
      calls: tenth * 10,
      first,
      last,
      lastOverFirst: ratios(first, last),
      tenths,
      loadAverage,
      errors,
    };
  } finally {
    await stopBenchChildren([gateway, node]);
    await redis.stop();
  }
}
