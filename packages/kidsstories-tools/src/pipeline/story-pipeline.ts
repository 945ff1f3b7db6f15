import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshError, withLock } from '@kidsstories/mesh-core';
import type { ToolProgress } from '@kidsstories/mesh-core/host';
import { BUNDLE_FILES, bundleDir, type StoryManifest } from '../bundle/bundle-manifest.js';
import { bundleCompleteFields, PIPELINE_STREAMS } from '../bundle/pipeline-events.js';
import { verifyBundle } from '../bundle/read-bundle.js';
import { type GenerationParameters, resolveParameters } from '../parameters/generation-parameters.js';
import { generationLockKey } from './generation-lock-key.js';
import { type OrchestrateInput, orchestrateInputSchema, utcDateOf } from './orchestrate-input.js';
import { createPipelineRun, type PipelinePlan } from './pipeline-run.js';
import {
  type ResolvedStoryPipelineOptions,
  resolveStoryPipelineOptions,
  type StoryPipelineOptions,
} from './story-pipeline-options.js';
import { createToolJobHandler } from './tool-jobs.js';

/** Options for {@link StoryPipeline.run}. */
export interface PipelineRunOptions {
  /** Cancels the run (finished steps stay recorded; the next run resumes from them). */
  signal?: AbortSignal;
  /** Called as the run advances: `progress` of `total` units, `message` naming the stage and page. */
  onProgress?: (progress: ToolProgress) => void;
}

/** What a run produced. */
export interface PipelineRunResult {
  /** The bundle folder. */
  dir: string;
  manifest: StoryManifest;
  /** True when a verified bundle was already there and nothing was generated. */
  reused: boolean;
}

/** The daily story pipeline; see {@link createStoryPipeline}. */
export interface StoryPipeline {
  /** Works the pipeline's queues in this process. Call once before {@link StoryPipeline.run}. Idempotent. */
  start(): Promise<void>;
  /** Makes (or finds) the bundle of one date and age band. */
  run(input: OrchestrateInput, options?: PipelineRunOptions): Promise<PipelineRunResult>;
  /** Stops working the queues (and closes a work queue the pipeline created). */
  close(): Promise<void>;
  /** The resolved options (queue names, limits, folders). */
  readonly options: ResolvedStoryPipelineOptions;
}

/**
 * Creates the daily story pipeline: the brief's sequence for one date and age band, through the mesh's tools only.
 *
 * 1. Takes the lock `generation:{date}:{ageBand}` (fencing token, watchdog; losing it aborts the run).
 * 2. `generate_story`, then `refine_readability` toward the age band's grade; appends `story.complete`.
 * 3. `apply_character_guide`, then every page's `generate_image` and `generate_audio` in parallel, each on its own
 *    rate-limited queue; appends `media.complete`.
 * 4. `select_model`, then `animate_image` for K pages.
 * 5. Hashes every file, writes the bundle with the manifest last, appends `bundle.complete`, releases the lock.
 *
 * It is idempotent (a verified bundle on disk is returned as is; a second caller waits for the lock and then finds
 * it), resumable (each finished step and asset is recorded in the state store with its hash; the next run reuses
 * every asset whose file still matches), and budgeted (`budget_check` before each costly step; the video tier
 * follows its advice, and `halt` stops the run with `resource_exhausted`).
 *
 * @example
 * ```ts
 * const pipeline = createStoryPipeline({ mesh: gatewayLink, state, lock, outDir: 'out' });
 * await pipeline.start();
 * const { dir, manifest } = await pipeline.run({ ageBand: '6-8' });
 * ```
 */
export function createStoryPipeline(options: StoryPipelineOptions): StoryPipeline {
  const resolved = resolveStoryPipelineOptions(options);
  let started: Promise<void> | undefined;

  const start = () => {
    started ??= (async () => {
      const handler = createToolJobHandler(resolved.mesh);
      for (const queue of ['text', 'image', 'speech', 'video'] as const) {
        await resolved.work.process(resolved.queues[queue], handler, resolved.limits[queue]);
      }
    })();
    return started;
  };

  return {
    options: resolved,
    start,
    async run(input, runOptions = {}) {
      const parsed = orchestrateInputSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') || '(root)';
        throw new MeshError(`invalid orchestrate input: ${field}: ${issue?.message}`, 'invalid_argument', {
          details: { field },
        });
      }
      const args = parsed.data;
      const date = args.date ?? utcDateOf(resolved.now());
      const parameters = resolveParameters({
        ...args.parameters,
        age_band: args.ageBand,
        ...(args.pages === undefined ? {} : { page_count: args.pages }),
      });
      assertBundleFormats(parameters);
      const pages = parameters.page_count;
      const clips = Math.min(args.clips ?? parameters.clips_per_story, pages);
      const dir = bundleDir(resolved.outDir, date, args.ageBand);
      const plan: PipelinePlan = {
        date,
        ageBand: args.ageBand,
        pages,
        clips,
        parameters,
        dir,
        // The input as given (it validated), with the day it resolved to: what a continuation runs again.
        input: {
          date,
          ageBand: args.ageBand,
          ...(input.pages === undefined ? {} : { pages: input.pages }),
          ...(input.clips === undefined ? {} : { clips: input.clips }),
          ...(input.parameters === undefined
            ? {}
            : { parameters: input.parameters as Record<string, unknown> }),
        },
      };

      const existing = await verifiedManifest(dir);
      if (existing) return { dir, manifest: existing, reused: true };
      await start();
      const startedAt = resolved.now();
      return withLock(
        resolved.lock,
        generationLockKey(date, args.ageBand),
        async (signal, lease) => {
          // Another caller may have finished it while this one waited for the lock.
          const finished = await verifiedManifest(dir);
          if (finished) return { dir, manifest: finished, reused: true };
          const run = await createPipelineRun(resolved, plan, {
            signal: runOptions.signal ? AbortSignal.any([signal, runOptions.signal]) : signal,
            fencingToken: lease.fencingToken,
            ...(runOptions.onProgress ? { onProgress: runOptions.onProgress } : {}),
          });
          const manifest = await run.produce(startedAt);
          const verification = await verifyBundle(dir);
          if (!verification.ok) {
            throw new MeshError(
              `the bundle written to ${dir} does not verify: ${verification.problems
                .map((problem) => `${problem.path}: ${problem.message}`)
                .join('; ')}`,
              'data_loss',
              { details: { dir } },
            );
          }
          await resolved.state.streamAppend(
            PIPELINE_STREAMS.bundleComplete,
            bundleCompleteFields({
              date,
              ageBand: args.ageBand,
              bundleDir: dir,
              runId: manifest.runId,
              manifestSha256: createHash('sha256')
                .update(await readFile(join(dir, BUNDLE_FILES.manifest)))
                .digest('hex'),
            }),
            { maxLength: resolved.streamMaxLength },
          );
          return { dir, manifest, reused: false };
        },
        {
          ttlMs: resolved.lockTtlMs,
          acquireTimeoutMs: resolved.lockWaitMs,
          logger: resolved.logger,
          deadLetter: { store: resolved.state, stream: 'kidsstories:pipeline:dead-letter' },
          ...(runOptions.signal ? { signal: runOptions.signal } : {}),
        },
      );
    },
    async close() {
      if (resolved.ownsWork) await resolved.work.close();
    },
  };
}

/** The manifest of the bundle in `dir` when it verifies, else undefined. */
async function verifiedManifest(dir: string): Promise<StoryManifest | undefined> {
  const verification = await verifyBundle(dir);
  return verification.ok ? verification.manifest : undefined;
}

/**
 * The story bundle holds PNG pictures and MP3 narration (`pages/NN.png`, `pages/NN.mp3`; the clips mux the MP3):
 * other formats are for direct tool calls.
 *
 * @throws MeshError `invalid_argument` naming `output_format` or `audio_format` when it is not png or mp3.
 */
function assertBundleFormats(parameters: GenerationParameters): void {
  for (const [field, wanted] of [
    ['output_format', 'png'],
    ['audio_format', 'mp3'],
  ] as const) {
    if (parameters[field] !== wanted) {
      throw new MeshError(
        `${field} ${parameters[field]} cannot go into a story bundle, which holds ${wanted} files; use ${wanted} for orchestrate (other formats are for direct generate_image / generate_audio calls)`,
        'invalid_argument',
        { details: { field: `parameters.${field}`, allowed: wanted } },
      );
    }
  }
}
