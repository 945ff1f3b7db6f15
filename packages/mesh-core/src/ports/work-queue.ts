/**
 * The work-queue port: named queues of jobs with ids, worked by handlers under per-queue limits (concurrency in
 * this process, a start rate shared by every replica), and cron schedules. It is where a mesh runs durable,
 * rate-limited work such as provider calls: with Redis (BullMQ in `@kidsstories/mesh-redis`) a queue's waiting
 * jobs are a Redis list that autoscalers read, its rate limit holds across replicas, a job whose worker died is
 * run again, and a schedule fires once per tick however many replicas declare it. The in-memory implementation is
 * the embedded default. Every implementation must pass `workQueueContract` from `@kidsstories/mesh-core/testing`.
 *
 * Payloads and results are JSON values. Job ids are unique per queue: adding an id that is waiting, running or
 * finished within the retention window joins that job instead of adding another.
 */

/** Limits of one queue. Give every replica the same. */
export interface WorkQueueLimits {
  /** Jobs of this queue run at once by this process. Default 1. */
  concurrency?: number;
  /** Most jobs started per `durationMs`, across every replica sharing the queue. Default: no limit. */
  rateLimit?: { max: number; durationMs: number };
}

/** A job as its handler sees it. */
export interface WorkJob<TPayload = unknown> {
  queue: string;
  id: string;
  payload: TPayload;
  /** Aborted when the queue closes while the job runs. */
  signal: AbortSignal;
}

/** Works one job; resolves its result (a JSON value) or rejects (a `MeshError` keeps its code for the caller). */
export type WorkHandler<TPayload = unknown, TResult = unknown> = (job: WorkJob<TPayload>) => Promise<TResult>;

/** Options for {@link WorkQueue.run}. */
export interface WorkRunOptions {
  /** Stops waiting for the result (the job itself goes on); the call rejects `canceled`. */
  signal?: AbortSignal;
}

/** How many jobs of a queue are where. */
export interface WorkQueueCounts {
  /** Waiting to start (including those held back by the rate limit). */
  waiting: number;
  /** Running now. */
  active: number;
  /** Scheduled for later. */
  delayed: number;
}

/** A cron schedule. */
export interface WorkSchedule {
  /** Cron pattern, five fields (minute precision) or six (seconds first). */
  pattern: string;
  /** IANA time zone of the pattern. Default `UTC`. */
  tz?: string;
}

/** Durable, rate-limited work on named queues. */
export interface WorkQueue {
  /**
   * Works `queue` in this process with `handler` under `limits`, until {@link WorkQueue.close}. One handler per
   * queue and process.
   */
  process<TPayload, TResult>(
    queue: string,
    handler: WorkHandler<TPayload, TResult>,
    limits?: WorkQueueLimits,
  ): Promise<void>;
  /**
   * Adds job `id` to `queue` (or joins the job with that id that is waiting, running or finished within the
   * retention window) and resolves with its result. A job that failed is run again by the next `run` with its id.
   *
   * @throws MeshError the handler's error (same code, message and details), or `canceled` when `signal` aborts.
   */
  run<TResult = unknown>(
    queue: string,
    id: string,
    payload: unknown,
    options?: WorkRunOptions,
  ): Promise<TResult>;
  /** Where the jobs of `queue` are. */
  counts(queue: string): Promise<WorkQueueCounts>;
  /**
   * Adds a job with `payload` to `queue` at every tick of `schedule`, as schedule `id`; declaring the same id
   * again (on any replica) replaces it, so one job is added per tick.
   */
  schedule(id: string, schedule: WorkSchedule, queue: string, payload: unknown): Promise<void>;
  /** Removes schedule `id`. */
  unschedule(id: string): Promise<void>;
  /** Stops working and scheduling, aborts running jobs' signals and releases connections. Idempotent. */
  close(): Promise<void>;
}
