import type { PriceTable, ToolContext } from '@kidsstories/mesh-core';
import { MeshError } from '@kidsstories/mesh-core';
import { describeArtifact, type MediaArtifact } from '../media/media-artifact.js';
import { publishMediaComplete } from '../media/media-events.js';
import type { VideoParameters } from '../media/media-parameters-of.js';
import { throwIfCanceled } from '../media/throw-if-canceled.js';
import { chargeProviderCall } from '../providers/provider-charge.js';
import type { VideoProvider } from '../providers/provider-types.js';
import { billedDurationSec, type QualityTier, type VideoModel } from './model-catalogue.js';
import { type BudgetView, createVideoModelSelector, type VideoModelSelection } from './model-selector.js';

/**
 * One clip, end to end: choose a model (unless given), reserve its worst-case cost, animate, settle, and on a
 * 429 mark the model as cooling down and fall back to the next (cheaper) model. Shared by `animate_image` and
 * `batch_render`.
 */

/** What the video tools share. */
export interface VideoToolsContext {
  provider: VideoProvider;
  catalogue: readonly VideoModel[];
  /** Prices for models the ledger lacks (the catalogue's per-second prices and the offline model). */
  prices: PriceTable;
  /** Most fallbacks tried after a 429. */
  maxFallbacks: number;
  /** Share of each model's per-minute limit kept free. */
  headroomFraction: number;
  now: () => number;
}

/** One clip to render. */
export interface ClipRequest {
  png: Uint8Array;
  motion: string;
  durationSec: number;
  quality: QualityTier;
  /** A catalogue model id to use instead of selecting one. */
  model?: string;
  allowDowngrade?: boolean;
  width?: number;
  height?: number;
  seed?: number;
  storyId?: string;
  page?: number;
  /** The page's narration (MP3), muxed in as the audio track. */
  audio?: Uint8Array;
  /** Where the camera moves to, as fractions of the picture. */
  focus?: { x: number; y: number };
  /** Most USD the clip may cost (the `cost_ceiling` parameter); none by default. */
  costCeilingUsd?: number;
  /** Try cheaper models after a 429 (the `fallback_on_rate_limit` parameter). Default true. */
  fallbackOnRateLimit?: boolean;
  /** The video parameters, passed to the provider; none by default (the provider's own settings). */
  parameters?: VideoParameters;
}

/** A rendered clip. */
export interface RenderedClip {
  artifact: MediaArtifact;
  mp4: Uint8Array;
  modelId: string;
  durationSec: number;
  frameCount: number;
  costUsd: number;
  estimatedCostUsd: number;
  /** Models that answered 429 before this one succeeded. */
  rateLimitedModels: string[];
  /** Length of the muxed narration, in seconds, when the clip carries one. */
  audioDurationSec?: number;
}

/** The budget view of `server:video` (and `global`) for model selection. */
export async function videoBudgetView(ctx: ToolContext): Promise<BudgetView> {
  const [server, global, advice] = await Promise.all([
    ctx.ledger.status('server:video'),
    ctx.ledger.status('global'),
    ctx.ledger.advise(['server:video']),
  ]);
  return { remainingUsd: Math.min(server.remainingUsd, global.remainingUsd), advice };
}

/**
 * Renders one clip.
 *
 * @throws MeshError `invalid_argument` for an unknown model id; `resource_exhausted` when every candidate is
 * rate limited or over budget; provider errors otherwise.
 */
export async function animateClip(
  context: VideoToolsContext,
  ctx: ToolContext,
  tool: string,
  clip: ClipRequest,
): Promise<RenderedClip> {
  const localModel = context.provider.localModel;
  if (localModel !== undefined)
    return renderCandidate(
      context,
      ctx,
      tool,
      clip,
      localModel,
      { seconds: clip.durationSec, estimatedCostUsd: 0 },
      [],
    );
  const selector = createVideoModelSelector({
    catalogue: context.catalogue,
    state: ctx.state,
    now: context.now,
    headroomFraction: context.headroomFraction,
  });
  let candidates: Array<{ model: VideoModel; billedDurationSec: number; estimatedCostUsd: number }>;
  if (clip.model !== undefined) {
    const model = context.catalogue.find((entry) => entry.id === clip.model);
    if (!model) {
      throw new MeshError(`unknown video model "${clip.model}"`, 'invalid_argument', {
        details: { field: 'model', suggestions: context.catalogue.map((entry) => entry.id) },
      });
    }
    const billed = billedDurationSec(model, clip.durationSec);
    if (billed === undefined) {
      throw new MeshError(`${model.id} renders at most ${model.durationsSec.at(-1)} s`, 'invalid_argument', {
        details: { field: 'durationSec' },
      });
    }
    candidates = [{ model, billedDurationSec: billed, estimatedCostUsd: billed * model.costPerSecondUsd }];
  } else {
    const selection: VideoModelSelection = await selector.select(
      {
        quality: clip.quality,
        durationSec: clip.durationSec,
        ...(clip.allowDowngrade === undefined ? {} : { allowDowngrade: clip.allowDowngrade }),
        ...(clip.costCeilingUsd === undefined ? {} : { costCeilingUsd: clip.costCeilingUsd }),
      },
      await videoBudgetView(ctx),
    );
    candidates = [
      {
        model: selection.model,
        billedDurationSec: selection.billedDurationSec,
        estimatedCostUsd: selection.estimatedCostUsd,
      },
      // fallback_on_rate_limit false: a 429 ends the clip instead of trying cheaper models.
      ...(clip.fallbackOnRateLimit === false ? [] : selection.fallbacks.slice(0, context.maxFallbacks)),
    ];
  }
  const rateLimitedModels: string[] = [];
  let lastError: unknown;
  for (const candidate of candidates) {
    throwIfCanceled(ctx.signal);
    await selector.recordRequest(candidate.model.id);
    try {
      return await renderCandidate(
        context,
        ctx,
        tool,
        clip,
        candidate.model.id,
        { seconds: candidate.billedDurationSec, estimatedCostUsd: candidate.estimatedCostUsd },
        rateLimitedModels,
      );
    } catch (error) {
      const meshError = MeshError.from(error);
      if (meshError.code !== 'resource_exhausted' || meshError.details.scope !== undefined) throw meshError;
      // A 429 from the model (not a ledger budget rejection, which carries a scope): cool it down, fall back.
      await selector.recordRateLimited(candidate.model.id, meshError.details.retryAfterMs);
      rateLimitedModels.push(candidate.model.id);
      ctx.logger.warn('video model rate limited; falling back', { model: candidate.model.id });
      lastError = meshError;
    }
  }
  throw new MeshError(
    `every video model tried was rate limited: ${rateLimitedModels.join(', ')}`,
    'resource_exhausted',
    {
      cause: lastError,
      details: {
        retryAfterMs:
          (MeshError.isInstance(lastError) ? lastError.details.retryAfterMs : undefined) ?? 60_000,
        suggestions: rateLimitedModels,
      },
    },
  );
}

/**
 * Renders a clip with one model: reserve its worst case, animate, settle, announce `media.complete`. A local
 * provider's clip reports the provider's own model (its price is 0), never a catalogue one.
 */
async function renderCandidate(
  context: VideoToolsContext,
  ctx: ToolContext,
  tool: string,
  clip: ClipRequest,
  modelId: string,
  estimate: { seconds: number; estimatedCostUsd: number },
  rateLimitedModels: string[],
): Promise<RenderedClip> {
  const { result, costUsd } = await chargeProviderCall(
    ctx,
    {
      server: 'video',
      tool,
      worstCase: { model: modelId, seconds: estimate.seconds, requests: 1 },
      prices: context.prices,
    },
    () =>
      context.provider.animate(
        {
          png: clip.png,
          motion: clip.motion,
          durationSec: clip.durationSec,
          model: modelId,
          ...(clip.width === undefined ? {} : { width: clip.width }),
          ...(clip.height === undefined ? {} : { height: clip.height }),
          ...(clip.audio === undefined ? {} : { audio: clip.audio }),
          ...(clip.focus === undefined ? {} : { focus: clip.focus }),
          ...(clip.parameters === undefined ? {} : { parameters: clip.parameters }),
        },
        { signal: ctx.signal, ...(clip.seed === undefined ? {} : { seed: clip.seed }) },
      ),
  );
  const artifact = describeArtifact('video', result.mp4);
  await publishMediaComplete(
    ctx,
    {
      kind: 'video',
      tool,
      ...artifact,
      costUsd,
      ...(clip.storyId === undefined ? {} : { storyId: clip.storyId }),
      ...(clip.page === undefined ? {} : { page: clip.page }),
    },
    context.now,
  );
  return {
    artifact,
    mp4: result.mp4,
    modelId: context.provider.localModel ?? modelId,
    durationSec: result.durationSec,
    frameCount: result.frameCount,
    costUsd,
    estimatedCostUsd: estimate.estimatedCostUsd,
    rateLimitedModels,
    ...(result.audioDurationSec === undefined ? {} : { audioDurationSec: result.audioDurationSec }),
  };
}
