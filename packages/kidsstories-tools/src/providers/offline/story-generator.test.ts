import { describe, expect, it } from 'vitest';
import { type GenerationParametersInput, resolveParameters } from '../../parameters/generation-parameters.js';
import type { Story } from '../../story/story-schema.js';
import { splitSentences } from '../../text/readability.js';
import { planBeats } from './story-beats.js';
import { generateTemplateStory } from './story-generator.js';

// Checks that read the prose itself, so a template cannot pass them by construction (issue 13).
const DECEMBER = () => new Date('2026-12-06T12:00:00Z');
const story = (parameters: GenerationParametersInput, seed: number) =>
  generateTemplateStory(resolveParameters(parameters), seed, DECEMBER);

const TIME_WORDS: Record<string, RegExp> = {
  morning: /\b(morning|dawn|sunrise)\b/i,
  afternoon: /\b(afternoon|midday|noon)\b/i,
  evening: /\b(evening|sunset|dusk)\b/i,
  night: /\b(night|midnight|moonlight)\b/i,
};
const WEATHER_WORDS: Record<string, RegExp> = {
  sunny: /\b(sun|sunny|sunshine|sunlight)\b/i,
  rainy: /\b(rain|rainy|raindrops?|drizzle)\b/i,
  snowy: /\b(snow|snowy|snowflakes?|snowdrift)\b/i,
  windy: /\b(wind|windy|breeze|gust)\b/i,
  cloudy: /\b(clouds?|cloudy|fog|foggy)\b/i,
};
const categoriesIn = (text: string, words: Record<string, RegExp>) =>
  Object.keys(words).filter((key) => words[key]?.test(text));

const SAMPLES: Array<[GenerationParametersInput, number]> = [
  [{}, 1],
  [{}, 2],
  [{ age_band: '9-12', page_count: 10, word_range: [40, 90] }, 3],
  [{ age_band: '3-5', page_count: 4, antagonist_type: 'weather' }, 4],
  [{ character_count: 1, antagonist_type: 'grumpy_neighbour', sidekick_enabled: false }, 5],
  [{ page_count: 24, sentence_structure: 'compound', dialogue_ratio: 0.6 }, 6],
  [{ goal_templates: ['help_friend', 'make_gift'], location_type: 'farm' }, 7],
  [{ goal_templates: ['learn_skill', 'reach_place'], antagonist_type: 'none' }, 8],
  [{ genre_weight: { mystery: 1 }, time_of_day: 'night', weather: 'sunny' }, 9],
];

const sentencesOf = (value: Story) => value.pages.flatMap((page) => splitSentences(page.text));

describe('the offline story grammar', () => {
  it.each(SAMPLES)('never repeats a sentence (%j, seed %i)', (parameters, seed) => {
    const sentences = sentencesOf(story(parameters, seed)).map((sentence) => sentence.toLowerCase());
    const repeated = sentences.filter((sentence, index) => sentences.indexOf(sentence) !== index);
    expect(repeated).toEqual([]);
  });

  it.each(SAMPLES)('keeps one time of day and one weather (%j, seed %i)', (parameters, seed) => {
    const value = story(parameters, seed);
    const times = new Set<string>();
    const weathers = new Set<string>();
    for (const page of value.pages) {
      const pageTimes = categoriesIn(page.text, TIME_WORDS);
      const pageWeathers = categoriesIn(page.text, WEATHER_WORDS);
      expect(pageTimes.length, page.text).toBeLessThanOrEqual(1);
      expect(pageWeathers.length, page.text).toBeLessThanOrEqual(1);
      for (const time of pageTimes) times.add(time);
      for (const weather of pageWeathers) weathers.add(weather);
      // The picture is told the same time and weather as the prose.
      for (const time of pageTimes) expect(page.sceneDescription).toContain(`${time} light`);
    }
    expect(times.size).toBeLessThanOrEqual(1);
    expect(weathers.size).toBeLessThanOrEqual(1);
    const described = new Set(
      value.pages.map((page) => /(\w+) light, (\w+) weather/.exec(page.sceneDescription)?.slice(1).join()),
    );
    expect(described.size).toBe(1);
  });

  it.each(SAMPLES)('puts the right article before every noun (%j, seed %i)', (parameters, seed) => {
    const text = story(parameters, seed)
      .pages.map((page) => page.text)
      .join(' ');
    const pairs = [...text.matchAll(/\b(a|an)\s+([a-z][\w’'-]*)/gi)];
    expect(pairs.length).toBeGreaterThan(0);
    for (const [phrase, article, word] of pairs) {
      const vowelSound = /^[aeiou]/i.test(word ?? '') && !/^(one|uni|use|eu)/i.test(word ?? '');
      expect(article?.toLowerCase() === 'an', phrase).toBe(vowelSound);
    }
  });

  it.each(['she', 'he', 'they'] as const)('keeps the hero’s pronoun %s on every page', (pronoun) => {
    const others: Record<string, RegExp> = {
      she: /\b(he|him|his|himself)\b/i,
      he: /\b(she|her|hers|herself)\b/i,
      they: /\b(he|him|his|she|her|hers)\b/i,
    };
    for (const seed of [11, 12, 13, 14, 15]) {
      const value = story({ protagonist_pronouns: pronoun, character_count: seed % 2 === 0 ? 1 : 2 }, seed);
      const text = value.pages.map((page) => page.text).join(' ');
      expect(text, text).not.toMatch(others[pronoun] as RegExp);
      if (pronoun !== 'they')
        expect(text).toMatch(new RegExp(`\\b${pronoun === 'she' ? 'her|she' : 'his|he|him'}\\b`, 'i'));
    }
  });

  it.each(SAMPLES)(
    'states the want in the first two pages and answers it at the end (%j, seed %i)',
    (parameters, seed) => {
      const value = story(parameters, seed);
      const opening = value.pages
        .slice(0, 2)
        .map((page) => page.text)
        .join(' ');
      const want = /wanted to (\w+) (.+?)[.,]/.exec(opening);
      expect(want, opening).not.toBeNull();
      const names = value.characters.map((character) => character.name.toLowerCase());
      const stop = new Set([
        'his',
        'her',
        'their',
        'the',
        'a',
        'an',
        'to',
        'its',
        'end',
        'for',
        'how',
        'take',
        ...names,
      ]);
      const keyWords = (want?.[2] ?? '')
        .toLowerCase()
        .split(/\s+/)
        .filter((word) => !stop.has(word));
      expect(keyWords.length).toBeGreaterThan(0);
      const resolution = value.pages
        .slice(-2)
        .map((page) => page.text)
        .join(' ')
        .toLowerCase();
      for (const word of keyWords) expect(resolution, `${word} in ${resolution}`).toContain(word);
      // The resolution comes after the attempts: the want is not simply restated in the opening lines.
      expect(value.pages.at(-1)?.text.toLowerCase()).not.toContain('wanted to');
    },
  );

  it('plans a want, an obstacle, two or three attempts, a turn and a resolution', () => {
    expect(planBeats(6)).toEqual([
      ['opening'],
      ['want'],
      ['obstacle', 'attempt'],
      ['attempt'],
      ['turn'],
      ['resolution', 'ending'],
    ]);
    const long = planBeats(12).flat();
    expect(long.filter((beat) => beat === 'attempt')).toHaveLength(3);
    expect(long.indexOf('resolution')).toBeGreaterThan(long.lastIndexOf('attempt'));
    expect(planBeats(1)).toHaveLength(1);
  });

  it('lets the parameters steer the story', () => {
    const stormy = story({ antagonist_type: 'weather', weather: 'snowy', time_of_day: 'morning' }, 3);
    expect(stormy.pages.map((page) => page.text).join(' ')).toMatch(/snow/i);
    expect(stormy.pages[0]?.sceneDescription).toContain('morning light, snowy weather');
    const explicit = story({ moral_emphasis: 'explicit', ending_style: 'calm_bedtime' }, 4);
    expect(explicit.pages.at(-1)?.text).toMatch(/learned that/);
    expect(explicit.pages.at(-1)?.text).toMatch(/bed/);
    const siblings = story({ relationship_type: 'siblings', character_count: 2 }, 5);
    expect(siblings.pages[0]?.text).toMatch(/sister|brother|sibling/);
    const farm = story({ location_type: 'farm' }, 6);
    expect(farm.pages[0]?.sceneDescription).toMatch(/barn/);
  });

  it('names what each picture must show: setting, light, weather, characters and objects', () => {
    const value = story({ page_count: 6 }, 7);
    for (const page of value.pages) {
      expect(page.sceneDescription).toMatch(/ in .+; .+ light, \w+ weather\. Objects: .+\./);
      for (const name of page.charactersPresent) expect(page.sceneDescription).toContain(name);
    }
    expect(new Set(value.pages.map((page) => page.sceneDescription)).size).toBe(6);
  });

  it('is the same story for the same seed on every call', () => {
    const parameters = { page_count: 6 } as const;
    expect(story(parameters, 99)).toEqual(story(parameters, 99));
    expect(story(parameters, 99)).not.toEqual(story(parameters, 100));
  });
});
