import { defineTool, MeshError, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import {
  type CharacterGuide,
  characterGuidePrompt,
  characterGuideSchema,
  characterLooks,
  loadCharacterGuide,
} from '../../media/character-guide.js';
import { describeArtifact, embeddedResource, mediaArtifactSchema } from '../../media/media-artifact.js';
import { publishMediaComplete } from '../../media/media-events.js';
import { chargeProviderCall, isPriced, recordProviderUsage } from '../../providers/provider-charge.js';
import type { MediaToolsContext } from './media-tools-context.js';

/** Input of `generate_image`. */
export const generateImageInputSchema = z.strictObject({
  prompt: z.string().trim().min(1).max(4000).describe('What happens on the page (usually the page text).'),
  sceneDescription: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .describe('Where and when: the setting of the picture.'),
  storyId: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Story whose stored character guide to use (see apply_character_guide).'),
  characterGuide: characterGuideSchema.optional().describe('The guide itself; wins over the stored one.'),
  characters: z
    .array(z.string().min(1).max(80))
    .max(6)
    .optional()
    .describe('Names of the characters in the picture; default every character of the guide.'),
  size: z
    .string()
    .regex(/^\d{3,4}x\d{3,4}$/)
    .optional()
    .describe('WIDTHxHEIGHT in pixels; default 1024x1024.'),
  style: z.string().max(400).optional().describe('Style sentence added to the prompt.'),
  quality: z
    .enum(['standard', 'hd'])
    .optional()
    .describe("Image quality tier (`image_quality`); default the provider's own setting."),
  seed: z.number().int().min(0).max(2_147_483_647).optional().describe('Seed for deterministic providers.'),
  page: z.number().int().min(1).max(100).optional().describe('Page number, for events and names.'),
  caption: z
    .boolean()
    .optional()
    .describe('Draw the prompt as a caption under the picture (offline illustrator); default false.'),
});

/** Output of `generate_image`. */
export const generateImageOutputSchema = mediaArtifactSchema.extend({
  width: z.number().int(),
  height: z.number().int(),
  provider: z.string(),
  model: z.string(),
  /** Characters drawn, from the guide. */
  characters: z.array(z.string()),
  storyId: z.string().optional(),
  /** Settled cost in USD. */
  costUsd: z.number(),
  revisedPrompt: z.string().optional(),
  /** Credit the artwork requires (the offline illustrator's openly licensed emoji set), for a manifest. */
  attribution: z.string().optional(),
  /** Centre of the page's first named object (offline illustrator), for `animate_image`'s `focus`. */
  focus: z.object({ x: z.number(), y: z.number() }).optional(),
});

type GenerateImageInput = z.infer<typeof generateImageInputSchema>;
type GenerateImageOutput = z.infer<typeof generateImageOutputSchema>;

/**
 * `generate_image`: one page picture. The character guide (from the call or the store) goes into the prompt
 * (cloud) or the drawing (offline); the full prompt passes the safety gate before any image provider call; the
 * call is reserved and settled on the cost ledger (`server:media`, `tool:generate_image`). The PNG comes back
 * as an embedded resource; `structuredContent` holds its URI, size, SHA-256 and dimensions.
 */
export function createGenerateImageTool(
  context: MediaToolsContext,
): ToolDefinition<GenerateImageInput, GenerateImageOutput> {
  return defineTool<GenerateImageInput, GenerateImageOutput>({
    name: 'generate_image',
    title: 'Generate image',
    description:
      "Draws one page picture (PNG) from the page text and scene, keeping every character's look from the story's character guide. Returns the PNG as an embedded resource.",
    inputSchema: generateImageInputSchema,
    outputSchema: generateImageOutputSchema,
    annotations: { readOnlyHint: false, idempotentHint: true },
    handler: async (input, ctx) => {
      const guide = await resolveGuide(input.characterGuide, input.storyId, ctx.state);
      const looks = guide ? characterLooks(guide, input.characters) : [];
      if (input.characters && guide) {
        const known = new Set(guide.characters.map((character) => character.name.toLowerCase()));
        const unknown = input.characters.filter((name) => !known.has(name.toLowerCase()));
        if (unknown.length > 0) {
          throw new MeshError(`characters not in the guide: ${unknown.join(', ')}`, 'invalid_argument', {
            details: {
              field: 'characters',
              suggestions: guide.characters.map((character) => character.name),
            },
          });
        }
      }
      const guideText = characterGuidePrompt(looks);
      const fullPrompt = [input.style, `Scene: ${input.sceneDescription}`, input.prompt, guideText]
        .filter((part) => part !== undefined && part !== '')
        .join('\n');
      const verdict = await context.providers.safety.check(fullPrompt, { signal: ctx.signal });
      if (verdict.usage && isPriced(verdict.usage.model, ctx.ledger.prices, context.prices)) {
        await recordProviderUsage(
          ctx,
          { server: 'media', tool: 'generate_image', prices: context.prices },
          verdict.usage,
        );
      }
      if (!verdict.safe) {
        throw new MeshError(
          `the image prompt failed the child-safety gate: ${verdict.reasons.join('; ')}`,
          'failed_precondition',
          {
            details: { reasons: verdict.reasons },
          },
        );
      }
      const storyId = input.storyId ?? guide?.storyId;
      const { result, costUsd } = await chargeProviderCall(
        ctx,
        {
          server: 'media',
          tool: 'generate_image',
          worstCase: { model: context.imageModel, images: 1 },
          prices: context.prices,
        },
        () =>
          context.providers.image.generateImage(
            {
              prompt: input.prompt,
              sceneDescription: input.sceneDescription,
              characters: looks,
              size: input.size ?? '1024x1024',
              ...(input.style === undefined ? {} : { style: input.style }),
              ...(input.quality === undefined ? {} : { quality: input.quality }),
              ...(input.caption === true ? { caption: input.prompt } : {}),
            },
            { signal: ctx.signal, ...(input.seed === undefined ? {} : { seed: input.seed }) },
          ),
      );
      const artifact = describeArtifact('image', result.png);
      await publishMediaComplete(
        ctx,
        {
          kind: 'image',
          tool: 'generate_image',
          ...artifact,
          costUsd,
          ...(storyId === undefined ? {} : { storyId }),
          ...(input.page === undefined ? {} : { page: input.page }),
        },
        context.now,
      );
      const output: GenerateImageOutput = {
        ...artifact,
        width: result.width,
        height: result.height,
        provider: context.providers.image.name,
        model: result.usage.model,
        characters: looks.map((look) => look.name),
        costUsd,
        ...(storyId === undefined ? {} : { storyId }),
        ...(result.revisedPrompt === undefined ? {} : { revisedPrompt: result.revisedPrompt }),
        ...(result.attribution === undefined ? {} : { attribution: result.attribution }),
        ...(result.focus === undefined ? {} : { focus: result.focus }),
      };
      return {
        structuredContent: output,
        content: [
          {
            type: 'text',
            text: `Picture ${artifact.uri} (${result.width}x${result.height}, ${artifact.bytes} bytes).`,
          },
          embeddedResource(artifact, result.png),
        ],
      };
    },
  });
}

async function resolveGuide(
  given: CharacterGuide | undefined,
  storyId: string | undefined,
  state: Parameters<typeof loadCharacterGuide>[0],
): Promise<CharacterGuide | undefined> {
  if (given) return given;
  if (storyId === undefined) return undefined;
  const stored = await loadCharacterGuide(state, storyId);
  if (!stored) {
    throw new MeshError(
      `no character guide is stored for story ${storyId}; call apply_character_guide first or pass characterGuide`,
      'failed_precondition',
      { details: { field: 'storyId' } },
    );
  }
  return stored;
}
