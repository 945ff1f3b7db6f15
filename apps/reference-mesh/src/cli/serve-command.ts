import { AGE_BANDS } from '@kidsstories/kidsstories-tools/bundle';
import { createJsonLogger, createMemoryWorkQueue, type WorkQueue } from '@kidsstories/mesh-core';
import { createBullmqWorkQueue } from '@kidsstories/mesh-redis';
import { openRedisPorts } from '../redis-ports.js';
import { startReferenceMesh } from '../reference-mesh.js';
import type { ServeCommand } from './parse-command-line.js';

/** The queue the daily schedule adds its jobs to, and the schedule's id. */
export const DAILY_QUEUE = 'kidsstories-daily';
export const DAILY_SCHEDULE_ID = 'kidsstories-daily-stories';

/**
 * `kidsstories-mesh serve`: starts the four servers and keeps them up; any MCP client can call `orchestrate` (and
 * every other tool) on the gateway. With `--schedule`, every age band's story is made at each tick of the cron
 * pattern (UTC): on BullMQ's job scheduler with `--redis` (one tick's job however many replicas declare it, and
 * one bundle per date and age band thanks to the generation lock), with croner in memory otherwise.
 * Resolves once the mesh is up; stops on SIGINT/SIGTERM.
 */
export async function serveCommand(command: ServeCommand): Promise<void> {
  const logger = createJsonLogger({ fields: { app: 'reference-mesh', instanceId: command.instanceId } });
  const redis = command.redisUrl
    ? await openRedisPorts({ url: command.redisUrl, instanceId: command.instanceId, logger })
    : undefined;
  const work: WorkQueue = command.redisUrl
    ? createBullmqWorkQueue({ url: command.redisUrl })
    : createMemoryWorkQueue();
  const mesh = await startReferenceMesh({
    gatewayPort: command.port,
    hostname: command.host,
    logger,
    instanceId: command.instanceId,
    outDir: command.outDir,
    work,
    ...(redis ? { ports: redis.ports } : {}),
  }).catch(async (error: unknown) => {
    await work.close();
    await redis?.close();
    throw error;
  });
  if (command.schedule) {
    await work.process(DAILY_QUEUE, async () => {
      for (const ageBand of AGE_BANDS) {
        const { dir, reused } = await mesh.pipeline.run({ ageBand });
        logger.info('scheduled story', { ageBand, dir, reused });
      }
      return null;
    });
    await work.schedule(DAILY_SCHEDULE_ID, { pattern: command.schedule, tz: 'UTC' }, DAILY_QUEUE, {});
  }
  const lines = [
    redis === undefined
      ? 'KidsStories reference mesh is running (offline providers, in-memory state).'
      : `KidsStories reference mesh replica ${command.instanceId} is running (offline providers, state in Redis).`,
    `Gateway MCP endpoint: ${mesh.gatewayUrl} (call orchestrate { "ageBand": "6-8" } to make a story)`,
    ...(['text', 'media', 'video'] as const).map(
      (name) => `  ${name.padEnd(6)} node: MCP ${mesh.nodes[name].mcpUrl}  mesh ${mesh.nodes[name].meshUrl}`,
    ),
    `Bundles: ${mesh.pipeline.options.outDir}`,
    ...(command.schedule ? [`Schedule: every age band at "${command.schedule}" (UTC)`] : []),
    `Metrics: ${new URL('/metrics', mesh.gatewayUrl).href}`,
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    void mesh
      .close()
      .then(() => work.close())
      .then(() => redis?.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
