import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { MeshError } from '@kidsstories/mesh-core';
import { createOutboundMeshClient, type ToolProgress } from '@kidsstories/mesh-core/host';
import { backoffDelayMs } from '@kidsstories/mesh-core/resilience';
import { DelegateBackoff, handleWhen, retry } from 'cockatiel';
import {
  BUNDLE_FILES,
  type BundleAsset,
  type BundleCredit,
  type BundlePage,
  type BundleStep,
  type BundleStepName,
  pageAssetPaths,
  type StoryManifest,
} from '../bundle/bundle-manifest.js';
import { PIPELINE_STREAMS, type StageRunInput, stageCompleteFields } from '../bundle/pipeline-events.js';
import { hashFile } from '../bundle/read-bundle.js';
import { contentTypeOf, createBundleWriter } from '../bundle/write-bundle.js';
import type { CharacterGuide } from '../media/character-guide.js';
import type { GenerationParameters } from '../parameters/generation-parameters.js';
import { OFFLINE_ILLUSTRATION_LICENSE } from '../providers/offline/image-sprites.js';
import type { AgeBand } from '../story/age-band.js';
import type { Story } from '../story/story-schema.js';
import { storyText } from '../story/story-text.js';
import { fleschKincaidGrade } from '../text/readability.js';
import {
  type ImageQualityTier,
  imageTiersFrom,
  isProviderOutage,
  isProviderRateLimit,
  PIPELINE_FAILURE_STREAMS,
} from './pipeline-failures.js';
import { type AssetRecord, loadRunRecord, type RunRecord, type StepRecord } from './run-record.js';
import type { PipelineQueue, ResolvedStoryPipelineOptions } from './story-pipeline-options.js';
import type { ToolJob, ToolJobResult } from './tool-jobs.js';

/** What one run makes: the date, age band, page and clip counts and the resolved parameters. */
export interface PipelinePlan {
  date: string;
  ageBand: AgeBand;
  pages: number;
  clips: number;
  parameters: GenerationParameters;
  /** The bundle folder. */
  dir: string;
  /** What the caller asked for (date filled in), carried by the stage events so that a consumer can continue. */
  input: StageRunInput;
}

/** Options of one job. */
interface JobOptions {
  /** Attempts in all. Default `jobRetry.maxAttempts`. */
  maxAttempts?: number;
  /** True when the caller handles this failure itself (a lower tier, a cheaper model): no dead letter. */
  fallback?: (error: unknown) => boolean;
}

interface RunContext {
  signal: AbortSignal;
  fencingToken: number;
  onProgress?: (progress: ToolProgress) => void;
}

type Tier = 'premium' | 'standard' | 'economy';
const TIERS: readonly Tier[] = ['economy', 'standard', 'premium'];

/** The refined story as recorded. */
interface StoryRecord {
  storyId: string;
  story: Story;
  targetGrade: number;
}

/**
 * One run of the pipeline under the generation lock: every step, each skipped when the run record says it finished
 * and its files still match, then the bundle with its manifest last.
 */
export async function createPipelineRun(
  options: ResolvedStoryPipelineOptions,
  plan: PipelinePlan,
  context: RunContext,
): Promise<{ produce(startedAt: number): Promise<StoryManifest> }> {
  const { now, state, queues } = options;
  const record: RunRecord = await loadRunRecord(state, plan.date, plan.ageBand, options.recordTtlMs);
  const runId = options.generateId();
  // Direct calls (budget checks, the character guide, model selection) carry the run id like the jobs' calls.
  const mesh = createOutboundMeshClient(options.mesh, {
    signal: context.signal,
    correlationId: runId,
    hop: 0,
    ...(options.budgetId === undefined ? {} : { budgetId: options.budgetId }),
  });
  const stepsDone = new Map<BundleStepName, BundleStep>();
  const total = 4 + 2 * plan.pages + plan.clips + (plan.clips > 0 ? 1 : 0);
  let done = 0;
  const jobId = (...parts: Array<string | number>) => [plan.date, plan.ageBand, ...parts].join('_');

  // Jobs back off exponentially (the shared backoff, no jitter of its own: the job adds 0-500 ms below, to breaker
  // hints as well).
  const jobBackoff = {
    initialDelayMs: options.jobRetry.initialDelayMs,
    maxDelayMs: options.jobRetry.maxDelayMs,
    multiplier: 2,
    jitter: 0,
  };

  const advance = (message: string) => {
    done = Math.min(done + 1, total);
    context.onProgress?.({ progress: done, total, message });
  };

  /**
   * Runs a step's tool as a job. A server that was down, too slow or went away mid-call does not fail the run at
   * once: the job (idempotent: same id, files replaced atomically) runs again after a backoff, a timed-out job at
   * most `jobRetry.timeoutAttempts` times in all. A job that fails for good goes to the dead-letter stream and
   * fails the run, unless `fallback` says the caller has another way (a lower tier, a cheaper model).
   */
  const job = async (
    queue: PipelineQueue,
    id: string,
    payload: Omit<ToolJob, 'correlationId' | 'budgetId' | 'dir'>,
    jobOptions: JobOptions = {},
  ): Promise<ToolJobResult> => {
    let attempts = 0;
    let timeouts = 0;
    const policy = retry(
      handleWhen((error) => {
        if (!MeshError.isInstance(error)) return false;
        if (error.code === 'deadline_exceeded') return ++timeouts < options.jobRetry.timeoutAttempts;
        // A provider's 429 that outlasted the gateway's retries: wait as told, unless the caller switches
        // (a lower image tier, a cheaper video model).
        if (isProviderRateLimit(error)) return !jobOptions.fallback?.(error);
        // `aborted`: the call's connection was reset under it (a server killed mid-call); the job runs again.
        return (
          error.code === 'unavailable' ||
          error.code === 'aborted' ||
          (error.code === 'canceled' && !context.signal.aborted)
        );
      }),
      {
        maxAttempts: (jobOptions.maxAttempts ?? options.jobRetry.maxAttempts) - 1,
        backoff: new DelegateBackoff<{ attempt: number; result: { error?: unknown } | { value: unknown } }>(
          ({ attempt, result }) => {
            // An open breaker says when it lets a probe through: wait that long (and a little, so that replicas
            // and jobs spread out); otherwise back off exponentially.
            const hint =
              'error' in result && MeshError.isInstance(result.error)
                ? result.error.details.retryAfterMs
                : undefined;
            const jitterMs = Math.floor(options.random() * 500);
            if (typeof hint === 'number') return Math.min(hint, 120_000) + 100 + jitterMs;
            return backoffDelayMs(attempt - 1, jobBackoff) + jitterMs;
          },
        ),
      },
    );
    policy.onRetry((reason) =>
      options.logger.warn('pipeline job failed; running it again', {
        tool: payload.tool,
        jobId: id,
        attempt: reason.attempt,
        delayMs: reason.delay,
        error: 'error' in reason ? reason.error.message : 'unexpected result',
      }),
    );
    try {
      return await policy.execute(() => {
        attempts++;
        return options.work.run<ToolJobResult>(
          queues[queue],
          id,
          {
            ...payload,
            correlationId: runId,
            dir: plan.dir,
            ...(options.budgetId === undefined ? {} : { budgetId: options.budgetId }),
          } satisfies ToolJob,
          { signal: context.signal },
        );
      }, context.signal);
    } catch (error) {
      if (context.signal.aborted || jobOptions.fallback?.(error)) throw error;
      throw await deadLetter(queue, id, payload.tool, attempts, error);
    }
  };

  /** Appends a job that failed for good to the dead-letter stream; returns the run's error. */
  const deadLetter = async (
    queue: PipelineQueue,
    id: string,
    tool: string,
    attempts: number,
    error: unknown,
  ): Promise<MeshError> => {
    const failure = MeshError.from(error);
    const stream = PIPELINE_FAILURE_STREAMS.jobDeadLetter;
    try {
      await state.streamAppend(
        stream,
        {
          type: 'job.dead',
          queue: queues[queue],
          jobId: id,
          tool,
          date: plan.date,
          ageBand: plan.ageBand,
          runId,
          code: failure.code,
          error: failure.message,
          attempts: String(attempts),
          at: new Date(now()).toISOString(),
        },
        { maxLength: options.streamMaxLength },
      );
    } catch (appendError) {
      options.logger.error('could not append to the job dead-letter stream', {
        jobId: id,
        error: appendError,
      });
    }
    return new MeshError(
      `${tool} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${failure.code}: ${failure.message}); ` +
        `job ${id} was sent to ${stream}, and the next orchestrate call for ${plan.date} ${plan.ageBand} resumes ` +
        'from the last finished step',
      failure.code,
      {
        cause: failure,
        details: { ...failure.details, tool, jobId: id, attempts, deadLetterStream: stream },
      },
    );
  };

  /** Runs `body` as step `name`, unless the record says it finished; records it when it finishes. */
  const step = async <T>(
    name: BundleStepName,
    body: (usage: StepUsage) => Promise<T>,
    recorded: () => T | undefined,
  ): Promise<T> => {
    const previous = record.step(name);
    const value = previous ? recorded() : undefined;
    if (previous && value !== undefined) {
      stepsDone.set(name, { ...previous, resumed: true });
      return value;
    }
    context.signal.throwIfAborted();
    const usage = new StepUsage(name, now());
    const result = await body(usage);
    const finished: StepRecord = usage.finish(now());
    await record.setStep(finished);
    stepsDone.set(name, { ...finished, resumed: false });
    return result;
  };

  /** The tier the budget allows (`halt` stops the run). */
  const budgetTier = async (stage: string): Promise<Tier> => {
    const result = await mesh
      .callTool('budget_check', { scopes: options.budgetScopes })
      .catch((error: unknown) => {
        if (MeshError.isInstance(error) && error.code === 'not_found') return undefined; // no gateway tools
        throw error;
      });
    const advice = (result?.structuredContent as { advice?: string } | undefined)?.advice ?? 'premium';
    if (advice === 'halt') {
      throw new MeshError(
        `the budget is spent: ${stage} was not started (the run resumes later)`,
        'resource_exhausted',
        {
          details: { stage, scopes: options.budgetScopes },
        },
      );
    }
    return advice as Tier;
  };

  /** A media file a job wrote: its hash on disk checked against the tool's, then recorded. */
  const mediaAsset = async (
    path: string,
    make: () => Promise<ToolJobResult>,
    facts: (result: ToolJobResult) => Omit<AssetRecord, 'sha256' | 'bytes'>,
    usage: StepUsage,
  ): Promise<AssetRecord> => {
    const recorded = record.asset(path);
    if (recorded && (await matchesOnDisk(join(plan.dir, path), recorded.sha256))) return recorded;
    const result = await make();
    const onDisk = await hashFile(join(plan.dir, path));
    if (typeof result.sha256 === 'string' && result.sha256 !== onDisk.sha256) {
      throw new MeshError(`${path} on disk does not match what the tool returned`, 'data_loss', {
        details: { path },
      });
    }
    const asset: AssetRecord = { sha256: onDisk.sha256, bytes: onDisk.bytes, ...facts(result) };
    usage.add(asset.model, asset.costUsd);
    await record.setAsset(path, asset);
    return asset;
  };

  return {
    async produce(startedAt) {
      const draft = await step(
        'story',
        async (usage) => {
          await budgetTier('story');
          const result = await job('text', jobId('story'), {
            tool: 'generate_story',
            args: { parameters: { ...plan.parameters }, characterGuide: options.characterGuideViaText },
          });
          usage.tool('generate_story', 1, String(result.model), Number(result.costUsd ?? 0));
          const value = {
            storyId: String(result.storyId),
            story: result.story as Story,
            ...(result.characterGuide ? { guide: result.characterGuide as CharacterGuide } : {}),
          };
          await record.set('draft', value);
          return value;
        },
        () => record.get<{ storyId: string; story: Story; guide?: CharacterGuide }>('draft'),
      );
      advance('story: drafted');

      const refined = await step(
        'refine',
        async (usage) => {
          const value = await refineStory(draft, (text, id) =>
            job('text', jobId('refine', id), {
              tool: 'refine_readability',
              args: { text, age_band: plan.ageBand, reading_level: plan.parameters.reading_level },
            }).then((result) => {
              usage.tool('refine_readability', 1, String(result.model), Number(result.costUsd ?? 0));
              return result;
            }),
          );
          await record.set('story', value);
          await state.streamAppend(
            PIPELINE_STREAMS.storyComplete,
            stageCompleteFields({
              type: 'story.complete',
              date: plan.date,
              ageBand: plan.ageBand,
              runId,
              storyId: value.storyId,
              input: plan.input,
            }),
            { maxLength: options.streamMaxLength },
          );
          return value;
        },
        () => record.get<StoryRecord>('story'),
      );
      advance('refine: reading level set');

      const guide = await step(
        'character_guide',
        async (usage) => {
          usage.count('apply_character_guide');
          // Built by the text server on the media server while it wrote the story (text -> media), or here.
          const value =
            draft.guide ??
            (
              (
                await mesh.callTool('apply_character_guide', {
                  story: refined.story,
                  storyId: refined.storyId,
                })
              ).structuredContent as { guide: CharacterGuide }
            ).guide;
          await record.set('guide', value);
          return value;
        },
        () => record.get<CharacterGuide>('guide'),
      );
      advance('character guide: applied');

      const { pictures, narrations } = await mediaSteps(refined, guide);
      const clips = plan.clips > 0 ? await clipSteps(refined, pictures) : new Map<number, AssetRecord>();
      return writeBundle(refined, guide, pictures, narrations, clips, startedAt);
    },
  };

  async function mediaSteps(refined: StoryRecord, guide: CharacterGuide) {
    const imageTier = await budgetTier('pictures');
    const numbers = refined.story.pages.map((_, index) => index + 1);
    // One seed for the story: generate_image keeps it for every page (seed_lock) or adds the page number.
    const imageSeed = plan.parameters.seed >= 0 ? plan.parameters.seed : 1;
    const picturesStep = step(
      'pictures',
      async (usage) => {
        const asked: ImageQualityTier =
          plan.parameters.image_quality === 'hd' && imageTier === 'premium' ? 'hd' : 'standard';
        return settleAll(
          numbers.map(async (number) => {
            const page = refined.story.pages[number - 1] as Story['pages'][number];
            const path = pageAssetPaths(number).picture;
            const args = {
              prompt: page.text,
              sceneDescription: page.sceneDescription,
              characters: page.charactersPresent,
              characterGuide: guide,
              storyId: refined.storyId,
              page: number,
              seed: imageSeed,
              // Every image parameter applies (size, style, colours, camera, texture...).
              parameters: { ...plan.parameters },
            };
            // The media server keeps failing at the asked tier (5xx on every replica, timeouts, a 429): lower
            // the tier for this picture rather than fail the run (the brief's "reduce image quality tier").
            const tiers = imageTiersFrom(asked);
            let used: ImageQualityTier = asked;
            const draw = async (): Promise<ToolJobResult> => {
              for (const [index, tier] of tiers.entries()) {
                const last = index === tiers.length - 1;
                try {
                  const result = await job(
                    'image',
                    jobId('p', number, 'picture', ...(tier === asked ? [] : [tier])),
                    { tool: 'generate_image', args: { ...args, quality: tier }, output: path },
                    last ? {} : { maxAttempts: options.imageTierAttempts, fallback: isProviderOutage },
                  );
                  used = tier;
                  return result;
                } catch (error) {
                  if (last || !isProviderOutage(error)) throw error;
                  options.logger.warn('pictures keep failing; lowering the image quality tier', {
                    page: number,
                    from: tier,
                    to: tiers[index + 1],
                    error: MeshError.from(error).message,
                  });
                }
              }
              throw new MeshError('no image quality tier left', 'internal');
            };
            const asset = await mediaAsset(
              path,
              draw,
              (result) => ({
                width: Number(result.width),
                height: Number(result.height),
                ...(isFocus(result.focus) ? { focus: result.focus } : {}),
                ...(typeof result.attribution === 'string' ? { attribution: result.attribution } : {}),
                model: String(result.model),
                costUsd: Number(result.costUsd ?? 0),
                tier: used,
              }),
              usage,
            );
            usage.count('generate_image');
            usage.tier(asset.tier ?? used);
            advance(`pictures: page ${number} of ${plan.pages}`);
            return [number, asset] as const;
          }),
        );
      },
      () => recordedAssets(numbers, (number) => pageAssetPaths(number).picture),
    );
    const narrationStep = step(
      'narration',
      async (usage) =>
        settleAll(
          numbers.map(async (number) => {
            const page = refined.story.pages[number - 1] as Story['pages'][number];
            const path = pageAssetPaths(number).narration;
            const asset = await mediaAsset(
              path,
              () =>
                job('speech', jobId('p', number, 'narration'), {
                  tool: 'generate_audio',
                  args: {
                    text: page.text,
                    // Every audio parameter applies (voice, pacing, pause, loudness, style...).
                    parameters: { ...plan.parameters },
                    storyId: refined.storyId,
                    page: number,
                  },
                  output: path,
                }),
              (result) => ({
                durationSec: Number(result.durationSec),
                model: String(result.model),
                costUsd: Number(result.costUsd ?? 0),
              }),
              usage,
            );
            usage.count('generate_audio');
            advance(`narration: page ${number} of ${plan.pages}`);
            return [number, asset] as const;
          }),
        ),
      () => recordedAssets(numbers, (number) => pageAssetPaths(number).narration),
    );
    const [pictures, narrations] = await settleAll([picturesStep, narrationStep]);
    await state.streamAppend(
      PIPELINE_STREAMS.mediaComplete,
      stageCompleteFields({
        type: 'media.complete',
        date: plan.date,
        ageBand: plan.ageBand,
        runId,
        storyId: refined.storyId,
        input: plan.input,
      }),
      { maxLength: options.streamMaxLength },
    );
    return { pictures: new Map(pictures), narrations: new Map(narrations) };
  }

  async function clipSteps(
    refined: StoryRecord,
    pictures: ReadonlyMap<number, AssetRecord>,
  ): Promise<Map<number, AssetRecord>> {
    const numbers = clipPages(plan.pages, plan.clips);
    const entries = await step(
      'clips',
      async (usage) => {
        const advised = await budgetTier('clips');
        const asked = plan.parameters.model_tier;
        const tier =
          asked === 'auto' ? advised : TIERS[Math.min(TIERS.indexOf(asked), TIERS.indexOf(advised))];
        const durationSec = plan.parameters.duration_sec;
        const select = async (quality: Tier, excludeModels: string[]) => {
          const selection = await mesh.callTool('select_model', {
            durationSec,
            quality,
            ...(excludeModels.length > 0 ? { excludeModels } : {}),
            parameters: { ...plan.parameters },
          });
          usage.tool('select_model', 1);
          return selection.structuredContent as { appliedQuality: Tier; modelId: string };
        };
        const selected = await select(tier ?? advised, []);
        advance(`clips: select_model chose ${selected.modelId} (${selected.appliedQuality})`);
        return settleAll(
          numbers.map(async (number) => {
            const path = pageAssetPaths(number).clip;
            let used = selected;
            const render = (choice: { appliedQuality: Tier; modelId: string }, fallback: boolean) =>
              job(
                'video',
                jobId(
                  'p',
                  number,
                  'clip',
                  ...(choice === selected ? [] : [choice.modelId.replace(/\W/g, '-')]),
                ),
                {
                  tool: 'animate_image',
                  args: {
                    // Every video parameter applies (motion, fps, resolution, easing, loop, cost ceiling...).
                    parameters: { ...plan.parameters },
                    quality: choice.appliedQuality,
                    model: choice.modelId,
                    storyId: refined.storyId,
                    page: number,
                    // The camera moves toward what the page names; the clip speaks the page (and lasts as long).
                    ...(pictures.get(number)?.focus ? { focus: pictures.get(number)?.focus } : {}),
                  },
                  fileArgs: { png: pageAssetPaths(number).picture, audio: pageAssetPaths(number).narration },
                  output: path,
                },
                fallback ? { fallback: isProviderRateLimit } : {},
              );
            // The gateway has backed off and retried the model (honouring Retry-After); if it still answers 429,
            // ask select_model for a cheaper one a tier down (the brief's "backoff + model switch").
            const animate = async (): Promise<ToolJobResult> => {
              const cheaper = TIERS[TIERS.indexOf(selected.appliedQuality) - 1];
              try {
                return await render(selected, cheaper !== undefined);
              } catch (error) {
                if (cheaper === undefined || !isProviderRateLimit(error)) throw error;
                options.logger.warn('the video model stays rate limited; selecting a cheaper one', {
                  page: number,
                  model: selected.modelId,
                });
                used = await select(cheaper, [selected.modelId]);
                return render(used, false);
              }
            };
            const asset = await mediaAsset(
              path,
              animate,
              (result) => ({
                durationSec: Number(result.durationSec),
                model: String(result.modelId),
                costUsd: Number(result.costUsd ?? 0),
                tier: used.appliedQuality,
              }),
              usage,
            );
            usage.count('animate_image');
            usage.tier(asset.tier ?? used.appliedQuality);
            // The model that rendered it: an offline provider renders locally whatever select_model chose.
            advance(`clips: page ${number} by ${asset.model ?? used.modelId}`);
            return [number, asset] as const;
          }),
        );
      },
      () => recordedAssets(numbers, (number) => pageAssetPaths(number).clip),
    );
    return new Map(entries);
  }

  /** Every asset of `numbers` from the record, when each is recorded (else undefined: the step runs). */
  function recordedAssets(
    numbers: readonly number[],
    pathOf: (number: number) => string,
  ): Array<readonly [number, AssetRecord]> | undefined {
    const entries = numbers.map((number) => [number, record.asset(pathOf(number))] as const);
    return entries.every(([, asset]) => asset !== undefined)
      ? (entries as Array<readonly [number, AssetRecord]>)
      : undefined;
  }

  /**
   * Writes bundle files, retrying a failed write with exponential backoff; when the retries are spent, appends a
   * `bundle.write_failed` alert and fails the run (the next run resumes and writes the bundle).
   */
  async function writeWithRetry<T>(file: string, write: () => Promise<T>): Promise<T> {
    const { maxAttempts, initialDelayMs } = options.writeRetry;
    // Doubling from initialDelayMs without a cap or jitter (maxAttempts bounds it), on the shared backoff.
    const writeBackoff = { initialDelayMs, maxDelayMs: Number.POSITIVE_INFINITY, multiplier: 2, jitter: 0 };
    for (let attempt = 1; ; attempt++) {
      context.signal.throwIfAborted();
      try {
        return await write();
      } catch (error) {
        if (MeshError.isInstance(error) && error.code !== 'unavailable') throw error; // an invalid manifest
        const message = error instanceof Error ? error.message : String(error);
        if (attempt < maxAttempts) {
          const delayMs = backoffDelayMs(attempt - 1, writeBackoff);
          options.logger.warn('writing the bundle failed; trying again', {
            file,
            attempt,
            delayMs,
            error: message,
          });
          await setTimeout(delayMs, undefined, { signal: context.signal });
          continue;
        }
        const stream = PIPELINE_FAILURE_STREAMS.alerts;
        try {
          await state.streamAppend(
            stream,
            {
              type: 'bundle.write_failed',
              date: plan.date,
              ageBand: plan.ageBand,
              runId,
              dir: plan.dir,
              file,
              error: message,
              attempts: String(attempt),
              at: new Date(now()).toISOString(),
            },
            { maxLength: options.streamMaxLength },
          );
        } catch (appendError) {
          options.logger.error('could not append the bundle alert', { file, error: appendError });
        }
        throw new MeshError(
          `writing the bundle to ${plan.dir} failed after ${attempt} attempts (${message}); an alert was ` +
            `appended to ${stream}, and the next orchestrate call resumes and writes the bundle`,
          'unavailable',
          { cause: error, details: { file, attempts: attempt, alertStream: stream } },
        );
      }
    }
  }

  async function writeBundle(
    refined: StoryRecord,
    guide: CharacterGuide,
    pictures: Map<number, AssetRecord>,
    narrations: Map<number, AssetRecord>,
    clips: Map<number, AssetRecord>,
    startedAt: number,
  ): Promise<StoryManifest> {
    const bundleStarted = now();
    const writer = createBundleWriter(plan.dir, { writeFile: options.writeFile });
    const assets: BundleAsset[] = await writeWithRetry(BUNDLE_FILES.story, async () => [
      await writer.writeJson(BUNDLE_FILES.story, refined.story),
      await writer.writeJson(BUNDLE_FILES.characterGuide, guide),
    ]);
    const pages: BundlePage[] = refined.story.pages.map((page, index) => {
      const number = index + 1;
      const paths = pageAssetPaths(number);
      const picture = pictures.get(number) as AssetRecord;
      const narration = narrations.get(number) as AssetRecord;
      const clip = clips.get(number);
      assets.push(assetOf(paths.picture, picture), assetOf(paths.narration, narration));
      if (clip) assets.push(assetOf(paths.clip, clip));
      return {
        number,
        text: page.text,
        sceneDescription: page.sceneDescription,
        charactersPresent: page.charactersPresent,
        picture: {
          path: paths.picture,
          width: picture.width ?? 1,
          height: picture.height ?? 1,
          alt: page.sceneDescription,
        },
        narration: { path: paths.narration, durationSec: narration.durationSec ?? 0 },
        ...(clip ? { clip: { path: paths.clip, durationSec: clip.durationSec ?? 0 } } : {}),
      };
    });
    const finishedAt = now();
    const bundleStep: BundleStep = {
      step: 'bundle',
      tools: [],
      calls: 0,
      models: [],
      tiers: [],
      costUsd: 0,
      startedAt: new Date(bundleStarted).toISOString(),
      durationMs: finishedAt - bundleStarted,
      resumed: false,
    };
    const steps = [...stepsDone.values(), bundleStep];
    const manifest: StoryManifest = {
      schemaVersion: 1,
      date: plan.date,
      ageBand: plan.ageBand,
      title: refined.story.title,
      moral: refined.story.moral,
      readability: {
        targetGrade: refined.targetGrade,
        measuredGrade: round(fleschKincaidGrade(storyText(refined.story)), 2),
      },
      pages,
      assets,
      steps,
      costUsd: round(
        steps.reduce((sum, entry) => sum + entry.costUsd, 0),
        6,
      ),
      durationMs: finishedAt - startedAt,
      runId,
      generator: options.generator,
      createdAt: new Date(finishedAt).toISOString(),
      credits: creditsOf(options.credits, [...pictures.values()]),
    };
    // The lease may have been lost while the files were written: never publish over another holder's work.
    context.signal.throwIfAborted();
    await writeWithRetry(BUNDLE_FILES.manifest, () => writer.writeManifest(manifest));
    advance('bundle: written');
    return manifest;
  }
}

/** Costs, models, tiers and tool calls of one step as it runs. */
class StepUsage {
  private readonly tools = new Map<string, number>();
  private readonly models = new Set<string>();
  private readonly tiers = new Set<string>();
  private costUsd = 0;

  constructor(
    private readonly name: BundleStepName,
    private readonly startedAt: number,
  ) {}

  tool(tool: string, calls: number, model?: string, costUsd = 0): void {
    this.count(tool, calls);
    this.add(model, costUsd);
  }
  count(tool: string, calls = 1): void {
    this.tools.set(tool, (this.tools.get(tool) ?? 0) + calls);
  }
  add(model: string | undefined, costUsd: number): void {
    if (model) this.models.add(model);
    this.costUsd += costUsd;
  }
  tier(tier: string): void {
    this.tiers.add(tier);
  }
  finish(at: number): StepRecord {
    return {
      step: this.name,
      tools: [...this.tools.keys()],
      calls: [...this.tools.values()].reduce((sum, calls) => sum + calls, 0),
      models: [...this.models],
      tiers: [...this.tiers],
      costUsd: round(this.costUsd, 6),
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: at - this.startedAt,
    };
  }
}

/**
 * Refines the whole story in one call when the refiner keeps its pages (paragraphs); otherwise page by page.
 */
async function refineStory(
  draft: { storyId: string; story: Story },
  refine: (text: string, id: string) => Promise<ToolJobResult>,
): Promise<StoryRecord> {
  const pages = draft.story.pages.map((page) => page.text);
  const whole = await refine(pages.join('\n\n'), 'all');
  let texts = String(whole.text).split(/\n\s*\n/);
  if (texts.length !== pages.length) {
    texts = await Promise.all(
      pages.map(async (text, index) => String((await refine(text, `p${index + 1}`)).text)),
    );
  }
  return {
    storyId: draft.storyId,
    story: {
      ...draft.story,
      pages: draft.story.pages.map((page, index) => ({ ...page, text: texts[index]?.trim() || page.text })),
    },
    targetGrade: Number(whole.targetGrade),
  };
}

/** The K pages animated: spread over the story, the first page always among them. */
export function clipPages(pages: number, clips: number): number[] {
  const chosen = new Set<number>();
  for (let index = 0; index < clips; index++) chosen.add(Math.floor((index * pages) / clips) + 1);
  return [...chosen].sort((a, b) => a - b);
}

/** Waits for every promise; rejects with the first failure only once all have settled (so finished work is kept). */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

async function matchesOnDisk(file: string, sha256: string): Promise<boolean> {
  try {
    return (await hashFile(file)).sha256 === sha256;
  } catch {
    return false;
  }
}

/** The configured credits, plus the known illustration sets whose attribution a picture carries. */
function creditsOf(configured: readonly BundleCredit[], pictures: readonly AssetRecord[]): BundleCredit[] {
  const credits = [...configured];
  const used = new Set(pictures.map((picture) => picture.attribution));
  for (const known of [OFFLINE_ILLUSTRATION_LICENSE]) {
    if (used.has(known.attribution) && !credits.some((credit) => credit.work === known.credit.work)) {
      credits.push({ ...known.credit });
    }
  }
  return credits;
}

function isFocus(value: unknown): value is { x: number; y: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { x?: unknown }).x === 'number' &&
    typeof (value as { y?: unknown }).y === 'number'
  );
}

function assetOf(path: string, record: AssetRecord): BundleAsset {
  return {
    path,
    sha256: record.sha256,
    bytes: record.bytes,
    contentType: contentTypeOf(path),
    ...(record.width === undefined ? {} : { width: record.width }),
    ...(record.height === undefined ? {} : { height: record.height }),
    ...(record.durationSec === undefined ? {} : { durationSec: record.durationSec }),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
