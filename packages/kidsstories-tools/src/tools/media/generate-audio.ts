import { defineTool, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { describeArtifact, embeddedResource, mediaArtifactSchema } from '../../media/media-artifact.js';
import { publishMediaComplete } from '../../media/media-events.js';
import { chargeProviderCall } from '../../providers/provider-charge.js';
import type { MediaToolsContext } from './media-tools-context.js';

/** Input of `generate_audio`. */
export const generateAudioInputSchema = z.strictObject({
  text: z.string().trim().min(1).max(4096).describe('The text to narrate (one page).'),
  voice: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .describe(
      'Voice id (`voice_id`): nova, alloy, echo, fable, onyx, shimmer, sage, or slt/rms offline; default nova.',
    ),
  speed: z.number().min(0.5).max(2).optional().describe('Speaking speed (`pacing_multiplier`), 1 is normal.'),
  instructions: z
    .string()
    .max(1000)
    .optional()
    .describe('Delivery instructions for voices that accept them.'),
  storyId: z.string().min(1).max(128).optional().describe('Story the narration belongs to, for events.'),
  page: z.number().int().min(1).max(100).optional().describe('Page number, for events.'),
});

/** Output of `generate_audio`. */
export const generateAudioOutputSchema = mediaArtifactSchema.extend({
  /** Length of the narration, in seconds. */
  durationSec: z.number(),
  /** Sample rate of the MP3, in Hz. */
  sampleRate: z.number().int(),
  voice: z.string(),
  provider: z.string(),
  model: z.string(),
  /** Settled cost in USD. */
  costUsd: z.number(),
});

type GenerateAudioInput = z.infer<typeof generateAudioInputSchema>;
type GenerateAudioOutput = z.infer<typeof generateAudioOutputSchema>;

/**
 * Slowest narration assumed when reserving the worst case of a call, in characters a second at speed 1 (the
 * cloud voices read about 15): speech billed by the second (`gpt-4o-mini-tts`) is reserved for at most this long.
 */
export const WORST_CASE_CHARACTERS_PER_SECOND = 10;

/** Default narration voice (the `voice_id` parameter's default). */
export const DEFAULT_VOICE = 'nova';

/**
 * `generate_audio`: narrates one page as MP3 (24 kHz mono offline). The call is reserved and settled on the cost
 * ledger (`server:media`, `tool:generate_audio`); the MP3 comes back as an embedded resource with its duration
 * in `structuredContent`.
 */
export function createGenerateAudioTool(
  context: MediaToolsContext,
): ToolDefinition<GenerateAudioInput, GenerateAudioOutput> {
  return defineTool<GenerateAudioInput, GenerateAudioOutput>({
    name: 'generate_audio',
    title: 'Generate narration',
    description:
      'Narrates a page of text as an MP3 with the chosen voice and speed. Returns the MP3 as an embedded resource and its duration.',
    inputSchema: generateAudioInputSchema,
    outputSchema: generateAudioOutputSchema,
    annotations: { readOnlyHint: false, idempotentHint: true },
    handler: async (input, ctx) => {
      const voice = input.voice ?? DEFAULT_VOICE;
      const { result, costUsd } = await chargeProviderCall(
        ctx,
        {
          server: 'media',
          tool: 'generate_audio',
          worstCase: {
            model: context.speechModel,
            characters: input.text.length,
            seconds: Math.ceil(input.text.length / (WORST_CASE_CHARACTERS_PER_SECOND * (input.speed ?? 1))),
          },
          prices: context.prices,
        },
        () =>
          context.providers.speech.synthesize(
            {
              text: input.text,
              voice,
              ...(input.speed === undefined ? {} : { speed: input.speed }),
              ...(input.instructions === undefined ? {} : { instructions: input.instructions }),
            },
            { signal: ctx.signal },
          ),
      );
      const artifact = describeArtifact('audio', result.mp3);
      await publishMediaComplete(
        ctx,
        {
          kind: 'audio',
          tool: 'generate_audio',
          ...artifact,
          costUsd,
          ...(input.storyId === undefined ? {} : { storyId: input.storyId }),
          ...(input.page === undefined ? {} : { page: input.page }),
        },
        context.now,
      );
      return {
        structuredContent: {
          ...artifact,
          durationSec: Math.round(result.durationSec * 1000) / 1000,
          sampleRate: result.sampleRate,
          voice,
          provider: context.providers.speech.name,
          model: result.usage.model,
          costUsd,
        },
        content: [
          {
            type: 'text',
            text: `Narration ${artifact.uri} (${result.durationSec.toFixed(1)} s, ${artifact.bytes} bytes).`,
          },
          embeddedResource(artifact, result.mp3),
        ],
      };
    },
  });
}
