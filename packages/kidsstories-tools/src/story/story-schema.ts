import { MeshError } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { AGE_BANDS, READING_LEVELS } from './age-band.js';

/** A `#RRGGBB` colour. */
const hexColor = z.string().regex(/^#[0-9A-Fa-f]{6}$/, { error: 'must be a hex colour like #A1B2C3' });
const shortText = (max: number) => z.string().trim().min(1).max(max);

/** A character of a story, with the fixed look the character guide and every picture keep. */
export const storyCharacterSchema = z.strictObject({
  name: shortText(40).describe('Name used in the text and in charactersPresent.'),
  species: shortText(40).describe('What the character is: fox, girl, robot…'),
  traits: z.array(shortText(40)).min(1).max(8).describe('Personality traits (adjectives).'),
  physicalFeatures: z.array(shortText(80)).min(1).max(8).describe('Fixed physical features.'),
  clothing: z.array(shortText(80)).min(1).max(6).describe('Clothing worn on every page.'),
  colorPalette: z.array(hexColor).min(2).max(6).describe('Hex colours, most prominent first.'),
  distinctiveMarks: z.array(shortText(80)).max(4).describe('Marks that make the character recognisable.'),
});

/** One page of a story: its text and what its picture shows. */
export const storyPageSchema = z.strictObject({
  text: shortText(3000).describe('The text read on this page.'),
  sceneDescription: shortText(600).describe('What the illustration shows, without the characters looks.'),
  charactersPresent: z.array(shortText(40)).max(6).describe('Names of the characters in the picture.'),
});

const storyObjectSchema = z.strictObject({
  title: shortText(120),
  ageBand: z.enum(AGE_BANDS).describe('Reader age band in years.'),
  readingLevel: z.enum(READING_LEVELS).describe('Target reading level (Flesch-Kincaid grade).'),
  pages: z.array(storyPageSchema).min(1).max(24),
  characters: z.array(storyCharacterSchema).min(1).max(6),
  moral: shortText(300).describe('The lesson of the story in one sentence.'),
});

/**
 * The story format (`story_v1`): the structured output asked of the language model and validated on every
 * result. Besides the shape, every name in `charactersPresent` must be a character and names are unique.
 */
export const storySchema = storyObjectSchema.superRefine((story, context) => {
  const names = new Set<string>();
  story.characters.forEach((character, index) => {
    if (names.has(character.name)) {
      context.addIssue({
        code: 'custom',
        path: ['characters', index, 'name'],
        message: 'duplicate character name',
      });
    }
    names.add(character.name);
  });
  story.pages.forEach((page, pageIndex) => {
    page.charactersPresent.forEach((name, index) => {
      if (!names.has(name)) {
        context.addIssue({
          code: 'custom',
          path: ['pages', pageIndex, 'charactersPresent', index],
          message: `${name} is not one of the story's characters`,
        });
      }
    });
  });
});

/** A story in the `story_v1` format. */
export type Story = z.output<typeof storyObjectSchema>;
/** A character of a {@link Story}. */
export type StoryCharacter = z.output<typeof storyCharacterSchema>;
/** A page of a {@link Story}. */
export type StoryPage = z.output<typeof storyPageSchema>;

/**
 * The story format as JSON Schema (draft 2020-12): every property required and no additional properties, as
 * OpenAI structured outputs in strict mode want it.
 */
export function storyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(storyObjectSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** What a story must match besides the schema: the parameters it was asked for. */
export interface StoryExpectations {
  /** Exact number of pages. */
  pageCount?: number;
  /** The age band asked for. */
  ageBand?: string;
}

/**
 * Validates a model's output as a story.
 *
 * @throws MeshError `internal` naming the first failing field (`details.field`, all problems in
 *   `details.issues`): a model that returns a malformed story is a server-side fault, not the caller's.
 * @example
 * ```ts
 * const story = parseStory(JSON.parse(modelOutput), { pageCount: 6 });
 * ```
 */
export function parseStory(value: unknown, expectations: StoryExpectations = {}): Story {
  const result = storySchema.safeParse(value);
  const issues = result.success
    ? []
    : result.error.issues.map((issue) => ({
        field: issue.path.join('.') || '(root)',
        message: issue.message,
      }));
  if (result.success) {
    if (expectations.pageCount !== undefined && result.data.pages.length !== expectations.pageCount) {
      issues.push({
        field: 'pages',
        message: `has ${result.data.pages.length} pages where ${expectations.pageCount} were asked for`,
      });
    }
    if (expectations.ageBand !== undefined && result.data.ageBand !== expectations.ageBand) {
      issues.push({
        field: 'ageBand',
        message: `is ${result.data.ageBand} where ${expectations.ageBand} was asked for`,
      });
    }
  }
  const first = issues[0];
  if (first || !result.success) {
    const problem = first ?? { field: '(root)', message: 'invalid story' };
    throw new MeshError(`the generated story is invalid: ${problem.field} ${problem.message}`, 'internal', {
      details: { field: problem.field, issues },
    });
  }
  return result.data;
}
