import { defineTool, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import {
  buildCharacterGuide,
  CHARACTER_GUIDE_TTL_MS,
  type CharacterGuide,
  characterGuideKey,
  characterGuidePrompt,
  characterGuideSchema,
  characterLooks,
  saveCharacterGuide,
} from '../../media/character-guide.js';
import type { MediaToolsContext } from './media-tools-context.js';

const hex = z
  .string()
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, { error: 'must be a hex colour like #a1b2c3' });

/** Input of `apply_character_guide`: the story (its characters are what matter). */
export const applyCharacterGuideInputSchema = z.strictObject({
  story: z
    .object({
      id: z.string().min(1).max(128).optional(),
      title: z.string().max(200).optional(),
      characters: z
        .array(
          z.object({
            name: z.string().min(1).max(80),
            species: z.string().max(40).optional(),
            traits: z.array(z.string().max(120)).max(20).optional(),
            physicalFeatures: z.array(z.string().max(160)).max(20).optional(),
            clothing: z.array(z.string().max(160)).max(20).optional(),
            colorPalette: z.array(hex).max(8).optional(),
            distinctiveMarks: z.array(z.string().max(160)).max(10).optional(),
          }),
        )
        .min(1)
        .max(12),
    })
    .describe('The story, or at least its characters (extra story fields are ignored).'),
  storyId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_.:-]+$/)
    .optional()
    .describe('Key to store the guide under; default story.id, else derived from the title and names.'),
});

/** Output of `apply_character_guide`. */
export const applyCharacterGuideOutputSchema = z.object({
  storyId: z.string(),
  /** State-store key the guide is stored under. */
  key: z.string(),
  /** Time to live of the stored guide, in milliseconds. */
  ttlMs: z.number(),
  guide: characterGuideSchema,
  /** The guide as image-prompt text. */
  prompt: z.string(),
});

/**
 * `apply_character_guide`: builds the character guide from a story, stores it through the state store
 * (`character-guide:{storyId}`, 24 h TTL) and returns it; `generate_image` then reads it by `storyId`.
 */
export function createApplyCharacterGuideTool(
  context: MediaToolsContext,
): ToolDefinition<
  z.infer<typeof applyCharacterGuideInputSchema>,
  z.infer<typeof applyCharacterGuideOutputSchema>
> {
  return defineTool({
    name: 'apply_character_guide',
    title: 'Apply character guide',
    description:
      "Builds a story's character guide (each character's colour palette, features, clothing and marks), stores it for 24 hours under the story id and returns it, so every picture of the story keeps each character's look.",
    inputSchema: applyCharacterGuideInputSchema,
    outputSchema: applyCharacterGuideOutputSchema,
    annotations: { idempotentHint: true, readOnlyHint: false },
    handler: async (input, ctx) => {
      const guide: CharacterGuide = buildCharacterGuide(input.story, {
        ...(input.storyId === undefined ? {} : { storyId: input.storyId }),
        now: context.now,
      });
      await saveCharacterGuide(ctx.state, guide, { ttlMs: CHARACTER_GUIDE_TTL_MS });
      ctx.logger.info('character guide stored', {
        storyId: guide.storyId,
        characters: guide.characters.length,
      });
      return {
        structuredContent: {
          storyId: guide.storyId,
          key: characterGuideKey(guide.storyId),
          ttlMs: CHARACTER_GUIDE_TTL_MS,
          guide,
          prompt: characterGuidePrompt(characterLooks(guide)),
        },
      };
    },
  });
}
