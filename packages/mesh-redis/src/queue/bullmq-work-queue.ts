import { setMaxListeners } from 'node:events';
import { MeshError, type WorkQueue } from '@kidsstories/mesh-core';
import {
  checkInteger,
  checkNonEmptyString,
  checkPositive,
  decodeJobError,
  encodeJobError,
  raceSignal,
  resolveWorkQueueLimits,
  type WorkQueueCounts,
} from '@kidsstories/mesh-core/ports';
import { type Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { GuardedConnector } from '../connection/guarded-connector.js';

/** Options for {@link createBullmqWorkQueue}. */
export interface BullmqWorkQueueOptions {
  /** Redis URL (`redis://` or `rediss://`). Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** More ioredis options for every connection (TLS, credentials…). */
  redisOptions?: RedisOptions;
  /**
   * BullMQ key prefix. Default `bull`, so a queue's waiting jobs are the Redis list `bull:<queue>:wait` (what the
   * KEDA `redis` scaler reads).
   */
  prefix?: string;
  /** How long finished jobs are kept for joins by id, in milliseconds. Default 86 400 000 (24 h). */
  retentionMs?: number;
  /** Most finished jobs kept per queue. Default 1 000. */
  maxRetained?: number;
  /**
   * How long a worker holds a job before another may take it over (the job is then run again), in milliseconds.
   * BullMQ renews it at half this while the worker lives. Default 30 000.
   */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died, in milliseconds. Default 30 000. */
  stalledIntervalMs?: number;
}

/** Defaults of {@link BullmqWorkQueueOptions}. */
export const DEFAULT_BULLMQ_WORK_QUEUE = Object.freeze({
  url: 'redis://127.0.0.1:6379',
  prefix: 'bull',
  retentionMs: 86_400_000,
  maxRetained: 1_000,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
});

/** {@link BullmqWorkQueueOptions} with every default applied and every value checked. */
export interface ResolvedBullmqWorkQueueOptions {
  url: string;
  redisOptions: RedisOptions | undefined;
  prefix: string;
  retentionMs: number;
  maxRetained: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/**
 * Applies {@link DEFAULT_BULLMQ_WORK_QUEUE} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: an empty `url` or `prefix`, a `retentionMs` not above 0, a
 *   `maxRetained`, `lockDurationMs` or `stalledIntervalMs` that is not a whole number above 0.
 * @example
 * ```ts
 * resolveBullmqWorkQueueOptions({ url: process.env.REDIS_URL }).prefix; // 'bull'
 * ```
 */
export function resolveBullmqWorkQueueOptions(
  options: BullmqWorkQueueOptions = {},
): ResolvedBullmqWorkQueueOptions {
  const defaults = DEFAULT_BULLMQ_WORK_QUEUE;
  return {
    url: checkNonEmptyString(options.url ?? defaults.url, 'url'),
    redisOptions: options.redisOptions,
    prefix: checkNonEmptyString(options.prefix ?? defaults.prefix, 'prefix'),
    retentionMs: checkPositive(options.retentionMs ?? defaults.retentionMs, 'retentionMs'),
    maxRetained: checkInteger(options.maxRetained ?? defaults.maxRetained, 'maxRetained'),
    lockDurationMs: checkInteger(options.lockDurationMs ?? defaults.lockDurationMs, 'lockDurationMs'),
    stalledIntervalMs: checkInteger(
      options.stalledIntervalMs ?? defaults.stalledIntervalMs,
      'stalledIntervalMs',
    ),
  };
}

// BullMQ job ids may not contain ':' (its key separator); ids are encoded reversibly.
const encodeId = (id: string) => id.replaceAll('%', '%25').replaceAll(':', '%3A');
const decodeId = (id: string) => id.replaceAll('%3A', ':').replaceAll('%25', '%');

/**
 * A {@link WorkQueue} on Redis with BullMQ: one BullMQ queue per work queue (waiting jobs in the list
 * `<prefix>:<queue>:wait`), a worker per queue this process works, with the queue's concurrency and a rate limit
 * BullMQ enforces across every worker of every replica, jobs joined by id (BullMQ returns the existing job for a
 * known id), jobs of a dead worker run again after `lockDurationMs`, and schedules as BullMQ job schedulers (one per
 * id, however many replicas upsert it).
 *
 * @example
 * ```ts
 * const work = createBullmqWorkQueue({ url: process.env.REDIS_URL });
 * await work.process('kidsstories-image', drawPage, { rateLimit: { max: 10, durationMs: 60_000 } });
 * const page = await work.run('kidsstories-image', '2026-12-06_6-8_p1', { page: 1 });
 * ```
 */
export function createBullmqWorkQueue(options: BullmqWorkQueueOptions = {}): WorkQueue {
  const settings = resolveBullmqWorkQueueOptions(options);
  const retentionSec = Math.ceil(settings.retentionMs / 1000);
  const clients: Redis[] = [];
  const client = () => {
    // BullMQ's workers and event readers block: no retry limit per request (BullMQ's rule). The sockets keep an
    // error listener for life, as every mesh-redis connection's do (GuardedConnector), unless the options bring
    // their own connector or Sentinels (ioredis picks its Sentinel connector only when no connector is given).
    const guarded: RedisOptions = settings.redisOptions?.sentinels ? {} : { Connector: GuardedConnector };
    const redis = new Redis(settings.url, {
      ...guarded,
      ...settings.redisOptions,
      maxRetriesPerRequest: null,
    });
    redis.on('error', () => {
      // ioredis reconnects by itself; BullMQ reports failures through the calls that need Redis.
    });
    clients.push(redis);
    return redis;
  };
  const queues = new Map<string, { queue: Queue; redis: Redis }>();
  const events = new Map<string, Promise<QueueEvents>>();
  const workers = new Map<string, Worker>();
  const schedules = new Map<string, string>();
  const closing = new AbortController();
  // Every running job listens to it (through its own signal) until it ends: no cap, no warning.
  setMaxListeners(0, closing.signal);

  const queueEntry = (name: string) => {
    let entry = queues.get(name);
    if (!entry) {
      const redis = client();
      const queue = new Queue(name, { connection: redis, prefix: settings.prefix });
      queue.on('error', () => {});
      // Every job this process waits for listens for the queue closing until it finishes (BullMQ's
      // waitUntilFinished): as many listeners as jobs in flight, each removed when its job ends.
      queue.setMaxListeners(0);
      entry = { queue, redis };
      queues.set(name, entry);
    }
    return entry;
  };
  const queueOf = (name: string) => queueEntry(name).queue;
  const openEvents = async (name: string) => {
    const { queue, redis } = queueEntry(name);
    // A QueueEvents left to itself starts reading the event stream at `$`, whatever is newest when its first
    // XREAD reaches Redis, which may be after BullMQ's waitUntilFinished checked that the job had not finished:
    // a job ending in between was never reported, and run() waited forever. It starts instead after the newest
    // event now, before any wait checks a job, so every ending after a check is read.
    const newest = await redis.xrevrange(queue.toKey('events'), '+', '-', 'COUNT', 1);
    const queueEvents = new QueueEvents(name, {
      connection: client(),
      prefix: settings.prefix,
      lastEventId: newest[0]?.[0] ?? '0-0',
    });
    queueEvents.on('error', () => {});
    return queueEvents;
  };
  const eventsOf = (name: string) => {
    let opening = events.get(name);
    if (!opening) {
      checkOpen();
      opening = openEvents(name);
      events.set(name, opening);
      // A failed start (Redis unreachable) is not kept: the next run tries again.
      opening.catch(() => {
        if (events.get(name) === opening) events.delete(name);
      });
    }
    return opening;
  };
  const checkOpen = () => {
    if (closing.signal.aborted) throw new MeshError('the work queue is closed', 'unavailable');
  };
  const retention = { age: retentionSec, count: settings.maxRetained };

  return {
    async process(name, handler, limits) {
      checkOpen();
      if (workers.has(name)) {
        throw new MeshError(`queue ${name} already has a handler in this process`, 'already_exists', {
          details: { queue: name },
        });
      }
      const { concurrency, rateLimit } = resolveWorkQueueLimits(limits);
      const worker = new Worker(
        name,
        async (job: Job, _token?: string, signal?: AbortSignal) => {
          try {
            return await handler({
              queue: name,
              id: decodeId(job.id ?? ''),
              payload: job.data,
              signal: signal ? AbortSignal.any([signal, closing.signal]) : closing.signal,
            });
          } catch (error) {
            // Unrecoverable: retries belong to the caller (the mesh's policies), not to the queue.
            throw new UnrecoverableError(encodeJobError(error));
          }
        },
        {
          connection: client(),
          prefix: settings.prefix,
          concurrency,
          lockDuration: settings.lockDurationMs,
          stalledInterval: settings.stalledIntervalMs,
          ...(rateLimit ? { limiter: { max: rateLimit.max, duration: rateLimit.durationMs } } : {}),
        },
      );
      worker.on('error', () => {});
      workers.set(name, worker);
      await worker.waitUntilReady();
    },
    async run<TResult>(
      name: string,
      id: string,
      payload: unknown,
      runOptions: { signal?: AbortSignal } = {},
    ) {
      checkOpen();
      if (typeof id !== 'string' || id === '') {
        throw new MeshError('a job id must be a non-empty string', 'invalid_argument', {
          details: { field: 'id' },
        });
      }
      const queue = queueOf(name);
      const jobId = encodeId(id);
      let job = (await queue.getJob(jobId)) as Job | undefined;
      if (job && (await job.isFailed())) {
        // A failed job runs again on the next run with its id.
        await job.retry('failed').catch(() => {
          // Another caller retried it first.
        });
      }
      job ??= await queue.add(name, payload, {
        jobId,
        attempts: 1,
        removeOnComplete: retention,
        removeOnFail: retention,
      });
      const stop = runOptions.signal ? AbortSignal.any([runOptions.signal, closing.signal]) : closing.signal;
      try {
        const queueEvents = await raceSignal(eventsOf(name), stop);
        return (await raceSignal(job.waitUntilFinished(queueEvents), stop)) as TResult;
      } catch (error) {
        if (MeshError.isInstance(error)) throw error;
        throw decodeJobError(error instanceof Error ? error.message : String(error));
      }
    },
    async counts(name): Promise<WorkQueueCounts> {
      const counts = await queueOf(name).getJobCounts('wait', 'prioritized', 'active', 'delayed');
      return {
        waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
      };
    },
    async schedule(id, schedule, name, payload) {
      checkOpen();
      await queueOf(name).upsertJobScheduler(
        id,
        { pattern: schedule.pattern, tz: schedule.tz ?? 'UTC' },
        { name, data: payload, opts: { removeOnComplete: retention, removeOnFail: retention } },
      );
      schedules.set(id, name);
    },
    async unschedule(id) {
      const names = schedules.has(id) ? [schedules.get(id) as string] : [...queues.keys()];
      await Promise.all(names.map((name) => queueOf(name).removeJobScheduler(id)));
      schedules.delete(id);
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort(new MeshError('the work queue closed', 'canceled'));
      await Promise.allSettled([...workers.values()].map((worker) => worker.close()));
      await Promise.allSettled([...events.values()].map(async (opening) => (await opening).close()));
      await Promise.allSettled([...queues.values()].map(({ queue }) => queue.close()));
      for (const redis of clients) redis.disconnect();
    },
  };
}
