import { defineTool, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { describeArtifact, embeddedResource, mediaArtifactSchema } from '../../media/media-artifact.js';
import { publishMediaComplete } from '../../media/media-events.js';
import { audioParametersOf } from '../../media/media-parameters-of.js';
import {
  generationParametersInputSchema,
  resolveParameters,
} from '../../parameters/generation-parameters.js';
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
      'Voice id: nova, alloy, echo, fable, onyx, shimmer, sage, or slt/rms offline; default the voice_id parameter (nova).',
    ),
  speed: z
    .number()
    .min(0.5)
    .max(2)
    .optional()
    .describe('Speaking speed, 1 is normal; default the pacing_multiplier parameter (0.9).'),
  instructions: z
    .string()
    .max(1000)
    .optional()
    .describe('Delivery instructions for voices that accept them.'),
  storyId: z.string().min(1).max(128).optional().describe('Story the narration belongs to, for events.'),
  page: z.number().int().min(1).max(100).optional().describe('Page number, for events.'),
  parameters: generationParametersInputSchema
    .optional()
    .describe(
      'Generation parameters (any subset; see docs/parameters.md): every audio production parameter applies. voice and speed win over voice_id and pacing_multiplier.',
    ),
});

const AUDIO_FORMATS = {
  mp3: { extension: 'mp3', mimeType: 'audio/mpeg' },
  wav: { extension: 'wav', mimeType: 'audio/wav' },
  opus: { extension: 'opus', mimeType: 'audio/ogg' },
} as const;

/** Output of `generate_audio`. */
export const generateAudioOutputSchema = mediaArtifactSchema.extend({
  /** Length of the narration, in seconds. */
  durationSec: z.number(),
  /** Sample rate of the narration, in Hz. */
  sampleRate: z.number().int(),
  /** Audio channels of the narration. */
  channels: z.number().int(),
  /** The narration's format (the audio_format parameter). */
  format: z.enum(['mp3', 'wav', 'opus']),
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
 * `generate_audio`: narrates one page as MP3 (24 kHz mono by default) or WAV/Opus, with every audio production
 * parameter applied (see docs/parameters.md). The call is reserved and settled on the cost
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
      const parameters = resolveParameters(input.parameters);
      const audio = audioParametersOf(parameters);
      const voice = input.voice ?? audio.voice_id;
      // Without a parameter set the provider speaks as it always has (speed 1, no pause, 24 kHz mono MP3).
      const given = input.parameters !== undefined;
      const speed = input.speed ?? (given ? audio.pacing_multiplier : undefined);
      const { result, costUsd } = await chargeProviderCall(
        ctx,
        {
          server: 'media',
          tool: 'generate_audio',
          worstCase: {
            model: context.speechModel,
            characters: input.text.length,
            seconds: Math.ceil(input.text.length / (WORST_CASE_CHARACTERS_PER_SECOND * (speed ?? 1))),
          },
          prices: context.prices,
        },
        () =>
          context.providers.speech.synthesize(
            {
              text: input.text,
              voice,
              ...(speed === undefined ? {} : { speed }),
              ...(given ? { parameters: audio } : {}),
              ...(input.instructions === undefined ? {} : { instructions: input.instructions }),
            },
            { signal: ctx.signal },
          ),
      );
      const format = result.format ?? 'mp3';
      const artifact = describeArtifact('audio', result.mp3, AUDIO_FORMATS[format]);
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
          channels: result.channels ?? 1,
          format,
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
