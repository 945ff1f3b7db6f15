// The `ledger` member of `npm run bench` (issue 20 item 3): reserve plus settle per call after 1 000, 20 000 and
// 200 000 charges in the window, for the in-memory ledger and the Redis ledger (on a private redis-server, so
// `used_memory` is the ledger's own), with the memory each holds per million calls. Two comparisons say whether
// the one structure that grows in this run, the settlement record, is what makes a call dearer: the in-memory
// curve with every settle kept against only the last few, and the Redis ledger with 200 000 ids in its record
// against a fresh one, in alternating batches.

import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type CostLedger, createMemoryCostLedger } from '@kidsstories/mesh-core';
import { createRedisConnection, createRedisCostLedger } from '@kidsstories/mesh-redis';
import { type OwnRedisServer, startOwnRedisServer } from '@kidsstories/mesh-redis/testing';

/** Options for {@link runLedgerBench}. */
export interface LedgerBenchOptions {
  /** Charges in the window at which per-call cost is measured. Default `[1_000, 20_000, 200_000]`. */
  checkpoints?: readonly number[];
  /** Reserve+settle pairs timed at each checkpoint of the Redis curve. Default 2 000. */
  sampleCalls?: number;
  /**
   * Reserve+settle pairs timed at each checkpoint of the in-memory curves. Default 20 000: an in-memory pair costs
   * a few microseconds, so 2 000 of them (batches of 1-2 ms) read mostly timer and scheduling noise.
   */
  memorySampleCalls?: number;
}

/** Per-call cost of one ledger at one number of charges already in the window. */
export interface LedgerPoint {
  /** Charges made before the sample (all within the 1 h window). */
  charges: number;
  /** One reserve plus its settle, sequential, median of 5 batches, in microseconds of wall time. */
  usPerCall: number;
  /**
   * CPU time of the ledger's own work per reserve plus settle, median of the 5 batches, in microseconds: this
   * process's CPU for the in-memory ledger, Redis's `used_cpu_user + used_cpu_sys` for the Redis ledger. Steadier
   * than wall time on a shared machine.
   */
  cpuUsPerCall: number;
  /**
   * Garbage-collection pauses of this process per reserve plus settle (Node's `gc` performance entries), over
   * all 5 batches (a mean: most batches see no collection), in microseconds: what marking a large live heap
   * costs the in-memory ledger. For the Redis ledger it is the client's.
   */
  gcUsPerCall: number;
}

/** What this process holds after a full collection, in MB. */
export interface HeldMemory {
  /** V8's `heapUsed`: what the collector marks. */
  heapMb: number;
  /** `arrayBuffers`: typed arrays' bytes, outside the marked heap (the settlement record lives there). */
  arrayBuffersMb: number;
}

/** The figures of one ledger implementation. */
export interface LedgerCurve {
  points: LedgerPoint[];
  /** usPerCall at the last checkpoint / usPerCall at the first (target <= 1.2: flat). */
  ratio: number;
  /** cpuUsPerCall at the last checkpoint / cpuUsPerCall at the first (target <= 1.2: flat). */
  cpuRatio: number;
  /**
   * Memory held per million calls: growth of the heap plus array buffers (memory ledger) or of Redis
   * `used_memory` (Redis ledger) over the run, divided by the calls made, times 1e6, in MB. The Redis figure is the settlement records,
   * which are kept 10 min after a reservation's expiry and then dropped: it is the steady-state cost of
   * 1 million calls per 15 min, not a growth that goes on.
   */
  mbPerMillionCalls: number;
  /** In-memory ledgers: what the process held at the end of the curve, the ledger still open. */
  held?: HeldMemory;
}

/**
 * Does the settlement record's size change the in-memory ledger's cost? The same curve twice, on a clock that
 * moves 1 ms per reading (so a retention is a number of calls, about one reserve+settle per 2 ms): with the
 * default 10-minute retention every settle of the run is kept (the record grows to every charge), with 1 s only
 * the last 500 or so are.
 */
export interface MemoryRetentionComparison {
  /** `settledRetentionMs` 600 000: the record holds every settle of the run. */
  allKept: LedgerCurve;
  /** `settledRetentionMs` 1 000: the record holds about 500 settles. */
  fewKept: LedgerCurve;
}

/**
 * Does the settlement record's size change the Redis ledger's cost? After the Redis curve, its ledger (every
 * settle of the run in its record) and a fresh one (1 000 charges) on the same Redis, from the same client, in 20
 * alternating batches: drift of the machine's load falls on both alike, unlike the curve's checkpoints, which are
 * minutes apart.
 */
export interface RedisInterleaved {
  /** Ids in each ledger's settlement record (`settled:<bucket>` hashes). */
  settledIds: { large: number; fresh: number };
  /** Redis CPU per reserve+settle, median of the batches, in microseconds. */
  cpuUsPerCall: { large: number; fresh: number };
  /** Median over the batch pairs of large / fresh Redis CPU per call. */
  cpuRatio: number;
  /** Median over the batch pairs of large / fresh wall time per call. */
  wallRatio: number;
}

/** Large against fresh in alternating batches: medians of the batches and of the pairs' ratios. */
export interface InterleavedPair {
  /** CPU per reserve+settle, median of the batches, in microseconds. */
  cpuUsPerCall: { large: number; fresh: number };
  /** Median over the batch pairs of large / fresh CPU per call. */
  cpuRatio: number;
}

/**
 * Does a call of the in-memory ledger cost more after many charges? In this process, 40 alternating pairs of
 * batches: before each batch a new ledger is filled with the last checkpoint's charges (200 000 by default: its
 * record holds every one) or the first's (1 000), then the heap is collected, then the batch is timed. Each
 * batch meets a ledger of exactly that many charges, just made, and a change of the machine's load falls on
 * both sides of a pair alike: the curve's checkpoints, seconds apart on a shared machine, get no such
 * protection. Two more runs of the same say what the figure is made of: `control` times the first
 * checkpoint's ledger against itself (the instrument's own bias, 1.0 when it has none), and `fewKept` the two
 * ledgers on a clock that moves 1 ms per reading with a 1 s retention, so both records hold about 500 settles.
 */
export interface MemoryInterleaved {
  /** Charges in each ledger before each of its batches. */
  charges: { large: number; fresh: number };
  /** Every settle kept (the default retention): the figure the target is about (cpuRatio <= 1.2: flat). */
  allKept: InterleavedPair;
  /** About 500 settles kept in both: what the rest of the ledger costs after many charges. */
  fewKept: InterleavedPair;
  /** The first checkpoint against itself. */
  control: InterleavedPair;
}

/** What {@link runLedgerBench} measured. */
export interface LedgerBenchResult {
  memory: LedgerCurve;
  memoryRetention: MemoryRetentionComparison;
  memoryInterleaved: MemoryInterleaved;
  redis: LedgerCurve;
  redisInterleaved: RedisInterleaved;
}

const SCOPES = ['day', 'server:text', 'tool:generate_story'];
const usd = (costUsd: number) => ({ model: 'bench', costUsd });

/** One reserve of 0.0002 USD on three scopes (and global) and its settle at 0.0001 USD: the call timed. */
async function reserveAndSettle(ledger: CostLedger): Promise<void> {
  await ledger.settle(await ledger.reserve(usd(0.0002), { scopes: SCOPES }), usd(0.0001));
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Makes `count` reserve+settle pairs, `concurrency` at a time. */
async function fill(ledger: CostLedger, count: number, concurrency: number): Promise<void> {
  let left = count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left -= 1;
        await reserveAndSettle(ledger);
      }
    }),
  );
}

let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});

/** Garbage-collection time of this process so far, in microseconds, once the pending `gc` entries are in. */
async function gcUs(): Promise<number> {
  // The entries reach the observer on a later turn of the event loop, not within a run of microtasks.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return gcMs * 1000;
}

/** Median over 5 batches of sequential reserve+settle pairs: wall, CPU and GC microseconds per pair. */
async function sample(
  ledger: CostLedger,
  calls: number,
  cpuUs: () => Promise<number>,
): Promise<{ usPerCall: number; cpuUsPerCall: number; gcUsPerCall: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  let gcTotalUs = 0;
  const perBatch = Math.max(1, Math.floor(calls / 5));
  for (let batch = 0; batch < 5; batch += 1) {
    const gcBefore = await gcUs();
    const cpuBefore = await cpuUs();
    const started = performance.now();
    for (let call = 0; call < perBatch; call += 1) await reserveAndSettle(ledger);
    wall.push(((performance.now() - started) * 1000) / perBatch);
    cpu.push(((await cpuUs()) - cpuBefore) / perBatch);
    gcTotalUs += (await gcUs()) - gcBefore;
  }
  return { usPerCall: median(wall), cpuUsPerCall: median(cpu), gcUsPerCall: gcTotalUs / (5 * perBatch) };
}

async function curve(
  ledger: CostLedger,
  warmup: CostLedger,
  checkpoints: readonly number[],
  sampleCalls: number,
  concurrency: number,
  memoryBytes: () => Promise<number>,
  cpuUs: () => Promise<number>,
): Promise<LedgerCurve> {
  // JIT, connection and script cache warm-up on a separate ledger, so the first checkpoint is not the slowest.
  await fill(warmup, 5_000, concurrency);
  await sample(warmup, sampleCalls, cpuUs);
  await warmup.close();
  const points: LedgerPoint[] = [];
  const before = await memoryBytes();
  let made = 0;
  for (const charges of checkpoints) {
    await fill(ledger, charges - made, concurrency);
    made = charges;
    const { usPerCall, cpuUsPerCall, gcUsPerCall } = await sample(ledger, sampleCalls, cpuUs);
    made += sampleCalls;
    points.push({
      charges,
      usPerCall: Number(usPerCall.toFixed(1)),
      cpuUsPerCall: Number(cpuUsPerCall.toFixed(1)),
      gcUsPerCall: Number(gcUsPerCall.toFixed(2)),
    });
  }
  const grown = (await memoryBytes()) - before;
  return {
    points,
    ratio: Number((points.at(-1)!.usPerCall / points[0]!.usPerCall).toFixed(3)),
    cpuRatio: Number((points.at(-1)!.cpuUsPerCall / points[0]!.cpuUsPerCall).toFixed(3)),
    mbPerMillionCalls: Number((((grown / made) * 1e6) / 1024 / 1024).toFixed(2)),
  };
}

// A 24 h `day` budget, so nothing leaves the window during a run.
const BUDGETS = { day: { limitUsd: 1e9, windowMs: 86_400_000 } };

// The heap and the typed arrays' bytes: the in-memory settlement record keeps its ids in typed arrays.
const heap = async () => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const held = (): HeldMemory => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  const mb = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));
  return { heapMb: mb(heapUsed), arrayBuffersMb: mb(arrayBuffers) };
};
const processCpu = async () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * One in-memory ledger's curve. The ledger is made and closed here, so nothing of it stays reachable (and in the
 * heap every later collection marks) once the curve is measured.
 */
async function memoryCurve(
  checkpoints: readonly number[],
  sampleCalls: number,
  options: Omit<Parameters<typeof createMemoryCostLedger>[0] & object, 'budgets'> = {},
): Promise<LedgerCurve> {
  const ledger = createMemoryCostLedger({ budgets: BUDGETS, ...options });
  const result = await curve(
    ledger,
    createMemoryCostLedger({ budgets: BUDGETS, ...options }),
    checkpoints,
    sampleCalls,
    1,
    heap,
    processCpu,
  );
  result.held = held();
  await ledger.close();
  return result;
}

/** A clock that moves 1 ms per reading, from now. */
function steppingClock(): () => number {
  let t = Date.now();
  return () => t++;
}

/** See {@link RedisInterleaved}. */
async function interleave(
  large: CostLedger,
  fresh: CostLedger,
  server: OwnRedisServer,
  settledIds: RedisInterleaved['settledIds'],
  callsPerBatch: number,
): Promise<RedisInterleaved> {
  const batch = async (ledger: CostLedger) => {
    const cpuBefore = (await server.info()).cpuUs;
    const started = performance.now();
    for (let call = 0; call < callsPerBatch; call += 1) await reserveAndSettle(ledger);
    const wallUs = ((performance.now() - started) * 1000) / callsPerBatch;
    return { wallUs, cpuUs: ((await server.info()).cpuUs - cpuBefore) / callsPerBatch };
  };
  const pairs: Array<{ large: { wallUs: number; cpuUs: number }; fresh: { wallUs: number; cpuUs: number } }> =
    [];
  for (let pair = 0; pair < 20; pair += 1) {
    // Alternate which goes first, so a change of load during a pair favours neither.
    if (pair % 2 === 0) {
      const first = await batch(large);
      pairs.push({ large: first, fresh: await batch(fresh) });
    } else {
      const first = await batch(fresh);
      pairs.push({ fresh: first, large: await batch(large) });
    }
  }
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return {
    settledIds,
    cpuUsPerCall: {
      large: round(median(pairs.map((pair) => pair.large.cpuUs)), 1),
      fresh: round(median(pairs.map((pair) => pair.fresh.cpuUs)), 1),
    },
    cpuRatio: round(median(pairs.map((pair) => pair.large.cpuUs / pair.fresh.cpuUs)), 3),
    wallRatio: round(median(pairs.map((pair) => pair.large.wallUs / pair.fresh.wallUs)), 3),
  };
}

/** A ledger of `charges` reserve+settle pairs, just made, the heap collected: the CPU microseconds per pair of a batch. */
async function freshBatch(
  charges: number,
  calls: number,
  options: Omit<Parameters<typeof createMemoryCostLedger>[0] & object, 'budgets'>,
): Promise<number> {
  const ledger = createMemoryCostLedger({ budgets: BUDGETS, ...options });
  for (let call = 0; call < charges; call += 1) await reserveAndSettle(ledger);
  gc();
  const before = await processCpu();
  for (let call = 0; call < calls; call += 1) await reserveAndSettle(ledger);
  const cpuUs = ((await processCpu()) - before) / calls;
  await ledger.close();
  return cpuUs;
}

/** 40 alternating pairs of {@link freshBatch}es, after 3 pairs of warm-up. */
async function interleavePair(
  largeCharges: number,
  freshCharges: number,
  callsPerBatch: number,
  options: () => Omit<Parameters<typeof createMemoryCostLedger>[0] & object, 'budgets'> = () => ({}),
): Promise<InterleavedPair> {
  const large = () => freshBatch(largeCharges, callsPerBatch, options());
  const fresh = () => freshBatch(freshCharges, callsPerBatch, options());
  for (let warm = 0; warm < 3; warm += 1) {
    await large();
    await fresh();
  }
  const pairs: Array<{ large: number; fresh: number }> = [];
  for (let pair = 0; pair < 40; pair += 1) {
    if (pair % 2 === 0) {
      const first = await large();
      pairs.push({ large: first, fresh: await fresh() });
    } else {
      const first = await fresh();
      pairs.push({ fresh: first, large: await large() });
    }
  }
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return {
    cpuUsPerCall: {
      large: round(median(pairs.map((pair) => pair.large)), 2),
      fresh: round(median(pairs.map((pair) => pair.fresh)), 2),
    },
    cpuRatio: round(median(pairs.map((pair) => pair.large / pair.fresh)), 3),
  };
}

/** See {@link MemoryInterleaved}. */
async function interleaveMemory(
  largeCharges: number,
  freshCharges: number,
  callsPerBatch: number,
): Promise<MemoryInterleaved> {
  return {
    charges: { large: largeCharges, fresh: freshCharges },
    allKept: await interleavePair(largeCharges, freshCharges, callsPerBatch),
    fewKept: await interleavePair(largeCharges, freshCharges, callsPerBatch, () => ({
      now: steppingClock(),
      settledRetentionMs: 1_000,
    })),
    control: await interleavePair(freshCharges, freshCharges, callsPerBatch),
  };
}

/** Runs the ledger micro-benchmark. */
export async function runLedgerBench(options: LedgerBenchOptions = {}): Promise<LedgerBenchResult> {
  const checkpoints = options.checkpoints ?? [1_000, 20_000, 200_000];
  const sampleCalls = options.sampleCalls ?? 2_000;
  const memorySampleCalls = options.memorySampleCalls ?? 20_000;
  const budgets = BUDGETS;
  gcObserver.observe({ entryTypes: ['gc'] });
  try {
    return await measure(checkpoints, sampleCalls, memorySampleCalls, budgets);
  } finally {
    gcObserver.disconnect();
  }
}

async function measure(
  checkpoints: readonly number[],
  sampleCalls: number,
  memorySampleCalls: number,
  budgets: typeof BUDGETS,
): Promise<LedgerBenchResult> {
  const memory = await memoryCurve(checkpoints, memorySampleCalls);
  const memoryRetention: MemoryRetentionComparison = {
    allKept: await memoryCurve(checkpoints, memorySampleCalls, {
      now: steppingClock(),
      settledRetentionMs: 600_000,
    }),
    fewKept: await memoryCurve(checkpoints, memorySampleCalls, {
      now: steppingClock(),
      settledRetentionMs: 1_000,
    }),
  };
  const memoryInterleaved = await interleaveMemory(
    checkpoints.at(-1)!,
    checkpoints[0]!,
    Math.max(1, Math.floor(memorySampleCalls / 5)),
  );

  const server = await startOwnRedisServer();
  const connection = createRedisConnection({ url: server.url, instanceId: 'ledger-bench' });
  try {
    await connection.ready();
    const redisLedger = createRedisCostLedger({ connection, budgets });
    const warmup = createRedisCostLedger({ connection, budgets, name: 'warmup' });
    const redis = await curve(
      redisLedger,
      warmup,
      checkpoints,
      sampleCalls,
      32,
      async () => (await server.info()).usedMemoryBytes,
      async () => (await server.info()).cpuUs,
    );
    const fresh = createRedisCostLedger({ connection, budgets, name: 'fresh' });
    await fill(fresh, 1_000, 32);
    const settledIds = async (name: string) => {
      let ids = 0;
      for (const key of await connection.client.keys(`ledger:{${name}}:settled:*`)) {
        ids += await connection.client.hlen(key);
      }
      return ids;
    };
    const redisInterleaved = await interleave(
      redisLedger,
      fresh,
      server,
      { large: await settledIds('default'), fresh: await settledIds('fresh') },
      Math.max(1, Math.floor(sampleCalls / 10)),
    );
    await Promise.all([redisLedger.close(), fresh.close()]);
    return { memory, memoryRetention, memoryInterleaved, redis, redisInterleaved };
  } finally {
    await connection.close();
    await server.stop();
  }
}
