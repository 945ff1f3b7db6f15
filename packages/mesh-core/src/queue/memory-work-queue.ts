import { setMaxListeners } from 'node:events';
import { Cron } from 'croner';
import PQueue from 'p-queue';
import { MeshError } from '../errors/mesh-error.js';
import { checkInteger, checkPositive } from '../options/check-options.js';
import type {
  WorkHandler,
  WorkQueue,
  WorkQueueCounts,
  WorkRunOptions,
  WorkSchedule,
} from '../ports/work-queue.js';
import { raceSignal, resolveWorkQueueLimits } from './work-queue-support.js';

/** Options for {@link createMemoryWorkQueue}. */
export interface MemoryWorkQueueOptions {
  /**
   * How long a finished job's result is kept for joins by id, in milliseconds.
   * @default 86_400_000 (24 h)
   */
  retentionMs?: number;
  /**
   * Most finished jobs kept per queue; the oldest go first.
   * @default 1_000
   */
  maxRetained?: number;
  /**
   * Clock in epoch milliseconds.
   * @default Date.now
   */
  now?: () => number;
}

/** The defaults of {@link MemoryWorkQueueOptions} (`now` defaults to `Date.now`). */
export const DEFAULT_MEMORY_WORK_QUEUE = Object.freeze({ retentionMs: 86_400_000, maxRetained: 1_000 });

/** {@link MemoryWorkQueueOptions} with every default applied and checked. */
export type ResolvedMemoryWorkQueueOptions = Required<MemoryWorkQueueOptions>;

/**
 * Applies {@link DEFAULT_MEMORY_WORK_QUEUE} to `options` and checks them once.
 *
 * @throws MeshError `invalid_argument` naming the field: a `retentionMs` that is not a number above 0, or a
 *   `maxRetained` that is not a whole number of at least 1.
 */
export function resolveMemoryWorkQueueOptions(
  options: MemoryWorkQueueOptions = {},
): ResolvedMemoryWorkQueueOptions {
  return {
    retentionMs: checkPositive(options.retentionMs ?? DEFAULT_MEMORY_WORK_QUEUE.retentionMs, 'retentionMs'),
    maxRetained: checkInteger(options.maxRetained ?? DEFAULT_MEMORY_WORK_QUEUE.maxRetained, 'maxRetained'),
    now: options.now ?? Date.now,
  };
}

interface QueueState {
  /** Created with the queue's limits when its handler is registered. */
  queue?: PQueue;
  /** Jobs added before the handler was registered, started when it is. */
  backlog: Array<() => void>;
  /** Starts a job on the queue; set with the handler. */
  start?: (id: string, payload: unknown) => Promise<unknown>;
  /** Jobs waiting, running or finished (within retention), by id, oldest first. */
  jobs: Map<string, { promise: Promise<unknown>; finishedAt?: number }>;
}

/**
 * The in-memory {@link WorkQueue} (the embedded default): one `p-queue` per queue with the queue's concurrency and
 * start rate, jobs joined by id, schedules run by `croner`. Everything lives in this process: a rate limit holds
 * for this process only, and jobs and schedules end with it.
 *
 * @example
 * ```ts
 * const work = createMemoryWorkQueue();
 * await work.process('images', async ({ payload }) => draw(payload), { rateLimit: { max: 10, durationMs: 60_000 } });
 * const picture = await work.run('images', 'story-7-page-1', { page: 1 });
 * ```
 */
export function createMemoryWorkQueue(options: MemoryWorkQueueOptions = {}): WorkQueue {
  const { retentionMs, maxRetained, now } = resolveMemoryWorkQueueOptions(options);
  const queues = new Map<string, QueueState>();
  const schedules = new Map<string, Cron>();
  const closing = new AbortController();
  // Every running job gets it as its signal and may listen to it until it ends: no cap, no warning.
  setMaxListeners(0, closing.signal);

  const stateOf = (name: string): QueueState => {
    let state = queues.get(name);
    if (!state) {
      state = { backlog: [], jobs: new Map() };
      queues.set(name, state);
    }
    return state;
  };

  const prune = (state: QueueState) => {
    let finished = 0;
    for (const job of state.jobs.values()) if (job.finishedAt !== undefined) finished++;
    for (const [id, job] of state.jobs) {
      if (job.finishedAt === undefined) continue;
      if (finished <= maxRetained && now() - job.finishedAt < retentionMs) continue;
      state.jobs.delete(id);
      finished--;
    }
  };

  const checkOpen = () => {
    if (closing.signal.aborted) throw new MeshError('the work queue is closed', 'unavailable');
  };

  const workQueue: WorkQueue = {
    async process(name, handler, limits) {
      checkOpen();
      const state = stateOf(name);
      if (state.queue) {
        throw new MeshError(`queue ${name} already has a handler in this process`, 'already_exists', {
          details: { queue: name },
        });
      }
      const { concurrency, rateLimit } = resolveWorkQueueLimits(limits);
      const queue = new PQueue({
        concurrency,
        ...(rateLimit ? { intervalCap: rateLimit.max, interval: rateLimit.durationMs } : {}),
      });
      state.queue = queue;
      const work = handler as WorkHandler;
      state.start = (id, payload) =>
        queue.add(() => work({ queue: name, id, payload, signal: closing.signal }));
      for (const start of state.backlog.splice(0)) start();
    },
    async run<TResult>(name: string, id: string, payload: unknown, runOptions: WorkRunOptions = {}) {
      checkOpen();
      if (typeof id !== 'string' || id === '') {
        throw new MeshError('a job id must be a non-empty string', 'invalid_argument', {
          details: { field: 'id' },
        });
      }
      const state = stateOf(name);
      prune(state);
      let job = state.jobs.get(id);
      if (!job) {
        // A copy, as a queue on Redis would hand the handler: the caller's object never reaches it.
        const copy = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
        const entry: { promise: Promise<unknown>; finishedAt?: number } = {
          promise: state.start
            ? state.start(id, copy)
            : new Promise((resolve, reject) => {
                state.backlog.push(() => state.start?.(id, copy).then(resolve, reject));
              }),
        };
        entry.promise.then(
          () => {
            entry.finishedAt = now();
          },
          () => {
            // A failed job is forgotten, so the next run with its id runs it again.
            if (state.jobs.get(id) === entry) state.jobs.delete(id);
          },
        );
        state.jobs.set(id, entry);
        job = entry;
      }
      const stop = runOptions.signal ? AbortSignal.any([runOptions.signal, closing.signal]) : closing.signal;
      return (await raceSignal(job.promise, stop)) as TResult;
    },
    async counts(name): Promise<WorkQueueCounts> {
      const state = queues.get(name);
      return {
        waiting: (state?.backlog.length ?? 0) + (state?.queue?.size ?? 0),
        active: state?.queue?.pending ?? 0,
        delayed: 0,
      };
    },
    async schedule(id, schedule: WorkSchedule, queue, payload) {
      checkOpen();
      schedules.get(id)?.stop();
      const cron = new Cron(schedule.pattern, { timezone: schedule.tz ?? 'UTC', protect: true }, async () => {
        const tick = cron.currentRun()?.toISOString() ?? new Date(now()).toISOString();
        await workQueue.run(queue, `${id}@${tick}`, payload).catch(() => {
          // The job's own failure is the handler's to report; a schedule keeps ticking.
        });
      });
      schedules.set(id, cron);
    },
    async unschedule(id) {
      schedules.get(id)?.stop();
      schedules.delete(id);
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort(new MeshError('the work queue closed', 'canceled'));
      for (const cron of schedules.values()) cron.stop();
      schedules.clear();
      for (const state of queues.values()) state.queue?.clear();
      await Promise.allSettled([...queues.values()].map((state) => state.queue?.onIdle()));
    },
  };
  return workQueue;
}
