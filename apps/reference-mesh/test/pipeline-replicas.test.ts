import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PIPELINE_STREAMS, parseBundleCompleteEvent } from '@kidsstories/kidsstories-tools/bundle';
import { type Logger, type StateStore, silentLogger, type WorkQueue } from '@kidsstories/mesh-core';
import type { LogFields } from '@kidsstories/mesh-core/observability';
import { createBullmqWorkQueue } from '@kidsstories/mesh-redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { DAILY_SCHEDULE_ID, scheduleDailyStories } from '../src/cli/daily-schedule.js';
import { openRedisPorts } from '../src/redis-ports.js';
import { startReferenceMesh } from '../src/reference-mesh.js';
import { countingProviders } from './support/counting-providers.js';
import { deletePrefix } from './support/redis-keys.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A logger that keeps the fields of every `msg` record. */
function recordingLogger(msg: string): Logger & { records: LogFields[] } {
  const records: LogFields[] = [];
  const logger: Logger & { records: LogFields[] } = {
    records,
    debug() {},
    info(message, fields = {}) {
      if (message === msg) records.push(fields);
    },
    warn() {},
    error() {},
    child: () => logger,
  };
  return logger;
}

/**
 * The pipeline's work across two replicas on one Redis (issue 11, "the tests show: one run per date and age band
 * across replicas, rate limits held across replicas, … the queue lengths visible"), each test under its own key and
 * BullMQ prefix. Fails (never skips) without Redis.
 */
describe('the pipeline on two replicas sharing Redis', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('--schedule on both replicas: one job per tick, one run per date and age band, one bundle each', async () => {
    const id = randomUUID().slice(0, 8);
    const keyPrefix = `test:schedule:${id}:`;
    const bullPrefix = `${keyPrefix}bull`;
    const outDir = await mkdtemp(join(tmpdir(), 'schedule-'));
    cleanups.push(() => deletePrefix(REDIS_URL, keyPrefix));
    cleanups.push(() => rm(outDir, { recursive: true, force: true }));
    const counting = countingProviders();
    const logs: Array<ReturnType<typeof recordingLogger>> = [];
    const works: WorkQueue[] = [];
    const states: StateStore[] = [];
    for (const instanceId of ['replica-a', 'replica-b']) {
      const redis = await openRedisPorts({ url: REDIS_URL, instanceId, keyPrefix, logger: silentLogger });
      const work = createBullmqWorkQueue({ url: REDIS_URL, prefix: bullPrefix });
      const mesh = await startReferenceMesh({
        ports: redis.ports,
        instanceId,
        outDir,
        work,
        providers: counting.providers,
      });
      cleanups.push(async () => {
        await mesh.close();
        await work.close();
        await redis.close();
      });
      const logger = recordingLogger('scheduled story');
      logs.push(logger);
      works.push(work);
      states.push(redis.ports.state);
      // The same declaration on both replicas, as `serve --schedule` makes it; a tick every 2 seconds.
      await scheduleDailyStories(work, mesh.pipeline, {
        pattern: '*/2 * * * * *',
        logger,
        input: { pages: 1, clips: 0 },
      });
    }
    const records = () => logs.flatMap((logger) => logger.records);
    const ticksWithEveryBand = () => {
      const bands = new Map<string, number>();
      for (const record of records())
        bands.set(String(record.tick), (bands.get(String(record.tick)) ?? 0) + 1);
      return [...bands.values()].filter((count) => count >= 3).length;
    };
    await expect.poll(ticksWithEveryBand, { timeout: 240_000, interval: 500 }).toBeGreaterThanOrEqual(3);
    await works[0]?.unschedule(DAILY_SCHEDULE_ID);

    // Each tick ran each age band once, on one replica or the other, never on both. A tick is named by its time
    // (a scheduler job's id ends with it), so that two schedules firing at the same time would show as one tick run
    // twice.
    const tickTimes = records().map((record) => Number(String(record.tick).split(':').at(-1)));
    expect(tickTimes.every((time) => Number.isInteger(time) && time > 0)).toBe(true);
    const seen = records().map((record, index) => `${tickTimes[index]} ${String(record.ageBand)}`);
    expect(new Set(seen).size).toBe(seen.length);
    expect(logs.map((logger) => logger.records.length).reduce((sum, count) => sum + count, 0)).toBe(
      seen.length,
    );
    // One run made each age band's bundle; every other tick found it.
    const made = records().filter((record) => record.reused === false);
    expect(made.map((record) => record.ageBand).sort()).toEqual(['3-5', '6-8', '9-12']);
    expect(counting.calls.story).toBe(3);
    const bundles = (await states[0]!.streamRange(PIPELINE_STREAMS.bundleComplete)).map((entry) =>
      parseBundleCompleteEvent(entry.fields),
    );
    expect(bundles.map((bundle) => bundle.ageBand).sort()).toEqual(['3-5', '6-8', '9-12']);
  }, 300_000);

  it('holds a rate limit across replicas and shows waiting work in the Redis list KEDA reads', async () => {
    const prefix = `test:ratelimit:${randomUUID().slice(0, 8)}:bull`;
    cleanups.push(() => deletePrefix(REDIS_URL, prefix));
    const queue = 'kidsstories-image';
    const limit = { max: 3, durationMs: 1_000 };
    const starts: Array<{ at: number; replica: string }> = [];
    const works = ['replica-a', 'replica-b'].map((replica) => {
      const work = createBullmqWorkQueue({ url: REDIS_URL, prefix });
      cleanups.push(() => work.close());
      return { replica, work };
    });
    for (const { replica, work } of works) {
      // One job at a time per replica, each 400 ms: together they could start 5 a second; the limit allows 3.
      await work.process(
        queue,
        async ({ id }) => {
          starts.push({ at: Date.now(), replica });
          await sleep(400);
          return id;
        },
        { concurrency: 1, rateLimit: limit },
      );
    }
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => redis.disconnect());
    const waitList = `${prefix}:${queue}:wait`;
    const [first] = works as [(typeof works)[number]];
    const jobs = 12;
    const results = Promise.all(
      Array.from({ length: jobs }, (_, index) => first.work.run<string>(queue, `page-${index}`, { index })),
    );
    // While the limit holds jobs back they wait in the list; KEDA's redis scaler reads its length.
    let mostWaiting = 0;
    const lengths: number[] = [];
    await expect
      .poll(
        async () => {
          const length = await redis.llen(waitList);
          lengths.push(length);
          mostWaiting = Math.max(mostWaiting, length);
          return mostWaiting;
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBeGreaterThanOrEqual(jobs - 2 * limit.max);
    expect((await first.work.counts(queue)).waiting).toBeGreaterThan(0);
    expect((await results).sort()).toEqual(
      Array.from({ length: jobs }, (_, index) => `page-${index}`).sort(),
    );
    expect(await redis.llen(waitList)).toBe(0);
    expect(await first.work.counts(queue)).toEqual({ waiting: 0, active: 0, delayed: 0 });

    // In every window of the limit's length at most `max` jobs started, although both replicas worked the queue.
    expect(new Set(starts.map((start) => start.replica))).toEqual(new Set(['replica-a', 'replica-b']));
    const times = starts.map((start) => start.at).sort((a, b) => a - b);
    // Start times are taken in the handlers, a few milliseconds after BullMQ counted the job against the limit.
    const slackMs = 150;
    const gaps = times.slice(limit.max).map((at, index) => at - (times[index] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(limit.durationMs - slackMs);
  }, 60_000);
});
