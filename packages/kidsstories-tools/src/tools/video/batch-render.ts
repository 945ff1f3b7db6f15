import { defineTool, MeshError, type ToolDefinition } from '@kidsstories/mesh-core';
import type { ContentBlock } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { createConcurrencyLimiter } from '../../media/concurrency-limiter.js';
import { embeddedResource } from '../../media/media-artifact.js';
import { videoParametersOf } from '../../media/media-parameters-of.js';
import {
  generationParametersInputSchema,
  resolveParameters,
} from '../../parameters/generation-parameters.js';
import { animateClip } from '../../video/animate-clip.js';
import { clipInputSchema, clipOutput, clipOutputSchema, toClipRequest } from './clip-schemas.js';
import type { ResolvedVideoToolsOptions } from './video-tools-options.js';

/** Input of `batch_render`. */
export const batchRenderInputSchema = z.strictObject({
  clips: z.array(clipInputSchema).min(1).max(24).describe('The clips to render, in page order.'),
  maxParallel: z
    .number()
    .int()
    .min(1)
    .max(8)
    .optional()
    .describe(
      'Clips rendered at once; default the max_parallel_renders parameter when parameters are given, else 2.',
    ),
  parameters: generationParametersInputSchema
    .optional()
    .describe(
      'Generation parameters for every clip that has none of its own (see docs/parameters.md): clips_per_story renders only the first clips (the rest are reported as skipped), max_parallel_renders sets the parallelism, and every video animation parameter applies to each clip.',
    ),
});

const failureSchema = z.object({ code: z.string(), message: z.string() });

/** Output of `batch_render`. */
export const batchRenderOutputSchema = z.object({
  clips: z.array(
    z.object({
      index: z.number().int(),
      ok: z.boolean(),
      /** Not rendered: beyond clips_per_story. */
      skipped: z.boolean().optional(),
      clip: clipOutputSchema.optional(),
      error: failureSchema.optional(),
    }),
  ),
  rendered: z.number().int(),
  failed: z.number().int(),
  /** Clips left out by clips_per_story. */
  skipped: z.number().int(),
  /** Settled cost of every clip, in USD. */
  totalCostUsd: z.number(),
  /** Wall time of the batch, in milliseconds. */
  wallMs: z.number(),
  maxParallel: z.number().int(),
});

type BatchRenderInput = z.infer<typeof batchRenderInputSchema>;
type BatchRenderOutput = z.infer<typeof batchRenderOutputSchema>;

/**
 * `batch_render`: renders several clips with bounded parallelism (default 2, one per core on the reference
 * machine). Each clip is selected, charged and falls back like `animate_image`; a failed clip is reported in
 * its slot and the others still render. Fails as a whole only when every clip fails (with the first error).
 */
export function createBatchRenderTool(
  context: ResolvedVideoToolsOptions,
): ToolDefinition<BatchRenderInput, BatchRenderOutput> {
  return defineTool<BatchRenderInput, BatchRenderOutput>({
    name: 'batch_render',
    title: 'Batch render clips',
    description:
      'Renders several page clips (base64 PNGs with motion and duration) with bounded parallelism, choosing the cheapest suitable video model for each. Returns every MP4 as an embedded resource.',
    inputSchema: batchRenderInputSchema,
    outputSchema: batchRenderOutputSchema,
    annotations: { readOnlyHint: false, idempotentHint: true },
    timeoutMs: 900_000,
    handler: async (input, ctx) => {
      const started = context.now();
      const shared =
        input.parameters === undefined ? undefined : videoParametersOf(resolveParameters(input.parameters));
      const maxParallel = input.maxParallel ?? shared?.max_parallel_renders ?? context.defaultParallelism;
      const limiter = createConcurrencyLimiter(maxParallel);
      // clips_per_story: the first clips are rendered, the others reported as skipped.
      const wanted =
        shared === undefined ? input.clips.length : Math.min(input.clips.length, shared.clips_per_story);
      if (wanted === 0) {
        throw new MeshError(
          'clips_per_story is 0: no clip of the batch may be rendered',
          'invalid_argument',
          {
            details: { field: 'parameters.clips_per_story' },
          },
        );
      }
      // Decode every clip first so bad input fails the call before any provider is paid.
      const requests = input.clips
        .slice(0, wanted)
        .map((clip, index) =>
          toClipRequest(
            clip.parameters === undefined && input.parameters !== undefined
              ? { ...clip, parameters: input.parameters }
              : clip,
            `clips.${index}.`,
          ),
        );
      let done = 0;
      const outcomes = await Promise.allSettled(
        requests.map((request) =>
          limiter.run(async () => {
            const clip = await animateClip(context, ctx, 'batch_render', request);
            done++;
            ctx.reportProgress({
              progress: done,
              total: requests.length,
              message: `rendered ${clip.artifact.uri}`,
            });
            return clip;
          }, ctx.signal),
        ),
      );
      const content: ContentBlock[] = [];
      const clips: BatchRenderOutput['clips'] = outcomes.map((outcome, index) => {
        if (outcome.status === 'fulfilled') {
          content.push(embeddedResource(outcome.value.artifact, outcome.value.mp4));
          return {
            index,
            ok: true,
            clip: clipOutput(outcome.value, requests[index] as (typeof requests)[number]),
          };
        }
        const error = MeshError.from(outcome.reason);
        return { index, ok: false, error: { code: error.code, message: error.message } };
      });
      for (let index = wanted; index < input.clips.length; index++)
        clips.push({ index, ok: false, skipped: true });
      const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
      if (failures.length === outcomes.length)
        throw MeshError.from((failures[0] as PromiseRejectedResult).reason);
      const rendered = outcomes.length - failures.length;
      const totalCostUsd = clips.reduce((sum, entry) => sum + (entry.clip?.costUsd ?? 0), 0);
      return {
        structuredContent: {
          clips,
          rendered,
          failed: failures.length,
          skipped: input.clips.length - wanted,
          totalCostUsd: Math.round(totalCostUsd * 1e6) / 1e6,
          wallMs: context.now() - started,
          maxParallel,
        },
        content: [{ type: 'text', text: `Rendered ${rendered} of ${outcomes.length} clips.` }, ...content],
      };
    },
  });
}
