// The `redis` member of `npm run bench`: lock throughput against node-redlock in the same run, stream
// propagation latency between two processes, and breaker propagation between two replicas (issue 3).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
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
  /** Shorter runs (about 5 s in total instead of about 15 s), for CI. Default false. */
  quick?: boolean;
}

/** Lock throughput at one contention level. */
export interface LockThroughput {
  contenders: number;
  /** Acquire+release pairs per second with `createRedisLock`. */
  opsPerSec: number;
  /** Acquire+release pairs per second with node-redlock on the same Redis, same retry policy. */
  redlockOpsPerSec: number;
}

/** What {@link runRedisBench} measured. */
export interface RedisBenchResult {
  lock: {
    /** Acquire+release per second with 8 contenders (the contended case), `createRedisLock`. */
    opsPerSec: number;
    /** The same with node-redlock. */
    redlockOpsPerSec: number;
    /** `opsPerSec / redlockOpsPerSec`. */
    ratio: number;
    /** Times two contenders were inside the critical section at once, over every run (must be 0). */
    violations: number;
    /** Figures per contention level (1 and 8 contenders). */
    byContenders: LockThroughput[];
  };
  /** XADD in one process to XREADGROUP delivery in another, in milliseconds. */
  stream: { p50Ms: number; p99Ms: number; samples: number };
  /** A breaker transition on one replica until the other replica's watcher sees it, in milliseconds. */
  breakerPropagation: { p50Ms: number; p99Ms: number; samples: number };
}

const LOCK_KEY = 'bench:generation:2026-11-24:4-6';
const WARMUP_MS = 300;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Number(sorted[index]!.toFixed(3));
}

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `contenders` loops of try-acquire/release for `durationMs`; counts pairs and overlaps. */
async function measureLock(
  contenders: number,
  durationMs: number,
  attempt: (index: number) => Promise<(() => Promise<void>) | undefined>,
): Promise<{ ops: number; violations: number; opsPerSec: number }> {
  let ops = 0;
  let inside = 0;
  let violations = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: contenders }, async (_, index) => {
      while (performance.now() < deadline) {
        const release = await attempt(index);
        if (!release) {
          await yieldNow();
          continue;
        }
        inside += 1;
        if (inside > 1) violations += 1;
        inside -= 1;
        await release();
        ops += 1;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return { ops, violations, opsPerSec: Math.round((ops / elapsedMs) * 1000) };
}

async function lockBench(redisUrl: string, prefix: string, durationMs: number) {
  const byContenders: LockThroughput[] = [];
  let violations = 0;
  for (const contenders of [1, 8]) {
    const connections: RedisConnection[] = [];
    const redlockConnections: RedisConnection[] = [];
    try {
      for (let index = 0; index < contenders; index += 1) {
        const options = { url: redisUrl, keyPrefix: prefix, instanceId: `bench-${index}` };
        connections.push(createRedisConnection(options));
        redlockConnections.push(createRedisConnection(options));
      }
      await Promise.all([...connections, ...redlockConnections].map((connection) => connection.ready()));
      const locks = connections.map((connection) => createRedisLock({ connection, restartQuarantineMs: 0 }));
      const oursAttempt = async (index: number) => {
        const lock = locks[index]!;
        const lease = await lock.tryAcquire(LOCK_KEY, { ttlMs: 10_000 });
        return lease ? async () => void (await lock.release(lease)) : undefined;
      };
      // node-redlock with one Redis and no internal retries: the same try-once policy as tryAcquire.
      const redlocks = redlockConnections.map(
        (connection) => new Redlock([connection.client], { retryCount: 0, automaticExtensionThreshold: 500 }),
      );
      const theirsAttempt = async (index: number) => {
        try {
          const held = await redlocks[index]!.acquire([`${prefix}redlock:${LOCK_KEY}`], 10_000);
          return async () => void (await held.release());
        } catch {
          return undefined;
        }
      };
      // Warm both up (script cache, JIT) before measuring, then measure each in turn.
      await measureLock(contenders, WARMUP_MS, oursAttempt);
      await measureLock(contenders, WARMUP_MS, theirsAttempt);
      const ours = await measureLock(contenders, durationMs, oursAttempt);
      const theirs = await measureLock(contenders, durationMs, theirsAttempt);
      violations += ours.violations + theirs.violations;
      byContenders.push({ contenders, opsPerSec: ours.opsPerSec, redlockOpsPerSec: theirs.opsPerSec });
    } finally {
      await Promise.all([...connections, ...redlockConnections].map((connection) => connection.close()));
    }
  }
  const contended = byContenders.at(-1)!;
  return {
    opsPerSec: contended.opsPerSec,
    redlockOpsPerSec: contended.redlockOpsPerSec,
    ratio: Number((contended.opsPerSec / Math.max(1, contended.redlockOpsPerSec)).toFixed(2)),
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
    const lock = await lockBench(options.redisUrl, prefix, quick ? 1_000 : 3_000);
    const stream = await streamBench(options.redisUrl, prefix, quick ? 300 : 2_000);
    const breakerPropagation = await breakerBench(options.redisUrl, prefix, quick ? 100 : 500);
    return { lock, stream, breakerPropagation };
  } finally {
    await deletePrefix(options.redisUrl, prefix);
  }
}
