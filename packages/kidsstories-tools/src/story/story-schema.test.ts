import { thrownMeshError } from '@kidsstories/mesh-core/testing';
import { describe, expect, it } from 'vitest';
import { resolveParameters } from '../parameters/generation-parameters.js';
import { generateTemplateStory } from '../providers/offline/story-generator.js';
import { wordsOf } from '../text/readability.js';
import { parseStory, type Story, storyJsonSchema, storySchema } from './story-schema.js';

describe('story schema and the offline generator', () => {
  const cases = [
    { seed: 1, parameters: {} },
    { seed: 2, parameters: { age_band: '3-5', page_count: 1, word_range: [10, 30] } },
    { seed: 3, parameters: { age_band: '9-12', page_count: 12, word_range: [60, 120], theme: 'honesty' } },
    { seed: 4, parameters: { page_count: 2, character_count: 1, protagonist_species: 'robot' } },
    {
      seed: 5,
      parameters: { page_count: 5, character_count: 4, name_style: 'alliterative', location_type: 'space' },
    },
    {
      seed: 6,
      parameters: {
        character_names: ['Hazel'],
        personality_traits: ['stubborn', 'funny'],
        physical_features: ['a round face', 'short green hair'],
        clothing_spec: ['a yellow raincoat'],
        color_palette: ['#FFD700', '#228B22'],
        distinctive_marks: ['a moon-shaped freckle'],
        protagonist_species: 'child',
      },
    },
    {
      seed: 7,
      parameters: {
        page_count: 3,
        antagonist_type: 'weather',
        sentence_structure: 'simple',
        dialogue_ratio: 0.6,
      },
    },
  ] as const;

  it.each(cases)(
    'seed $seed with $parameters validates and honours the parameters',
    ({ seed, parameters }) => {
      const resolved = resolveParameters(parameters);
      const story = generateTemplateStory(resolved, seed);
      expect(() =>
        parseStory(story, { pageCount: resolved.page_count, ageBand: resolved.age_band }),
      ).not.toThrow();
      expect(story.pages).toHaveLength(resolved.page_count);
      expect(story.characters).toHaveLength(resolved.character_count);
      expect(story.ageBand).toBe(resolved.age_band);
      const [fewest, most] = resolved.word_range;
      for (const page of story.pages) {
        const count = wordsOf(page.text).length;
        expect(count).toBeLessThanOrEqual(most);
        expect(count).toBeGreaterThanOrEqual(Math.min(fewest, 8));
        expect(page.text).not.toMatch(/\{\w+\}/);
        expect(page.charactersPresent).toContain(story.characters[0]?.name);
      }
      expect(wordsOf(story.title).length).toBeLessThanOrEqual(resolved.title_max_words);
    },
  );

  it('uses the caller’s hero design', () => {
    const story = generateTemplateStory(resolveParameters(cases[5].parameters), 6);
    const hero = story.characters[0];
    expect(hero?.name).toBe('Hazel');
    expect(hero?.traits).toEqual(['stubborn', 'funny']);
    expect(hero?.physicalFeatures).toEqual(['a round face', 'short green hair']);
    expect(hero?.clothing).toEqual(['a yellow raincoat']);
    expect(hero?.colorPalette.slice(0, 2)).toEqual(['#FFD700', '#228B22']);
    expect(hero?.distinctiveMarks).toEqual(['a moon-shaped freckle']);
  });

  it('is deterministic for a seed and varies across seeds', () => {
    const parameters = resolveParameters({});
    expect(generateTemplateStory(parameters, 11)).toEqual(generateTemplateStory(parameters, 11));
    const texts = new Set(
      [11, 12, 13, 14].map((seed) => generateTemplateStory(parameters, seed).pages[0]?.text),
    );
    expect(texts.size).toBe(4);
  });

  it('keeps to the word range on average', () => {
    const parameters = resolveParameters({ word_range: [30, 50], page_count: 8 });
    const counts = generateTemplateStory(parameters, 21).pages.map((page) => wordsOf(page.text).length);
    expect(counts.every((count) => count >= 30 && count <= 50)).toBe(true);
  });

  it('exports a strict JSON Schema for structured output', () => {
    const schema = storyJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: { pages: { items: { required: string[] } } };
    };
    expect(schema.required.sort()).toEqual([
      'ageBand',
      'characters',
      'moral',
      'pages',
      'readingLevel',
      'title',
    ]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.pages.items.required.sort()).toEqual([
      'charactersPresent',
      'sceneDescription',
      'text',
    ]);
  });

  it('rejects malformed model output with a MeshError naming the field', () => {
    const story = generateTemplateStory(resolveParameters({ page_count: 2 }), 3);
    const badColor = structuredClone(story) as Story;
    (badColor.characters[0] as { colorPalette: string[] }).colorPalette = ['red', '#FFFFFF'];
    const error = thrownMeshError(() => parseStory(badColor));
    expect(error.code).toBe('internal');
    expect(error.details.field).toBe('characters.0.colorPalette.0');

    const stranger = structuredClone(story);
    stranger.pages[0]?.charactersPresent.push('Nobody');
    expect(thrownMeshError(() => parseStory(stranger)).message).toContain('Nobody is not one of');

    expect(thrownMeshError(() => parseStory(story, { pageCount: 3 })).details.field).toBe('pages');
    expect(thrownMeshError(() => parseStory({ title: 'x' })).code).toBe('internal');
    expect(storySchema.safeParse({ ...story, extra: 1 }).success).toBe(false);
  });
});

describe('offline generator parameters', () => {
  it('keeps sentences unjoined for simple structure and lets the genre steer the open choices', () => {
    const simple = generateTemplateStory(
      resolveParameters({ sentence_structure: 'simple', age_band: '9-12' }),
      31,
    );
    const mixed = generateTemplateStory(
      resolveParameters({ sentence_structure: 'mixed', age_band: '9-12' }),
      31,
    );
    const joins = (story: Story) => story.pages.filter((page) => /, (?:and|so) [a-z]/.test(page.text)).length;
    expect(joins(simple)).toBeLessThan(joins(mixed));

    for (const seed of [1, 2, 3, 4]) {
      const mystery = generateTemplateStory(resolveParameters({ genre_weight: { mystery: 1 } }), seed);
      expect(mystery.pages.map((page) => page.sceneDescription).join(' ')).toMatch(
        /village|beach|buildings|slopes|cottages|lighthouse|park/,
      );
      const bedtime = generateTemplateStory(resolveParameters({ genre_weight: { bedtime: 1 } }), seed);
      expect(bedtime.pages[0]?.sceneDescription).toMatch(/(evening|night) light/);
    }
  });
});
