import { defineTool, MeshError, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import {
  type CharacterGuide,
  characterGuideSchema,
  characterLooks,
  loadCharacterGuide,
} from '../../media/character-guide.js';
import { IMAGE_FORMATS } from '../../media/image-encoding.js';
import { buildImagePromptParts } from '../../media/image-prompt.js';
import { describeArtifact, embeddedResource, mediaArtifactSchema } from '../../media/media-artifact.js';
import { publishMediaComplete } from '../../media/media-events.js';
import { imageParametersOf } from '../../media/media-parameters-of.js';
import {
  generationParametersInputSchema,
  resolveParameters,
} from '../../parameters/generation-parameters.js';
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
    .describe('WIDTHxHEIGHT in pixels; default the size_spec parameter (1024x1024).'),
  style: z
    .string()
    .max(400)
    .optional()
    .describe('Style sentence added to the prompt; default the style_prompt parameter.'),
  quality: z
    .enum(['standard', 'hd'])
    .optional()
    .describe(
      'Image quality tier; wins over the image_quality parameter (the pipeline lowers it when HD keeps failing).',
    ),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2_147_483_647)
    .optional()
    .describe(
      'Seed for deterministic providers; default the seed parameter (1 when it is -1). With seed_lock false the page number is added.',
    ),
  page: z.number().int().min(1).max(100).optional().describe('Page number, for events and names.'),
  caption: z
    .boolean()
    .optional()
    .describe('Draw the prompt as a caption under the picture (offline illustrator); default text_in_image.'),
  parameters: generationParametersInputSchema
    .optional()
    .describe(
      'Generation parameters (any subset; see docs/parameters.md): every image synthesis parameter applies. The explicit fields above win over theirs.',
    ),
});

const alternativeSchema = mediaArtifactSchema.extend({ seed: z.number().int() });

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
  /** The picture's format (the output_format parameter). */
  format: z.enum(['png', 'webp', 'jpeg']),
  /** Seed the page picture was made with. */
  seed: z.number().int(),
  /** The prompt sent to a cloud image model (built from the page and the image parameters). */
  prompt: z.string(),
  /** The other pictures made for the page (images_per_page above 1), each also an embedded resource. */
  alternatives: z.array(alternativeSchema),
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
      "Draws one page picture (PNG, WebP or JPEG by output_format) from the page text and scene, keeping every character's look from the story's character guide; every image synthesis parameter applies. Returns the picture as an embedded resource.",
    inputSchema: generateImageInputSchema,
    outputSchema: generateImageOutputSchema,
    annotations: { readOnlyHint: false, idempotentHint: true },
    handler: async (input, ctx) => {
      const parameters = resolveParameters(input.parameters);
      const image = imageParametersOf(parameters);
      const guide = await resolveGuide(input.characterGuide, input.storyId, ctx.state);
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
      // characters_per_image_max: the first characters of the page (in the order given) are drawn.
      const looks = (guide ? characterLooks(guide, input.characters) : []).slice(
        0,
        image.characters_per_image_max,
      );
      const style = input.style ?? image.style_prompt;
      const parts = buildImagePromptParts(
        { prompt: input.prompt, sceneDescription: input.sceneDescription, characters: looks, style },
        image,
      );
      // The gate checks what the picture should show (the negative prompt names what it must not).
      // image_safety_level strict applies the youngest band's rules; standard the story's age band.
      const verdict = await context.providers.safety.check(parts.positive, {
        signal: ctx.signal,
        ageBand: image.image_safety_level === 'strict' ? '3-5' : parameters.age_band,
      });
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
      const baseSeed = input.seed ?? (parameters.seed >= 0 ? parameters.seed : 1);
      // seed_lock keeps one seed for every page (a stable style); unlocked, each page gets its own.
      const seed = image.seed_lock ? baseSeed : (baseSeed + (input.page ?? 1) * 7919) % 2_147_483_647;
      const size = input.size ?? image.size_spec;
      const draw = (pictureSeed: number) =>
        chargeProviderCall(
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
                size,
                style,
                // Without a parameter set the provider draws as it always has (plain PNG).
                ...(input.parameters === undefined
                  ? {}
                  : {
                      parameters:
                        input.quality === undefined ? image : { ...image, image_quality: input.quality },
                    }),
                ...(input.quality === undefined ? {} : { quality: input.quality }),
                ...(input.caption === true ? { caption: input.prompt } : {}),
              },
              { signal: ctx.signal, seed: pictureSeed },
            ),
        );
      // images_per_page: the page picture and its alternatives, one seed after another.
      const pictures = [];
      for (let index = 0; index < image.images_per_page; index++) {
        pictures.push(await draw((seed + index) % 2_147_483_647));
      }
      const [{ result, costUsd: firstCost }, ...others] = pictures as [
        (typeof pictures)[number],
        ...typeof pictures,
      ];
      const costUsd = pictures.reduce((sum, picture) => sum + picture.costUsd, 0);
      const format = result.format ?? 'png';
      const artifact = describeArtifact('image', result.png, IMAGE_FORMATS[format]);
      const alternatives = others.map((picture, index) => ({
        ...describeArtifact('image', picture.result.png, IMAGE_FORMATS[picture.result.format ?? 'png']),
        seed: (seed + index + 1) % 2_147_483_647,
      }));
      await publishMediaComplete(
        ctx,
        {
          kind: 'image',
          tool: 'generate_image',
          ...artifact,
          costUsd: firstCost,
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
        costUsd: Math.round(costUsd * 1e6) / 1e6,
        format,
        seed,
        prompt: parts.prompt,
        alternatives,
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
            text: `Picture ${artifact.uri} (${result.width}x${result.height}, ${artifact.bytes} bytes${alternatives.length > 0 ? `, ${alternatives.length} alternative(s)` : ''}).`,
          },
          embeddedResource(artifact, result.png),
          ...others.map((picture, index) =>
            embeddedResource(alternatives[index] as (typeof alternatives)[number], picture.result.png),
          ),
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
