import type { GenerationParameters } from '../../parameters/generation-parameters.js';
import type { SeededRandom } from '../../random/seeded-random.js';
import type { StoryCharacter } from '../../story/story-schema.js';
import {
  CLOTHING,
  COLORS,
  MARKS,
  NAMES,
  type NamedColor,
  SPECIES,
  type SpeciesEntry,
  TRAITS,
} from './story-word-banks.js';

/** A generated character with the pronouns the prose uses. */
export interface CastMember extends StoryCharacter {
  /** Subject, object and possessive pronouns. */
  pronouns: { subject: string; object: string; possessive: string };
}

const PRONOUNS = {
  she: { subject: 'she', object: 'her', possessive: 'her' },
  he: { subject: 'he', object: 'him', possessive: 'his' },
  they: { subject: 'they', object: 'them', possessive: 'their' },
} as const;

function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** The name of the bank colour nearest to a hex colour (for prose about a caller's palette). */
export function nearestColorName(hex: string): string {
  const [r, g, b] = hexToRgb(hex);
  let best: NamedColor = COLORS[0] as NamedColor;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const color of COLORS) {
    const [cr, cg, cb] = hexToRgb(color.hex);
    const distance = (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = color;
    }
  }
  return best.name;
}

function speciesPool(parameters: GenerationParameters, random: SeededRandom): readonly SpeciesEntry[] {
  const kind =
    parameters.protagonist_species === 'any'
      ? random.pick(['animal', 'child', 'robot', 'dragon'] as const)
      : parameters.protagonist_species;
  return SPECIES[kind];
}

function nameFor(
  style: GenerationParameters['name_style'],
  species: string,
  used: Set<string>,
  random: SeededRandom,
) {
  const speciesWord = species.split(' ').pop() ?? species;
  const title = `${speciesWord[0]?.toUpperCase()}${speciesWord.slice(1)}`;
  const full = (name: string) => (style === 'alliterative' ? `${name} ${title}` : name);
  const pool =
    style === 'alliterative'
      ? [...NAMES.simple, ...NAMES.whimsical].filter((name) => name[0]?.toLowerCase() === speciesWord[0])
      : NAMES[style];
  const fresh = pool.filter((name) => !used.has(full(name)));
  if (fresh.length > 0) return full(random.pick(fresh));
  const fallback = NAMES.simple.filter((name) => !used.has(full(name)));
  return full(fallback.length > 0 ? random.pick(fallback) : `${title} ${used.size + 1}`);
}

/**
 * Builds the cast: the hero from the entity parameters (traits, features, clothing, palette, marks, names,
 * pronouns), and helpers generated from the word banks. Every character gets `palette_size` colours: body
 * colour first unless the caller gave a palette, then the clothing colours the prose names.
 */
export function createCast(parameters: GenerationParameters, random: SeededRandom): CastMember[] {
  const used = new Set<string>();
  const usedColors = new Set<string>();
  const cast: CastMember[] = [];
  const heroPool = speciesPool(parameters, random);
  for (let index = 0; index < parameters.character_count; index++) {
    const hero = index === 0;
    const entry = random.pick(
      hero ? heroPool : SPECIES.animal.filter((item) => item.species !== cast[0]?.species),
    );
    const givenName = parameters.character_names[index];
    const name = givenName ?? nameFor(parameters.name_style, entry.species, used, random);
    used.add(name);

    const given = hero ? parameters.color_palette : [];
    const palette: string[] = given.length > 0 ? [...given] : [entry.body.hex];
    const freeColors = COLORS.filter((color) => !usedColors.has(color.hex) && !palette.includes(color.hex));
    for (const color of random.sample(freeColors, parameters.palette_size - palette.length))
      palette.push(color.hex);
    for (const hex of palette) usedColors.add(hex);
    const clothingColors = (given.length > 0 ? palette : palette.slice(1)).map(nearestColorName);

    const clothing =
      hero && parameters.clothing_spec.length > 0
        ? [...parameters.clothing_spec]
        : random
            .sample(CLOTHING, Math.max(1, Math.min(2, clothingColors.length)))
            .map((template, item) =>
              template.replace('{color}', clothingColors[item] ?? 'bright').replace(/^a (?=[aeiou])/, 'an '),
            );
    const traits = hero ? [...parameters.personality_traits] : [];
    for (const trait of random.sample(
      TRAITS.filter((item) => !traits.includes(item)),
      Math.max(0, 2 - traits.length),
    )) {
      traits.push(trait);
    }
    const pronounKey =
      hero && parameters.protagonist_pronouns !== 'any'
        ? parameters.protagonist_pronouns
        : (entry.pronouns ?? random.pick(['she', 'he'] as const));
    cast.push({
      name,
      species: entry.species,
      traits,
      physicalFeatures:
        hero && parameters.physical_features.length > 0
          ? [...parameters.physical_features]
          : [`${entry.body.name} ${entry.species === 'robot' ? 'metal' : 'colouring'}`, ...entry.features],
      clothing,
      colorPalette: palette.slice(0, Math.max(2, Math.min(6, palette.length))),
      distinctiveMarks:
        hero && parameters.distinctive_marks.length > 0
          ? [...parameters.distinctive_marks]
          : [random.pick(MARKS)],
      pronouns: PRONOUNS[pronounKey],
    });
  }
  return cast;
}

/** The cast as story characters (without the prose-only pronouns). */
export function toStoryCharacters(cast: readonly CastMember[]): StoryCharacter[] {
  return cast.map(({ pronouns: _pronouns, ...character }) => character);
}
