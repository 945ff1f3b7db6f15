import {
  createMemoryWorkQueue,
  type DistributedLock,
  type Logger,
  MeshError,
  type StateStore,
  silentLogger,
  type WorkQueue,
} from '@kidsstories/mesh-core';
import type { MeshCaller } from '@kidsstories/mesh-core/link';
import type { WorkQueueLimits } from '@kidsstories/mesh-core/ports';
import type { BundleCredit } from '../bundle/bundle-manifest.js';
import { writeFileAtomic } from '../bundle/write-bundle.js';

/** The pipeline's queues: one per server, and one per rate-limited media provider. */
export type PipelineQueue = 'text' | 'image' | 'speech' | 'video';

/** Options for {@link createStoryPipeline}. */
export interface StoryPipelineOptions {
  /**
   * Reaches the mesh's tools: a peer link to a gateway's mesh service (as the reference mesh does), or any
   * `MeshCaller` (a `MeshClient` fits too). Every step goes through it, so it crosses the mesh's links with their
   * routing, breakers and retries; the pipeline never calls a provider. Every call carries the run id as its
   * correlation id.
   */
  mesh: MeshCaller;
  /** Where each finished step is recorded, and where the pipeline's event streams live. */
  state: StateStore;
  /** The lock `generation:{date}:{ageBand}` is taken on. */
  lock: DistributedLock;
  /** Folder bundles are written under (`{outDir}/stories/{date}/{ageBand}/`). */
  outDir: string;
  /** Where the steps' jobs run. Default: an in-memory work queue owned by the pipeline. */
  work?: WorkQueue;
  /**
   * Limits per queue. Defaults: `image` 10 starts a minute and `speech` 50 a minute (the brief's DALL-E 3 and
   * TTS deployments), concurrency 1 for text, 4 for image and speech, 2 for video. With a Redis work queue the
   * rate limits hold across every replica.
   */
  limits?: Partial<Record<PipelineQueue, WorkQueueLimits>>;
  /** Prefix of the queue names (`{prefix}-text`, `{prefix}-image`…). Default `kidsstories`. */
  queuePrefix?: string;
  /** Lease of the generation lock, in milliseconds; a watchdog extends it. Default 300 000 (the brief's TTL). */
  lockTtlMs?: number;
  /** How long a second caller waits for the lock, in milliseconds. Default 900 000. */
  lockWaitMs?: number;
  /** How long a run's step records are kept, in milliseconds. Default 604 800 000 (7 days). */
  recordTtlMs?: number;
  /** Most entries kept on each event stream. Default 10 000. */
  streamMaxLength?: number;
  /** Written into every manifest. Default `{ name: '@kidsstories/kidsstories-tools', version: '0.1.0' }`. */
  generator?: { name: string; version: string };
  /** Licences and attribution written into every manifest. Default none. */
  credits?: readonly BundleCredit[];
  /**
   * Retries of a step's job that failed because a server was unreachable or too slow (`unavailable`,
   * `deadline_exceeded`) or because its provider stayed rate limited (a 429), on top of the gateway's own
   * retries: exponential backoff from `initialDelayMs` to `maxDelayMs`, at most `maxAttempts` attempts in all. Jobs are idempotent (same id, files replaced atomically).
   * A failure that says when to retry (an open breaker's `retryAfterMs`) is retried then, so a server that was
   * restarted is called again once its breaker lets a probe through. A job that timed out
   * (`deadline_exceeded`) is run at most `timeoutAttempts` times in all (the brief's text timeout: 3 retries after
   * the first attempt, with exponential backoff). A job that fails for good is appended to
   * `PIPELINE_FAILURE_STREAMS.jobDeadLetter` (`kidsstories:pipeline:jobs:dead-letter`) and fails the run (the next run resumes from the last
   * finished step). Default `{ maxAttempts: 12, initialDelayMs: 1000, maxDelayMs: 30000, timeoutAttempts: 4 }`.
   */
  jobRetry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number; timeoutAttempts?: number };
  /**
   * Attempts of a picture's job at one image quality tier (`hd`) before the pipeline lowers the tier (`standard`)
   * for that picture, when the media server keeps failing (`unavailable`, `deadline_exceeded`, a provider 429).
   * The lowest tier gets the full {@link StoryPipelineOptions.jobRetry}. Default 2.
   */
  imageTierAttempts?: number;
  /**
   * How the bundle's own files (`story.json`, `character-guide.json`, `story-manifest.json`) are written: the
   * writer's file-system seam. Default `writeFileAtomic` (temporary file, flush, rename).
   */
  writeFile?: (file: string, data: Uint8Array | string) => Promise<void>;
  /**
   * Retries of a failed bundle write (exponential backoff from `initialDelayMs`); when they are spent an alert is
   * appended to `PIPELINE_FAILURE_STREAMS.alerts` (`kidsstories:pipeline:alerts`) and the run fails (the next run resumes and writes the
   * bundle). Default `{ maxAttempts: 3, initialDelayMs: 500 }`.
   */
  writeRetry?: { maxAttempts?: number; initialDelayMs?: number };
  /**
   * Ask the text server to build the character guide on the media server while it writes the story (the brief's
   * text -> media edge; the text server needs a mesh client that reaches `apply_character_guide`). When false the
   * pipeline calls `apply_character_guide` itself. Default true.
   */
  characterGuideViaText?: boolean;
  /** Budget id every call is charged to. Default none. */
  budgetId?: string;
  /** Budget scopes checked before each costly step. Default `['day']`. */
  budgetScopes?: readonly string[];
  /** Default {@link silentLogger}. */
  logger?: Logger;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Random source for retry jitter, in `[0, 1)`. Default `Math.random`. */
  random?: () => number;
  /** Run ids. Default `crypto.randomUUID`. */
  generateId?: () => string;
}

/** Defaults of {@link StoryPipelineOptions}. */
export const DEFAULT_STORY_PIPELINE = Object.freeze({
  queuePrefix: 'kidsstories',
  lockTtlMs: 300_000,
  lockWaitMs: 900_000,
  recordTtlMs: 604_800_000,
  streamMaxLength: 10_000,
  generator: Object.freeze({ name: '@kidsstories/kidsstories-tools', version: '0.1.0' }),
  budgetScopes: Object.freeze(['day']),
  jobRetry: Object.freeze({ maxAttempts: 12, initialDelayMs: 1_000, maxDelayMs: 30_000, timeoutAttempts: 4 }),
  imageTierAttempts: 2,
  writeRetry: Object.freeze({ maxAttempts: 3, initialDelayMs: 500 }),
  limits: Object.freeze({
    text: { concurrency: 1 },
    image: { concurrency: 4, rateLimit: { max: 10, durationMs: 60_000 } },
    speech: { concurrency: 4, rateLimit: { max: 50, durationMs: 60_000 } },
    video: { concurrency: 2 },
  } satisfies Record<PipelineQueue, WorkQueueLimits>),
});

/** {@link StoryPipelineOptions} with every default applied. */
export interface ResolvedStoryPipelineOptions
  extends Required<
    Omit<
      StoryPipelineOptions,
      'mesh' | 'budgetId' | 'work' | 'limits' | 'credits' | 'budgetScopes' | 'jobRetry' | 'writeRetry'
    >
  > {
  jobRetry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number; timeoutAttempts: number };
  writeRetry: { maxAttempts: number; initialDelayMs: number };
  /** The mesh, called with link options (metadata) through `createOutboundMeshClient`. */
  mesh: MeshCaller;
  work: WorkQueue;
  /** True when the pipeline created `work` and closes it. */
  ownsWork: boolean;
  limits: Record<PipelineQueue, WorkQueueLimits>;
  queues: Record<PipelineQueue, string>;
  credits: BundleCredit[];
  budgetScopes: string[];
  budgetId?: string;
}

/**
 * Applies the defaults of {@link StoryPipelineOptions}.
 *
 * @throws MeshError `invalid_argument` naming a missing port or a bad number.
 */
export function resolveStoryPipelineOptions(options: StoryPipelineOptions): ResolvedStoryPipelineOptions {
  for (const field of ['mesh', 'state', 'lock'] as const) {
    if (!options[field]) {
      throw new MeshError(`the story pipeline needs options.${field}`, 'invalid_argument', {
        details: { field },
      });
    }
  }
  if (typeof options.outDir !== 'string' || options.outDir === '') {
    throw new MeshError('the story pipeline needs options.outDir, a folder', 'invalid_argument', {
      details: { field: 'outDir' },
    });
  }
  const defaults = DEFAULT_STORY_PIPELINE;
  for (const field of ['lockTtlMs', 'lockWaitMs', 'recordTtlMs', 'streamMaxLength'] as const) {
    const value = options[field];
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new MeshError(`${field} must be a number > 0`, 'invalid_argument', { details: { field } });
    }
  }
  for (const [field, attempts] of [
    ['jobRetry.maxAttempts', options.jobRetry?.maxAttempts],
    ['jobRetry.timeoutAttempts', options.jobRetry?.timeoutAttempts],
    ['imageTierAttempts', options.imageTierAttempts],
    ['writeRetry.maxAttempts', options.writeRetry?.maxAttempts],
  ] as const) {
    if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1)) {
      throw new MeshError(`${field} must be a whole number >= 1`, 'invalid_argument', {
        details: { field },
      });
    }
  }
  const prefix = options.queuePrefix ?? defaults.queuePrefix;
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) {
    throw new MeshError('queuePrefix must be letters, digits, _ or -', 'invalid_argument', {
      details: { field: 'queuePrefix' },
    });
  }
  return {
    mesh: options.mesh,
    state: options.state,
    lock: options.lock,
    outDir: options.outDir,
    work: options.work ?? createMemoryWorkQueue(),
    ownsWork: options.work === undefined,
    limits: { ...defaults.limits, ...options.limits },
    queuePrefix: prefix,
    queues: {
      text: `${prefix}-text`,
      image: `${prefix}-image`,
      speech: `${prefix}-speech`,
      video: `${prefix}-video`,
    },
    lockTtlMs: options.lockTtlMs ?? defaults.lockTtlMs,
    lockWaitMs: options.lockWaitMs ?? defaults.lockWaitMs,
    recordTtlMs: options.recordTtlMs ?? defaults.recordTtlMs,
    streamMaxLength: options.streamMaxLength ?? defaults.streamMaxLength,
    generator: options.generator ?? { ...defaults.generator },
    credits: [...(options.credits ?? [])],
    budgetScopes: [...(options.budgetScopes ?? defaults.budgetScopes)],
    characterGuideViaText: options.characterGuideViaText ?? true,
    jobRetry: {
      maxAttempts: options.jobRetry?.maxAttempts ?? defaults.jobRetry.maxAttempts,
      initialDelayMs: options.jobRetry?.initialDelayMs ?? defaults.jobRetry.initialDelayMs,
      maxDelayMs: options.jobRetry?.maxDelayMs ?? defaults.jobRetry.maxDelayMs,
      timeoutAttempts: options.jobRetry?.timeoutAttempts ?? defaults.jobRetry.timeoutAttempts,
    },
    imageTierAttempts: options.imageTierAttempts ?? defaults.imageTierAttempts,
    writeFile: options.writeFile ?? writeFileAtomic,
    writeRetry: {
      maxAttempts: options.writeRetry?.maxAttempts ?? defaults.writeRetry.maxAttempts,
      initialDelayMs: options.writeRetry?.initialDelayMs ?? defaults.writeRetry.initialDelayMs,
    },
    ...(options.budgetId === undefined ? {} : { budgetId: options.budgetId }),
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    generateId: options.generateId ?? (() => crypto.randomUUID()),
  };
}
