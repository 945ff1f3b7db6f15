import { defineTool, type ToolDefinition } from '@kidsstories/mesh-core';
import { embeddedResource } from '../../media/media-artifact.js';
import { animateClip } from '../../video/animate-clip.js';
import {
  type ClipInput,
  type ClipOutput,
  clipInputSchema,
  clipOutput,
  clipOutputSchema,
  toClipRequest,
} from './clip-schemas.js';
import type { ResolvedVideoToolsOptions } from './video-tools-options.js';

/** Input of `animate_image`: one clip. */
export const animateImageInputSchema = clipInputSchema;
/** Output of `animate_image`. */
export const animateImageOutputSchema = clipOutputSchema;

/**
 * `animate_image`: animates a page picture into a short MP4 clip. Without `model`, the model is selected as by
 * `select_model` and a 429 falls back to the next cheaper model; the call is reserved and settled on the cost
 * ledger (`server:video`, `tool:animate_image`). The MP4 comes back as an embedded resource. Reports progress
 * when it starts, every `progressIntervalMs` while the clip renders, and when it is done.
 */
export function createAnimateImageTool(
  context: ResolvedVideoToolsOptions,
): ToolDefinition<ClipInput, ClipOutput> {
  return defineTool<ClipInput, ClipOutput>({
    name: 'animate_image',
    title: 'Animate image',
    description:
      'Animates a page picture (base64 PNG) into a 5-10 s MP4 clip with a camera motion, choosing the cheapest suitable video model. Returns the MP4 as an embedded resource.',
    inputSchema: animateImageInputSchema,
    outputSchema: animateImageOutputSchema,
    annotations: { readOnlyHint: false, idempotentHint: true },
    timeoutMs: 300_000,
    handler: async (input, ctx) => {
      const request = toClipRequest(input);
      // A clip takes seconds (about 45 s on a cloud model): tell the client it is alive (issue 19).
      const started = context.now();
      let step = 0;
      const report = (message: string, total?: number) =>
        ctx.reportProgress({ progress: ++step, ...(total === undefined ? {} : { total }), message });
      report('selecting a video model and rendering');
      const heartbeat = setInterval(
        () => report(`rendering, ${Math.round((context.now() - started) / 1000)} s elapsed`),
        context.progressIntervalMs,
      );
      let clip: Awaited<ReturnType<typeof animateClip>>;
      try {
        clip = await animateClip(context, ctx, 'animate_image', request);
      } finally {
        clearInterval(heartbeat);
      }
      report(`rendered with ${clip.modelId}`, step + 1);
      const output = clipOutput(clip, request);
      return {
        structuredContent: output,
        content: [
          {
            type: 'text',
            text: `Clip ${output.uri} (${output.durationSec} s, ${output.frameCount} frames, model ${output.modelId}).`,
          },
          embeddedResource(clip.artifact, clip.mp4),
        ],
      };
    },
  });
}
