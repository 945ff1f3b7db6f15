// The `redis` member of `npm run bench`: lock throughput against node-redlock in the same run, stream
// propagation latency between two processes, and breaker propagation between two replicas (issue 3).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { DistributedLock } from '@kidsstories/mesh-core';
import { acquireLock } from '@kidsstories/mesh-core/ports';
import {
  createRedisCircuitStateStore,
  createRedisConnection,
  createRedisLock,
  createRedisStateStore,
  type RedisConnection,
} from '@kidsstories/mesh-redis';

/** The part of node-redlock 5 the bench uses (its package ships types its `exports` map does not expose). */
interface RedlockLike {
  acquire(resources: string[], durationMs: number): Promise<{ release(): Promise<unknown> }>;
}
type RedlockConstructor = new (clients: Iterable<unknown>, settings?: Record<string, unknown>) => RedlockLike;
const Redlock = (createRequire(import.meta.url)('redlock') as { default: RedlockConstructor }).default;
/** ioredis, resolved from @kidsstories/mesh-redis (which depends on it), for the producer process. */
const ioredisPath = createRequire(import.meta.resolve('@kidsstories/mesh-redis')).resolve('ioredis');

/** Options for {@link runRedisBench}. */
export interface RedisBenchOptions {
  /** The Redis to measure against (a scratch prefix is used and deleted afterwards). */
  redisUrl: string;
  /** Shorter runs (about 8 s in total instead of about 35 s), for CI. Default false. */
  quick?: boolean;
}

/** How contenders use the lock in a {@link LockThroughput} cell. */
export type LockScenario = 'natural' | 'tryOnce';

/** Lock throughput of one scenario at one contention level (medians over alternating rounds). */
export interface LockThroughput {
  scenario: LockScenario;
  contenders: number;
  /** Acquire+release pairs per second with `createRedisLock`. */
  opsPerSec: number;
  /** Acquire+release pairs per second with node-redlock on the same Redis. */
  redlockOpsPerSec: number;
  /** `opsPerSec / redlockOpsPerSec`. */
  ratio: number;
  /** Blocking acquisitions that gave up (ours: `acquireLock` timeout; redlock: its retries ran out). */
  failedAcquires: number;
  redlockFailedAcquires: number;
}

/** What {@link runRedisBench} measured. */
export interface RedisBenchResult {
  lock: {
    /** Acquire+release per second, `createRedisLock` with `acquireLock`, 8 contenders, `natural` scenario. */
    opsPerSec: number;
    /** The same with node-redlock's `acquire` at its default retry settings. */
    redlockOpsPerSec: number;
    /** `opsPerSec / redlockOpsPerSec`: the 8-contender `natural` figure (see `ratioDefinition`). */
    ratio: number;
    /** What `ratio` is, in words. */
    ratioDefinition: string;
    /** Geometric mean of the ratios of every cell in `byContenders`. */
    geometricMeanRatio: number;
    /**
     * Safety: times two contenders were inside the critical section at once, plus times a fencing token did
     * not grow, over every round of both implementations (must be 0).
     */
    violations: number;
    /** Every cell: scenarios `natural` and `tryOnce` at 1 and 8 contenders. */
    byContenders: LockThroughput[];
  };
  /** XADD in one process to XREADGROUP delivery in another, in milliseconds. */
  stream: { p50Ms: number; p99Ms: number; samples: number };
  /** A breaker transition on one replica until the other replica's watcher sees it, in milliseconds. */
  breakerPropagation: { p50Ms: number; p99Ms: number; samples: number };
}

const LOCK_KEY = 'bench:generation:2026-11-24:4-6';
const LOCK_TTL_MS = 10_000;
/** Critical section and time outside it in the `natural` scenario, in milliseconds. */
const NATURAL_HOLD_MS = 1;
const WARMUP_MS = 300;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Number(sorted[index]!.toFixed(3));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));
const pauseMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One attempt of a contender: a release function once held (with the fencing token, when there is one). */
type LockAttempt = (
  index: number,
) => Promise<{ release: () => Promise<void>; fencingToken?: number } | undefined>;

/**
 * Runs `contenders` loops of acquire / critical section / release for `durationMs`; counts pairs, failed
 * acquisitions, overlapping critical sections and fencing tokens that did not grow. The critical section
 * spans an `await` (one event-loop turn, or `holdMs`), so an overlap would be seen.
 */
async function measureLock(
  contenders: number,
  durationMs: number,
  attempt: LockAttempt,
  holdMs: number | undefined,
): Promise<{ opsPerSec: number; violations: number; failed: number }> {
  let ops = 0;
  let inside = 0;
  let violations = 0;
  let failed = 0;
  let lastToken = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: contenders }, async (_, index) => {
      while (performance.now() < deadline) {
        const held = await attempt(index);
        if (!held) {
          failed += 1;
          await yieldNow();
          continue;
        }
        inside += 1;
        if (inside > 1) violations += 1;
        if (held.fencingToken !== undefined) {
          if (held.fencingToken <= lastToken) violations += 1;
          lastToken = held.fencingToken;
        }
        await (holdMs === undefined ? yieldNow() : pauseMs(holdMs));
        inside -= 1;
        await held.release();
        ops += 1;
        // Work outside the lock before wanting it again (natural scenario only).
        if (holdMs !== undefined) await pauseMs(holdMs);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return { opsPerSec: Math.round((ops / elapsedMs) * 1000), violations, failed };
}

/**
 * Lock throughput, ours against node-redlock, on the same Redis with the same key pattern and the same
 * contenders (one connection each, like replicas), warmed up, alternating which goes first each round, and
 * reporting medians over the rounds. Two scenarios:
 *
 * - `natural`: each library as documented for waiting. Ours: `acquireLock` with its defaults (it waits in
 *   the Redis lock's fair queue, `DistributedLock.acquire`: the releasing holder hands the lease straight to
 *   the next waiter). node-redlock:
 *   `acquire` with its defaults (10 retries, 200 ms +- 100 ms apart). Each contender holds the lock 1 ms and
 *   then works 1 ms outside it, so with 8 contenders there is always demand and the figure shows how soon
 *   a released lock is taken again.
 * - `tryOnce`: the raw cost of an attempt. Ours: `tryAcquire`; node-redlock: `acquire` with `retryCount: 0`;
 *   both retry after one event-loop turn and hold the lock for one turn.
 */
async function lockBench(redisUrl: string, prefix: string, durationMs: number, rounds: number) {
  const byContenders: LockThroughput[] = [];
  let violations = 0;
  for (const scenario of ['natural', 'tryOnce'] as const) {
    for (const contenders of [1, 8]) {
      const connections: RedisConnection[] = [];
      const redlockConnections: RedisConnection[] = [];
      const locks: DistributedLock[] = [];
      try {
        for (let index = 0; index < contenders; index += 1) {
          const options = { url: redisUrl, keyPrefix: prefix, instanceId: `bench-${index}` };
          connections.push(createRedisConnection(options));
          redlockConnections.push(createRedisConnection(options));
        }
        await Promise.all([...connections, ...redlockConnections].map((connection) => connection.ready()));
        for (const connection of connections)
          locks.push(createRedisLock({ connection, restartQuarantineMs: 0 }));
        const oursAttempt: LockAttempt = async (index) => {
          const lock = locks[index]!;
          const lease =
            scenario === 'natural'
              ? await acquireLock(lock, LOCK_KEY, { ttlMs: LOCK_TTL_MS }).catch(() => undefined)
              : await lock.tryAcquire(LOCK_KEY, { ttlMs: LOCK_TTL_MS });
          if (!lease) return undefined;
          return { fencingToken: lease.fencingToken, release: async () => void (await lock.release(lease)) };
        };
        const redlocks = redlockConnections.map(
          (connection) => new Redlock([connection.client], scenario === 'natural' ? {} : { retryCount: 0 }),
        );
        const theirsAttempt: LockAttempt = async (index) => {
          try {
            const held = await redlocks[index]!.acquire([`${prefix}redlock:${LOCK_KEY}`], LOCK_TTL_MS);
            return { release: async () => void (await held.release()) };
          } catch {
            return undefined;
          }
        };
        const holdMs = scenario === 'natural' ? NATURAL_HOLD_MS : undefined;
        // Warm both up (script cache, JIT, the release subscription) before measuring.
        await measureLock(contenders, WARMUP_MS, oursAttempt, holdMs);
        await measureLock(contenders, WARMUP_MS, theirsAttempt, holdMs);
        const ours: number[] = [];
        const theirs: number[] = [];
        let failed = 0;
        let redlockFailed = 0;
        for (let round = 0; round < rounds; round += 1) {
          const order = round % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const);
          for (const who of order) {
            const run = await measureLock(
              contenders,
              durationMs,
              who === 'ours' ? oursAttempt : theirsAttempt,
              holdMs,
            );
            violations += run.violations;
            if (who === 'ours') {
              ours.push(run.opsPerSec);
              if (scenario === 'natural') failed += run.failed;
            } else {
              theirs.push(run.opsPerSec);
              if (scenario === 'natural') redlockFailed += run.failed;
            }
          }
        }
        const opsPerSec = median(ours);
        const redlockOpsPerSec = median(theirs);
        byContenders.push({
          scenario,
          contenders,
          opsPerSec,
          redlockOpsPerSec,
          ratio: Number((opsPerSec / Math.max(1, redlockOpsPerSec)).toFixed(2)),
          failedAcquires: failed,
          redlockFailedAcquires: redlockFailed,
        });
      } finally {
        await Promise.all(locks.map((lock) => lock.close()));
        await Promise.all([...connections, ...redlockConnections].map((connection) => connection.close()));
      }
    }
  }
  const headline = byContenders.find((cell) => cell.scenario === 'natural' && cell.contenders === 8)!;
  const geometricMeanRatio = Math.exp(
    byContenders.reduce((sum, cell) => sum + Math.log(Math.max(cell.ratio, 0.001)), 0) / byContenders.length,
  );
  return {
    opsPerSec: headline.opsPerSec,
    redlockOpsPerSec: headline.redlockOpsPerSec,
    ratio: headline.ratio,
    ratioDefinition:
      'opsPerSec / redlockOpsPerSec with 8 contenders in the natural scenario (each library waiting as documented, 1 ms hold, 1 ms outside)',
    geometricMeanRatio: Number(geometricMeanRatio.toFixed(2)),
    violations,
    byContenders,
  };
}

/** A producer in another OS process: plain ioredis XADDs stamped with a sub-millisecond wall clock. */
const PRODUCER_SOURCE = `
const ioredis = require(process.argv[1]);
const Redis = ioredis.Redis || ioredis.default || ioredis;
const [url, stream, count, pauseMs] = process.argv.slice(2);
const redis = new Redis(url);
const wallNow = () => performance.timeOrigin + performance.now();
(async () => {
  for (let i = 0; i < Number(count); i += 1) {
    await redis.xadd(stream, '*', 'sentAt', String(wallNow()));
    await new Promise((resolve) => setTimeout(resolve, Number(pauseMs)));
  }
  await redis.quit();
})().catch((error) => { console.error(error); process.exit(1); });
`;

async function streamBench(redisUrl: string, prefix: string, samples: number) {
  const connection = createRedisConnection({
    url: redisUrl,
    keyPrefix: prefix,
    instanceId: 'bench-consumer',
  });
  const store = createRedisStateStore({ connection });
  try {
    await connection.ready();
    const stream = 'bench:story.complete';
    await store.streamCreateGroup(stream, 'bench', { startId: '$' });
    const child = spawn(
      process.execPath,
      ['-e', PRODUCER_SOURCE, ioredisPath, redisUrl, `${prefix}${stream}`, String(samples), '2'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const exited = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`stream producer exited with ${code}`)),
      );
    });
    const latencies: number[] = [];
    while (latencies.length < samples) {
      const entries = await store.streamReadGroup(stream, 'bench', 'bench-1', { blockMs: 5_000, count: 100 });
      const receivedAt = performance.timeOrigin + performance.now();
      if (entries.length === 0) throw new Error('stream bench: the producer stopped sending');
      for (const entry of entries) latencies.push(receivedAt - Number(entry.fields.sentAt));
      await store.streamAck(
        stream,
        'bench',
        entries.map((entry) => entry.id),
      );
    }
    await exited;
    latencies.sort((a, b) => a - b);
    return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), samples: latencies.length };
  } finally {
    await store.close();
    await connection.close();
  }
}

async function breakerBench(redisUrl: string, prefix: string, samples: number) {
  const first = createRedisConnection({ url: redisUrl, keyPrefix: prefix, instanceId: 'gateway-1' });
  const second = createRedisConnection({ url: redisUrl, keyPrefix: prefix, instanceId: 'gateway-2' });
  const one = createRedisCircuitStateStore({ connection: first });
  const two = createRedisCircuitStateStore({ connection: second });
  try {
    await Promise.all([first.ready(), second.ready()]);
    let resolveSeen: ((at: number) => void) | undefined;
    await two.watch(() => resolveSeen?.(performance.now()));
    const latencies: number[] = [];
    let version = 0;
    for (let index = 0; index < samples; index += 1) {
      const seen = new Promise<number>((resolve) => {
        resolveSeen = resolve;
      });
      const sentAt = performance.now();
      const next =
        index % 2 === 0
          ? {
              state: 'open' as const,
              openedAt: Date.now(),
              halfOpenAt: Date.now() + 60_000,
              updatedBy: 'gateway-1',
            }
          : { state: 'closed' as const, updatedBy: 'gateway-1' };
      const stored = await one.transition('peer:media', next, version);
      if (!stored) throw new Error('breaker bench: unexpected concurrent transition');
      version = stored.version;
      latencies.push((await seen) - sentAt);
    }
    latencies.sort((a, b) => a - b);
    return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), samples: latencies.length };
  } finally {
    await Promise.all([one.close(), two.close()]);
    await Promise.all([first.close(), second.close()]);
  }
}

async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const connection = createRedisConnection({ url: redisUrl });
  const client = connection.client;
  try {
    await connection.ready();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await connection.close();
  }
}

/**
 * Measures the Redis ports: lock acquire+release per second with 1 and 8 contenders against node-redlock in
 * the same run (with an in-process overlap check on both), stream propagation latency p50/p99 between two OS
 * processes, and breaker propagation p50/p99 between two replicas' circuit-state stores. Uses a scratch key
 * prefix and deletes it afterwards (never FLUSHALL).
 *
 * @example
 * ```ts
 * const result = await runRedisBench({ redisUrl: 'redis://127.0.0.1:6379', quick: true });
 * console.log(result.lock.ratio, result.stream.p99Ms, result.breakerPropagation.p99Ms);
 * ```
 */
export async function runRedisBench(options: RedisBenchOptions): Promise<RedisBenchResult> {
  const quick = options.quick ?? false;
  const prefix = `bench:${randomUUID().slice(0, 8)}:`;
  try {
    const lock = await lockBench(options.redisUrl, prefix, quick ? 250 : 800, quick ? 2 : 4);
    const stream = await streamBench(options.redisUrl, prefix, quick ? 300 : 2_000);
    const breakerPropagation = await breakerBench(options.redisUrl, prefix, quick ? 100 : 500);
    return { lock, stream, breakerPropagation };
  } finally {
    await deletePrefix(options.redisUrl, prefix);
  }
}
