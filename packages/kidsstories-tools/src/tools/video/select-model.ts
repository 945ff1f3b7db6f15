import { defineTool, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { videoParametersOf } from '../../media/media-parameters-of.js';
import {
  generationParametersInputSchema,
  resolveParameters,
} from '../../parameters/generation-parameters.js';
import { videoBudgetView } from '../../video/animate-clip.js';
import { QUALITY_TIERS } from '../../video/model-catalogue.js';
import { createVideoModelSelector } from '../../video/model-selector.js';
import type { ResolvedVideoToolsOptions } from './video-tools-options.js';

/** Input of `select_model`. */
export const selectModelInputSchema = z.strictObject({
  quality: z
    .enum(QUALITY_TIERS)
    .optional()
    .describe(
      'Lowest acceptable quality tier; default from model_tier/quality_preset when parameters are given, else standard.',
    ),
  durationSec: z
    .number()
    .min(1)
    .max(10)
    .optional()
    .describe('Clip length in seconds; default the duration_sec parameter (5).'),
  allowDowngrade: z
    .boolean()
    .optional()
    .describe('Accept the tier the budget advises when it is lower, and cheaper fallbacks; default true.'),
  excludeModels: z.array(z.string()).max(8).optional().describe('Model ids not to choose.'),
  parameters: generationParametersInputSchema
    .optional()
    .describe(
      'Generation parameters (see docs/parameters.md): model_tier, quality_preset, cost_ceiling and duration_sec apply; the explicit fields above win.',
    ),
});

/** The least model tier of each `quality_preset`. */
const PRESET_TIERS = { draft: 'economy', standard: 'standard', high: 'premium' } as const;

const candidateSchema = z.object({ modelId: z.string(), name: z.string(), estimatedCostUsd: z.number() });

/** Output of `select_model`. */
export const selectModelOutputSchema = z.object({
  modelId: z.string(),
  name: z.string(),
  quality: z.enum(QUALITY_TIERS),
  /** The quality floor applied (lower than asked when the budget forced it). */
  appliedQuality: z.enum(QUALITY_TIERS),
  billedDurationSec: z.number(),
  estimatedCostUsd: z.number(),
  remainingUsd: z.number().nullable(),
  advice: z.string(),
  /** Models to use, in order, if this one answers 429. */
  fallbacks: z.array(candidateSchema),
  verdicts: z.array(
    z.object({
      modelId: z.string(),
      eligible: z.boolean(),
      reason: z.string().optional(),
      estimatedCostUsd: z.number().optional(),
    }),
  ),
});

type SelectModelInput = z.infer<typeof selectModelInputSchema>;
type SelectModelOutput = z.infer<typeof selectModelOutputSchema>;

/**
 * `select_model`: the cheapest catalogue video model that meets the quality floor and duration, fits the
 * remaining budget (`server:video` and `global`, and the ledger's tier advice) and has rate-limit headroom, with
 * the fallbacks to use on a 429. Read-only: it records no request.
 */
export function createSelectModelTool(
  context: ResolvedVideoToolsOptions,
): ToolDefinition<SelectModelInput, SelectModelOutput> {
  return defineTool<SelectModelInput, SelectModelOutput>({
    name: 'select_model',
    title: 'Select video model',
    description:
      'Chooses the cheapest image-to-video model meeting a quality tier and clip duration within the remaining budget and rate limits, with cheaper fallbacks for rate-limit errors.',
    inputSchema: selectModelInputSchema,
    outputSchema: selectModelOutputSchema,
    annotations: { readOnlyHint: true, idempotentHint: true },
    handler: async (input, ctx) => {
      const selector = createVideoModelSelector({
        catalogue: context.catalogue,
        state: ctx.state,
        now: context.now,
        headroomFraction: context.headroomFraction,
      });
      const budget = await videoBudgetView(ctx);
      const video =
        input.parameters === undefined ? undefined : videoParametersOf(resolveParameters(input.parameters));
      const tier = video
        ? video.model_tier === 'auto'
          ? PRESET_TIERS[video.quality_preset]
          : video.model_tier
        : 'standard';
      const allowDowngrade = input.allowDowngrade ?? (video ? video.model_tier === 'auto' : undefined);
      const selection = await selector.select(
        {
          quality: input.quality ?? tier,
          durationSec: input.durationSec ?? video?.duration_sec ?? 5,
          ...(allowDowngrade === undefined ? {} : { allowDowngrade }),
          ...(video === undefined ? {} : { costCeilingUsd: video.cost_ceiling }),
          ...(input.excludeModels === undefined ? {} : { excludeModels: input.excludeModels }),
        },
        budget,
      );
      return {
        structuredContent: {
          modelId: selection.model.id,
          name: selection.model.name,
          quality: selection.model.quality,
          appliedQuality: selection.appliedQuality,
          billedDurationSec: selection.billedDurationSec,
          estimatedCostUsd: selection.estimatedCostUsd,
          // JSON has no Infinity: an unbudgeted ledger reports null.
          remainingUsd: Number.isFinite(budget.remainingUsd) ? budget.remainingUsd : null,
          advice: budget.advice,
          fallbacks: selection.fallbacks.map((fallback) => ({
            modelId: fallback.model.id,
            name: fallback.model.name,
            estimatedCostUsd: fallback.estimatedCostUsd,
          })),
          verdicts: selection.verdicts,
        },
      };
    },
  });
}
