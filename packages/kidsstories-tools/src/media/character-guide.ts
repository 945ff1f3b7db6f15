import type { StateStore } from '@kidsstories/mesh-core';
import { MeshError } from '@kidsstories/mesh-core';
import * as z from 'zod';
import type { CharacterLook } from '../providers/provider-types.js';

/**
 * The character guide: each character's fixed look (palette, features, clothing, distinctive marks), built once
 * from a story and used by every picture of that story, so a character looks the same on every page. Cloud image
 * models get it as prompt text ({@link characterGuidePrompt}); the offline renderer draws from it directly.
 * It is stored through the state-store port under `character-guide:{storyId}` for 24 hours.
 */

/** How long a stored guide lives, in milliseconds: 24 hours. */
export const CHARACTER_GUIDE_TTL_MS = 24 * 60 * 60 * 1000;

/** The state-store key of a story's guide: `character-guide:{storyId}`. */
export function characterGuideKey(storyId: string): string {
  return `character-guide:${storyId}`;
}

const HEX_COLOUR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Schema of one character in a guide. Colours are `#rrggbb`, lower case, most prominent first. */
export const characterGuideEntrySchema = z.object({
  name: z.string().min(1).max(80),
  species: z.string().max(40).optional(),
  traits: z.array(z.string().max(120)).max(20),
  physicalFeatures: z.array(z.string().max(160)).max(20),
  clothing: z.array(z.string().max(160)).max(20),
  colorPalette: z
    .array(z.string().regex(/^#[0-9a-f]{6}$/))
    .min(3)
    .max(8),
  distinctiveMarks: z.array(z.string().max(160)).max(10),
});

/** Schema of a character guide, used for tool input/output and to validate what is read back from the store. */
export const characterGuideSchema = z.object({
  storyId: z.string().min(1).max(128),
  title: z.string().max(200).optional(),
  characters: z.array(characterGuideEntrySchema).min(1).max(12),
  /** When the guide was built, in epoch milliseconds. */
  createdAt: z.number().int().nonnegative(),
});

/** One character of a {@link CharacterGuide}: a {@link CharacterLook} plus the character's traits. */
export type CharacterGuideEntry = z.infer<typeof characterGuideEntrySchema>;

/** A story's character guide. */
export type CharacterGuide = z.infer<typeof characterGuideSchema>;

/**
 * The part of a story the guide is built from. Structural, so it accepts the story of `src/story` and any
 * object with the same character fields.
 */
export interface StoryCharacters {
  /** Story id; when absent the guide's id is derived from the title and character names. */
  id?: string | undefined;
  title?: string | undefined;
  characters: ReadonlyArray<{
    name: string;
    species?: string | undefined;
    traits?: readonly string[] | undefined;
    physicalFeatures?: readonly string[] | undefined;
    clothing?: readonly string[] | undefined;
    colorPalette?: readonly string[] | undefined;
    distinctiveMarks?: readonly string[] | undefined;
  }>;
}

/** Options for {@link buildCharacterGuide}. */
export interface BuildCharacterGuideOptions {
  /** Overrides the story id. Default: `story.id`, else a hash of title and names (`story-xxxxxxxx`). */
  storyId?: string;
  /** Clock for `createdAt`, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Species words recognised in a character's description, in order of precedence. */
const SPECIES_WORDS = [
  'dragon',
  'unicorn',
  'robot',
  'owl',
  'bird',
  'duck',
  'penguin',
  'fox',
  'rabbit',
  'bunny',
  'bear',
  'cat',
  'kitten',
  'dog',
  'puppy',
  'mouse',
  'hedgehog',
  'turtle',
  'frog',
  'lion',
  'elephant',
  'squirrel',
  'girl',
  'boy',
  'child',
  'kid',
  'grandma',
  'grandpa',
] as const;

/**
 * Builds the guide from a story: normalises every colour to `#rrggbb`, completes a palette shorter than three
 * colours with colours derived from the character's name (so it is stable), and infers a species word when the
 * story gives none.
 *
 * @throws MeshError `invalid_argument` when the story has no characters, a name repeats, or a colour is not hex.
 * @example
 * ```ts
 * const guide = buildCharacterGuide(story, { storyId: 'story-42' });
 * await saveCharacterGuide(ctx.state, guide);
 * ```
 */
export function buildCharacterGuide(
  story: StoryCharacters,
  options: BuildCharacterGuideOptions = {},
): CharacterGuide {
  if (!story.characters || story.characters.length === 0) {
    throw new MeshError('the story has no characters to build a guide from', 'invalid_argument', {
      details: { field: 'story.characters' },
    });
  }
  const seen = new Set<string>();
  const characters = story.characters.map((character, index): CharacterGuideEntry => {
    const name = character.name.trim();
    const key = name.toLowerCase();
    if (name.length === 0 || seen.has(key)) {
      throw new MeshError(
        name.length === 0 ? `character ${index} has no name` : `character name "${name}" appears twice`,
        'invalid_argument',
        { details: { field: `story.characters.${index}.name` } },
      );
    }
    seen.add(key);
    const palette = (character.colorPalette ?? []).map((colour, colourIndex) =>
      normaliseHex(colour, `story.characters.${index}.colorPalette.${colourIndex}`),
    );
    const unique = [...new Set(palette)].slice(0, 8);
    let salt = 0;
    while (unique.length < 3) {
      const derived = colourFromText(`${name}#${salt++}`);
      if (!unique.includes(derived)) unique.push(derived);
    }
    const physicalFeatures = [...(character.physicalFeatures ?? [])];
    const species =
      character.species ?? inferSpecies([name, ...physicalFeatures, ...(character.traits ?? [])]);
    return {
      name,
      ...(species === undefined ? {} : { species }),
      traits: [...(character.traits ?? [])],
      physicalFeatures,
      clothing: [...(character.clothing ?? [])],
      colorPalette: unique,
      distinctiveMarks: [...(character.distinctiveMarks ?? [])],
    };
  });
  const storyId =
    options.storyId ??
    story.id ??
    `story-${fnv1a(`${story.title ?? ''}|${characters.map((c) => c.name).join('|')}`)}`;
  return {
    storyId,
    ...(story.title === undefined ? {} : { title: story.title }),
    characters,
    createdAt: (options.now ?? Date.now)(),
  };
}

/** The {@link CharacterLook}s of the named characters (all when `names` is omitted), in guide order. */
export function characterLooks(guide: CharacterGuide, names?: readonly string[]): CharacterLook[] {
  const wanted = names?.map((name) => name.toLowerCase());
  return guide.characters
    .filter((character) => !wanted || wanted.includes(character.name.toLowerCase()))
    .map((character) => ({
      name: character.name,
      ...(character.species === undefined ? {} : { species: character.species }),
      physicalFeatures: character.physicalFeatures,
      clothing: character.clothing,
      colorPalette: character.colorPalette,
      distinctiveMarks: character.distinctiveMarks,
    }));
}

/**
 * The guide as prompt text for an image model: one line per character with its colours, features, clothing and
 * marks, and an instruction to keep them identical on every page.
 */
export function characterGuidePrompt(looks: readonly CharacterLook[]): string {
  if (looks.length === 0) return '';
  const lines = looks.map((look) => {
    const parts = [
      `${look.name}${look.species ? ` (${look.species})` : ''}`,
      `colours ${look.colorPalette.join(', ')}`,
    ];
    if (look.physicalFeatures.length > 0) parts.push(`features: ${look.physicalFeatures.join('; ')}`);
    if (look.clothing.length > 0) parts.push(`wears: ${look.clothing.join('; ')}`);
    if (look.distinctiveMarks.length > 0)
      parts.push(`distinctive marks: ${look.distinctiveMarks.join('; ')}`);
    return `- ${parts.join(' | ')}`;
  });
  return `Character guide (keep every character's colours, features, clothing and marks exactly the same on every page):\n${lines.join('\n')}`;
}

/** Options for {@link saveCharacterGuide}. */
export interface SaveCharacterGuideOptions {
  /** Time to live, in milliseconds. Default {@link CHARACTER_GUIDE_TTL_MS} (24 h). */
  ttlMs?: number;
}

/** Stores a guide as a hash under {@link characterGuideKey} with a TTL (default 24 h). */
export async function saveCharacterGuide(
  state: StateStore,
  guide: CharacterGuide,
  options: SaveCharacterGuideOptions = {},
): Promise<void> {
  await state.hashSet(
    characterGuideKey(guide.storyId),
    { guide: JSON.stringify(guide), storyId: guide.storyId, createdAt: String(guide.createdAt) },
    { ttlMs: options.ttlMs ?? CHARACTER_GUIDE_TTL_MS },
  );
}

/**
 * Reads a story's guide back, or `undefined` when none is stored (or it expired).
 *
 * @throws MeshError `data_loss` when the stored value is not a valid guide.
 */
export async function loadCharacterGuide(
  state: StateStore,
  storyId: string,
): Promise<CharacterGuide | undefined> {
  const raw = await state.hashGet(characterGuideKey(storyId), 'guide');
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new MeshError(`stored character guide for ${storyId} is not JSON`, 'data_loss', { cause: error });
  }
  const result = characterGuideSchema.safeParse(parsed);
  if (!result.success) {
    throw new MeshError(`stored character guide for ${storyId} is invalid`, 'data_loss', {
      cause: result.error,
    });
  }
  return result.data;
}

/** `#abc` or `#AABBCC` to `#aabbcc`. */
function normaliseHex(colour: string, field: string): string {
  const trimmed = colour.trim();
  if (!HEX_COLOUR.test(trimmed)) {
    throw new MeshError(`colour "${colour}" is not a hex colour like #a1b2c3`, 'invalid_argument', {
      details: { field },
    });
  }
  const hex = trimmed.slice(1).toLowerCase();
  return hex.length === 3 ? `#${[...hex].map((digit) => digit + digit).join('')}` : `#${hex}`;
}

function inferSpecies(texts: readonly string[]): string | undefined {
  const words = new Set(
    texts
      .join(' ')
      .toLowerCase()
      .split(/[^a-z]+/),
  );
  return SPECIES_WORDS.find((word) => words.has(word));
}

/** A saturated, mid-light colour derived from text (stable across runs). */
function colourFromText(text: string): string {
  const hash = Number.parseInt(fnv1a(text), 16);
  const hue = hash % 360;
  const saturation = 0.55 + ((hash >>> 9) % 30) / 100;
  const lightness = 0.45 + ((hash >>> 17) % 20) / 100;
  return hslToHex(hue, saturation, lightness);
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const [r, g, b] =
    hue < 60
      ? [chroma, x, 0]
      : hue < 120
        ? [x, chroma, 0]
        : hue < 180
          ? [0, chroma, x]
          : hue < 240
            ? [0, x, chroma]
            : hue < 300
              ? [x, 0, chroma]
              : [chroma, 0, x];
  const toHex = (value: number) =>
    Math.round((value + m) * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${toHex(r)}${toHex(g)}${toHex(b)}`;
}

/** 32-bit FNV-1a of a string, as 8 hex digits. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
