import { AGE_BANDS } from '@kidsstories/kidsstories-tools/bundle';
import type { OrchestrateInput, StoryPipeline } from '@kidsstories/kidsstories-tools/pipeline';
import type { Logger, WorkQueue } from '@kidsstories/mesh-core';

/** The queue the daily schedule adds its jobs to, and the schedule's id. */
export const DAILY_QUEUE = 'kidsstories-daily';
export const DAILY_SCHEDULE_ID = 'kidsstories-daily-stories';

/** Options for {@link scheduleDailyStories}. */
export interface DailyScheduleOptions {
  /** Cron pattern (UTC), five fields or six (seconds first). */
  pattern: string;
  logger: Logger;
  /** What every scheduled run makes besides the day and age band. Default: the parameters' defaults. */
  input?: Omit<OrchestrateInput, 'ageBand' | 'date'>;
}

/**
 * Makes every age band's story at each tick of `pattern` (UTC): a schedule on `work` whose jobs run the pipeline.
 * On BullMQ one tick adds one job however many replicas declare the schedule, and the generation lock keeps one
 * bundle per date and age band. Each run is logged as `scheduled story` with the tick's job id.
 */
export async function scheduleDailyStories(
  work: WorkQueue,
  pipeline: StoryPipeline,
  options: DailyScheduleOptions,
): Promise<void> {
  const { logger, input = {} } = options;
  await work.process(DAILY_QUEUE, async (job) => {
    for (const ageBand of AGE_BANDS) {
      const { dir, reused } = await pipeline.run({ ...input, ageBand });
      logger.info('scheduled story', { tick: job.id, ageBand, dir, reused });
    }
    return null;
  });
  await work.schedule(DAILY_SCHEDULE_ID, { pattern: options.pattern, tz: 'UTC' }, DAILY_QUEUE, {});
}
