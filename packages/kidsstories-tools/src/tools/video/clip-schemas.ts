import { MeshError } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { mediaArtifactSchema } from '../../media/media-artifact.js';
import { videoParametersOf } from '../../media/media-parameters-of.js';
import {
  generationParametersInputSchema,
  resolveParameters,
} from '../../parameters/generation-parameters.js';
import type { ClipRequest, RenderedClip } from '../../video/animate-clip.js';
import { QUALITY_TIERS } from '../../video/model-catalogue.js';

/** One clip to animate, as tool input. */
export const clipInputSchema = z.strictObject({
  png: z
    .string()
    .min(16)
    .max(16_000_000)
    .describe('The page picture, a base64 PNG (as returned by generate_image).'),
  motion: z
    .string()
    .max(200)
    .optional()
    .describe(
      'Camera motion (`motion_type`): zoom_in, zoom_out, pan_left, pan_right, pan_up, pan_down, ken_burns, static, or words; default ken_burns.',
    ),
  durationSec: z
    .number()
    .min(1)
    .max(10)
    .optional()
    .describe('Clip length in seconds (`duration_sec`); default 5.'),
  quality: z.enum(QUALITY_TIERS).optional().describe('Lowest acceptable model tier; default standard.'),
  model: z.string().max(80).optional().describe('A catalogue model id to use instead of selecting one.'),
  allowDowngrade: z
    .boolean()
    .optional()
    .describe('Accept a lower tier when the budget advises it; default true.'),
  width: z.number().int().min(64).max(1024).optional().describe('Output width in pixels (even).'),
  height: z.number().int().min(64).max(1024).optional().describe('Output height in pixels (even).'),
  seed: z.number().int().min(0).max(2_147_483_647).optional().describe('Seed for deterministic providers.'),
  storyId: z.string().min(1).max(128).optional().describe('Story the clip belongs to, for events.'),
  page: z.number().int().min(1).max(100).optional().describe('Page number, for events.'),
  audio: z
    .string()
    .min(16)
    .max(8_000_000)
    .optional()
    .describe(
      "The page's narration, a base64 MP3 (as returned by generate_audio), muxed in as the audio track; the clip then lasts as long as the narration and durationSec is ignored.",
    ),
  focus: z
    .object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) })
    .optional()
    .describe("Where the camera moves to, as fractions of the picture (generate_image's focus)."),
  parameters: generationParametersInputSchema
    .optional()
    .describe(
      'Generation parameters (any subset; see docs/parameters.md): every video animation parameter applies (motion_type, duration_sec, model_tier, quality_preset, cost_ceiling, fps, video_resolution...). The explicit fields above win over theirs.',
    ),
});

/** The least model tier of each `quality_preset`. */
const PRESET_TIERS = { draft: 'economy', standard: 'standard', high: 'premium' } as const;

/** A clip as tool input. */
export type ClipInput = z.infer<typeof clipInputSchema>;

/** Metadata of a rendered clip, as tool output. */
export const clipOutputSchema = mediaArtifactSchema.extend({
  modelId: z.string(),
  durationSec: z.number(),
  frameCount: z.number().int(),
  /** Settled cost, in USD. */
  costUsd: z.number(),
  /** The selected model's list-price estimate, in USD. */
  estimatedCostUsd: z.number(),
  rateLimitedModels: z.array(z.string()),
  /** Length of the narration muxed in as the audio track, in seconds (only when `audio` was given). */
  audioDurationSec: z.number().optional(),
  /** Video codec of the MP4 (the video_codec parameter). */
  codec: z.literal('h264'),
  /** How a player moves into the next clip (the transition_style parameter); no frame of the clip changes. */
  transition: z.enum(['cut', 'crossfade', 'fade_black']),
});

/** Metadata of a rendered clip. */
export type ClipOutput = z.infer<typeof clipOutputSchema>;

/**
 * Turns tool input into a {@link ClipRequest}, decoding the base64 PNG and narration.
 *
 * @throws MeshError `invalid_argument` (field `{prefix}png` or `{prefix}audio`) when a string is not base64.
 */
export function toClipRequest(input: ClipInput, prefix = ''): ClipRequest {
  for (const field of ['png', 'audio'] as const) {
    const value = input[field];
    if (value !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(value.replace(/\s+/g, ''))) {
      throw new MeshError(`${field} must be base64`, 'invalid_argument', {
        details: { field: `${prefix}${field}` },
      });
    }
  }
  // Without a parameter set, the clip is made as it always was (the provider's own settings).
  const video =
    input.parameters === undefined ? undefined : videoParametersOf(resolveParameters(input.parameters));
  const allowDowngrade = input.allowDowngrade ?? (video ? video.model_tier === 'auto' : undefined);
  return {
    png: new Uint8Array(Buffer.from(input.png, 'base64')),
    motion: input.motion ?? video?.motion_type ?? 'ken_burns',
    durationSec: input.durationSec ?? video?.duration_sec ?? 5,
    quality:
      input.quality ??
      (video
        ? video.model_tier === 'auto'
          ? PRESET_TIERS[video.quality_preset]
          : video.model_tier
        : 'standard'),
    ...(input.model === undefined ? {} : { model: input.model }),
    ...(allowDowngrade === undefined ? {} : { allowDowngrade }),
    ...(video === undefined
      ? {}
      : {
          parameters: video,
          costCeilingUsd: video.cost_ceiling,
          fallbackOnRateLimit: video.fallback_on_rate_limit,
        }),
    ...(input.width === undefined ? {} : { width: input.width }),
    ...(input.height === undefined ? {} : { height: input.height }),
    ...(input.seed === undefined ? {} : { seed: input.seed }),
    ...(input.storyId === undefined ? {} : { storyId: input.storyId }),
    ...(input.page === undefined ? {} : { page: input.page }),
    ...(input.audio === undefined ? {} : { audio: new Uint8Array(Buffer.from(input.audio, 'base64')) }),
    ...(input.focus === undefined ? {} : { focus: input.focus }),
  };
}

/** The metadata of a rendered clip made for `request`. */
export function clipOutput(clip: RenderedClip, request: ClipRequest): ClipOutput {
  return {
    codec: request.parameters?.video_codec ?? 'h264',
    transition: request.parameters?.transition_style ?? 'crossfade',
    ...clip.artifact,
    modelId: clip.modelId,
    durationSec: clip.durationSec,
    frameCount: clip.frameCount,
    costUsd: clip.costUsd,
    estimatedCostUsd: Math.round(clip.estimatedCostUsd * 1e6) / 1e6,
    rateLimitedModels: clip.rateLimitedModels,
    ...(clip.audioDurationSec === undefined ? {} : { audioDurationSec: clip.audioDurationSec }),
  };
}
