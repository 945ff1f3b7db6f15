import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, MeshError, type StateStore } from '@kidsstories/mesh-core';
import {
  createStreamConsumer,
  DEFAULT_STREAM_CONSUMER,
  type StreamConsumer,
  type StreamEntry,
} from '@kidsstories/mesh-core/ports';
import { PIPELINE_STREAMS, parseStageCompleteEvent } from '../bundle/pipeline-events.js';
import { generationLockKey } from './generation-lock-key.js';
import { orchestrateInputSchema } from './orchestrate-input.js';
import type { StoryPipeline } from './story-pipeline.js';

/** Options for {@link createPipelineContinuation}. */
export interface PipelineContinuationOptions {
  /** This consumer's name within the group, unique per process (the gateway's instance id). */
  consumer: string;
  /** Consumer group on the `story.complete` and `media.complete` streams. Default `kidsstories:pipeline-continuation`. */
  group?: string;
  /** The store holding the streams. Default: the pipeline's state store (where it appends them). */
  store?: StateStore;
  /**
   * An entry pending this long (its consumer died, or its delivery ended without a bundle) is delivered again, to
   * any replica, in milliseconds. Default 300 000 (the generation lock's default lease).
   */
  visibilityTimeoutMs?: number;
  /**
   * How long one delivery watches a live lock holder before it gives the entry back for a later delivery, in
   * milliseconds; below `visibilityTimeoutMs`. Default half of `visibilityTimeoutMs`.
   */
  holderWaitMs?: number;
  /** How often a delivery waiting on a live holder looks at the lock again, in milliseconds. Default 1 000. */
  pollMs?: number;
  /**
   * Deliveries of one event before it goes to the dead-letter stream (`<stream>:dead-letter`): each delivery that
   * found a live holder for `holderWaitMs`, or whose continued run failed, counts. Default 5.
   */
  maxDeliveries?: number;
  /** How long a read waits for new entries, in milliseconds. Default 2 000. */
  blockMs?: number;
  /** Default: the pipeline's logger. */
  logger?: Logger;
}

/** Defaults of {@link PipelineContinuationOptions}. */
export const DEFAULT_PIPELINE_CONTINUATION = Object.freeze({
  group: 'kidsstories:pipeline-continuation',
  visibilityTimeoutMs: 300_000,
  pollMs: 1_000,
  maxDeliveries: DEFAULT_STREAM_CONSUMER.maxDeliveries,
  blockMs: DEFAULT_STREAM_CONSUMER.blockMs,
});

/** The pipeline's continuation: one consumer on `story.complete`, one on `media.complete`. */
export interface PipelineContinuation {
  /** Creates the consumer groups (new entries only, `$`) and consumes in the background. */
  start(): Promise<void>;
  /** Stops consuming; a run it was continuing is aborted (its entry is delivered again later). Idempotent. */
  close(): Promise<void>;
}

/**
 * The pipeline's later steps as consumers of its own streams, so that a run whose gateway died is finished by
 * another replica with nobody touching it. Every gateway starts one; they share a consumer group on
 * `story.complete` and on `media.complete` (at least once, dead-letter after `maxDeliveries`). For each entry:
 *
 * 1. While the run's lock `generation:{date}:{ageBand}` has a holder (a live run, which extends its lease), the
 *    delivery watches it for up to `holderWaitMs`; if it is still held then, the entry stays pending and is
 *    delivered again after `visibilityTimeoutMs`.
 * 2. Once the lock is free (the run ended, or its holder died and the lease ran out), it calls
 *    {@link StoryPipeline.run} with the input the event carries: a verified bundle is found as is, otherwise the run
 *    is continued under the same lock from its last finished step (nothing finished is generated again).
 * 3. The entry is acknowledged only when the run has its bundle; a continued run that fails leaves it pending, and
 *    after `maxDeliveries` deliveries it goes to `<stream>:dead-letter`.
 *
 * Groups start at new entries (`$`) when created, so a first start never continues old runs.
 *
 * @throws MeshError `invalid_argument` for bad options.
 * @example
 * ```ts
 * const continuation = createPipelineContinuation(pipeline, { consumer: 'gw-1' });
 * await continuation.start();
 * // …
 * await continuation.close();
 * ```
 */
export function createPipelineContinuation(
  pipeline: StoryPipeline,
  options: PipelineContinuationOptions,
): PipelineContinuation {
  const defaults = DEFAULT_PIPELINE_CONTINUATION;
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? defaults.visibilityTimeoutMs;
  const holderWaitMs = options.holderWaitMs ?? visibilityTimeoutMs / 2;
  const pollMs = options.pollMs ?? defaults.pollMs;
  for (const [field, value] of Object.entries({ visibilityTimeoutMs, holderWaitMs, pollMs })) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new MeshError(`${field} must be a number > 0`, 'invalid_argument', { details: { field } });
    }
  }
  if (holderWaitMs >= visibilityTimeoutMs) {
    throw new MeshError('holderWaitMs must be below visibilityTimeoutMs', 'invalid_argument', {
      details: { field: 'holderWaitMs' },
    });
  }
  const { lock, now } = pipeline.options;
  const logger = options.logger ?? pipeline.options.logger;

  const handler = async (entry: StreamEntry, signal: AbortSignal): Promise<void> => {
    const event = parseStageCompleteEvent(entry.fields);
    const parsed = orchestrateInputSchema.safeParse(event.input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MeshError(
        `${event.type} event ${entry.id}: input.${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        'invalid_argument',
        { details: { field: 'input' } },
      );
    }
    const key = generationLockKey(event.date, event.ageBand);
    const watchUntil = now() + holderWaitMs;
    for (let holder = await lock.holder(key); holder !== undefined; holder = await lock.holder(key)) {
      if (now() >= watchUntil) {
        throw new MeshError(
          `the run of ${event.date} ages ${event.ageBand} is still held by ${holder}; the entry is delivered again later`,
          'failed_precondition',
          { details: { key, holder } },
        );
      }
      await sleep(pollMs, undefined, { signal });
    }
    const { dir, manifest, reused } = await pipeline.run(parsed.data, { signal });
    logger.info(reused ? 'pipeline run already has its bundle' : 'pipeline run continued to its bundle', {
      stream: event.type,
      entry: entry.id,
      date: event.date,
      ageBand: event.ageBand,
      eventRunId: event.runId,
      bundleRunId: manifest.runId,
      dir,
    });
  };

  const consumers: StreamConsumer[] = [PIPELINE_STREAMS.storyComplete, PIPELINE_STREAMS.mediaComplete].map(
    (stream) =>
      createStreamConsumer({
        store: options.store ?? pipeline.options.state,
        stream,
        group: options.group ?? defaults.group,
        consumer: options.consumer,
        handler,
        visibilityTimeoutMs,
        maxDeliveries: options.maxDeliveries ?? defaults.maxDeliveries,
        blockMs: options.blockMs ?? defaults.blockMs,
        // One entry at a time: a delivery may watch a live run for a while, and others should not wait behind it.
        batchSize: 1,
        startId: '$',
        logger,
      }),
  );

  return {
    async start() {
      await Promise.all(consumers.map((consumer) => consumer.start()));
    },
    async close() {
      await Promise.all(consumers.map((consumer) => consumer.close()));
    },
  };
}
