import { type GenerationParameters, resolveParameters } from '../../parameters/generation-parameters.js';
import { readingLevelOfGrade, targetGradeOf } from '../../story/age-band.js';
import { createSeededRandom, type SeededRandom } from '../../story/seeded-random.js';
import type { Story, StoryPage } from '../../story/story-schema.js';
import { readabilityOf, wordsOf } from '../../text/readability.js';
import { refineTextToGrade } from '../../text/refine-text.js';
import type { ProviderCallOptions, StoryProvider } from '../provider-types.js';
import {
  BEAT_FILLERS,
  BEAT_SCENES,
  BEAT_SENTENCES,
  type Beat,
  HELPERS,
  THEME_LINES,
  TITLES,
} from './story-beats.js';
import { type CastMember, createCast, toStoryCharacters } from './story-characters.js';
import {
  ACTION_VERBS,
  DIALOGUE,
  GOALS,
  MORALS,
  OBSTACLES,
  SEASON_PHRASES,
  SETTINGS,
  TIME_PHRASES,
  WEATHER_PHRASES,
} from './story-word-banks.js';

/** The model name the offline story generator reports in its usage. */
export const OFFLINE_STORY_MODEL = 'offline:template-story';

/** The plan of a story: its beats per page. */
export function planBeats(pageCount: number): Beat[][] {
  if (pageCount === 1) return [['opening', 'goal', 'win', 'ending']];
  if (pageCount === 2)
    return [
      ['opening', 'goal'],
      ['win', 'ending'],
    ];
  if (pageCount === 3)
    return [
      ['opening', 'goal'],
      ['obstacle', 'turn'],
      ['win', 'ending'],
    ];
  if (pageCount === 4) return [['opening'], ['goal'], ['obstacle', 'turn'], ['win', 'ending']];
  const middle: Beat[][] = Array.from({ length: pageCount - 4 }, () => ['journey']);
  middle[Math.floor(middle.length / 2)] = ['obstacle'];
  middle[middle.length - 1] = middle.length > 1 ? ['turn'] : ['obstacle', 'turn'];
  return [['opening'], ['goal'], ...middle, ['win'], ['ending']];
}

interface StoryWorld {
  random: SeededRandom;
  parameters: GenerationParameters;
  cast: CastMember[];
  slots: Record<string, string>;
  goalKey: string;
  scenery: string;
  moral: string;
}

function fill(template: string, world: StoryWorld): string {
  const { random, slots } = world;
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    if (slot === 'verb')
      return random.pick(
        world.parameters.action_verbs.length > 0 ? world.parameters.action_verbs : ACTION_VERBS,
      );
    if (slot === 'helper') return slots.helper ?? random.pick(HELPERS);
    return slots[slot] ?? slot;
  });
}

function capitaliseFirst(text: string): string {
  return text.replace(/^(["“]?)([a-z])/, (_, quote: string, letter: string) => quote + letter.toUpperCase());
}

/** Settings each genre picks from when `location_type` is `any`. */
const GENRE_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  adventure: ['forest', 'mountains', 'seaside'],
  fantasy: ['space', 'mountains', 'forest'],
  everyday: ['village', 'city', 'garden', 'farm'],
  animal_tale: ['forest', 'farm', 'garden', 'seaside'],
  bedtime: ['garden', 'village', 'forest'],
  mystery: ['village', 'seaside', 'city', 'mountains'],
};

function createWorld(parameters: GenerationParameters, seed: number, now: () => Date): StoryWorld {
  const random = createSeededRandom(seed);
  const cast = createCast(parameters, random);
  const hero = cast[0] as CastMember;
  const friend = cast[1];
  // The genre steers what the parameters leave open: setting, goal and time of day.
  const genre = random.weighted(parameters.genre_weight);
  const locationKey =
    parameters.location_type === 'any'
      ? random.pick(GENRE_SETTINGS[genre] ?? Object.keys(SETTINGS))
      : parameters.location_type;
  const setting = SETTINGS[locationKey] ?? (SETTINGS.forest as (typeof SETTINGS)[string]);
  const goalKey =
    genre === 'mystery' && parameters.goal_templates.includes('solve_puzzle')
      ? 'solve_puzzle'
      : random.pick(parameters.goal_templates);
  const goal = GOALS[goalKey] ?? (GOALS.find_lost_item as (typeof GOALS)[string]);
  const obstacles = OBSTACLES[parameters.antagonist_type] ?? OBSTACLES.mild_obstacle ?? [];
  const month = now().getUTCMonth();
  const season =
    parameters.seasonal_context === 'auto'
      ? ([
          'winter',
          'winter',
          'spring',
          'spring',
          'spring',
          'summer',
          'summer',
          'summer',
          'autumn',
          'autumn',
          'autumn',
          'winter',
        ][month] ?? 'spring')
      : parameters.seasonal_context;
  const times = genre === 'bedtime' ? ['evening', 'night'] : Object.keys(TIME_PHRASES);
  const time = parameters.time_of_day === 'any' ? random.pick(times) : parameters.time_of_day;
  const weather =
    parameters.weather === 'any' ? random.pick(Object.keys(WEATHER_PHRASES)) : parameters.weather;
  const sceneryBits = [
    setting.scenery,
    season === 'none' ? '' : `${season} colours`,
    `${time} light`,
    `${weather} weather`,
  ];
  const slots: Record<string, string> = {
    hero: hero.name,
    friend: friend?.name ?? random.pick(['a friendly robin', 'a wise old owl', 'a little snail']),
    species: hero.species,
    friendSpecies: friend?.species ?? 'bird',
    trait: hero.traits[0] ?? 'kind',
    friendTrait: friend?.traits[0] ?? 'kind',
    place: random.pick(setting.names),
    landmark: random.pick(setting.landmarks),
    item: random.pick(goal.items),
    obstacle: random.pick(obstacles),
    helper: random.pick(HELPERS),
    clothing: hero.clothing[0] ?? 'a cosy scarf',
    clothingItem: (hero.clothing[0] ?? 'scarf').split(' ').slice(-1)[0] ?? 'scarf',
    feature: hero.physicalFeatures[1] ?? hero.physicalFeatures[0] ?? 'bright eyes',
    they: hero.pronouns.subject,
    them: hero.pronouns.object,
    their: hero.pronouns.possessive,
    friendTheir: cast[1]?.pronouns.possessive ?? 'its',
    genre,
  };
  const intro = [
    season === 'none' ? '' : (SEASON_PHRASES[season] ?? ''),
    TIME_PHRASES[time] ?? '',
    WEATHER_PHRASES[weather] ?? '',
  ];
  slots.setting = intro.filter((line) => line.length > 0).join(' ');
  const world: StoryWorld = {
    random,
    parameters,
    cast,
    slots,
    goalKey,
    scenery: sceneryBits.filter((bit) => bit.length > 0).join(', '),
    moral: random.pick(MORALS[parameters.theme] ?? MORALS.friendship ?? ['Kindness matters.']),
  };
  slots.detailPool = random.sample(setting.details, setting.details.length).join('|');
  return world;
}

/** The lines a beat must say, in order. */
function coreLines(beat: Beat, world: StoryWorld, pageIndex: number): string[] {
  const { random, parameters, slots } = world;
  const goal = GOALS[world.goalKey] ?? (GOALS.find_lost_item as (typeof GOALS)[string]);
  const lines = [random.pick(BEAT_SENTENCES[beat])];
  if (beat === 'opening' && slots.setting) lines.push(slots.setting);
  if (beat === 'goal') lines.push(random.pick(goal.setup));
  if (beat === 'win') lines.unshift(random.pick(goal.win));
  if ((beat === 'turn' || beat === 'win') && pageIndex % 2 === 0)
    lines.push(random.pick(THEME_LINES[parameters.theme] ?? []));
  if (beat === 'ending' && parameters.moral_emphasis === 'explicit')
    lines.push(`${slots.hero} learned something true: ${world.moral}`);
  if (beat === 'ending' && parameters.ending_style === 'calm_bedtime')
    lines.push(`Soon ${slots.hero} curled up in bed and yawned a sleepy yawn.`);
  if (beat === 'ending' && parameters.ending_style === 'reflective')
    lines.push(`${slots.hero} thought about the day for a long time.`);
  return lines.map((line) => capitaliseFirst(fill(line, world)));
}

/** Filler lines for a beat, in a seeded order, repeated with new slot values when a page needs many words. */
function* fillerLines(beats: readonly Beat[], world: StoryWorld): Generator<string> {
  const { random, parameters, slots } = world;
  const details = (slots.detailPool ?? '').split('|').filter((line) => line.length > 0);
  for (let round = 0; round < 12; round++) {
    const pool = [...beats.flatMap((beat) => BEAT_FILLERS[beat]), ...details, ...BEAT_FILLERS.journey];
    for (const template of random.sample(pool, pool.length)) {
      if (random.chance(parameters.dialogue_ratio)) yield capitaliseFirst(fill(random.pick(DIALOGUE), world));
      yield capitaliseFirst(fill(template, world));
    }
  }
}

function countWords(lines: readonly string[]): number {
  return lines.reduce((sum, line) => sum + wordsOf(line).length, 0);
}

/** Writes one page: core lines, then fillers up to a seeded word target in the range, refined to the grade. */
function writePage(
  beats: readonly Beat[],
  world: StoryWorld,
  pageIndex: number,
  targetGrade: number,
): string {
  const [fewest, most] = world.parameters.word_range;
  const goalWords = fewest + world.random.int(most - fewest + 1);
  const lines = beats.flatMap((beat) => coreLines(beat, world, pageIndex));
  const fillers = fillerLines(beats, world);
  const used = new Set(lines);
  // `simple` sentence structure: never join sentences, even when the grade asks for longer ones.
  const joinSentences = world.parameters.sentence_structure !== 'simple';
  const refine = (candidate: readonly string[]) =>
    refineTextToGrade(candidate.join(' '), targetGrade, { joinSentences }).text;
  let text = refine(lines);
  // Add fillers while under the goal, then drop lines while over the maximum (refinement changes counts a little).
  for (let guard = 0; wordsOf(text).length < goalWords && guard < 400; guard++) {
    const next = fillers.next();
    if (next.done) break;
    if (used.has(next.value)) continue;
    const candidate = [...lines, next.value];
    if (countWords(candidate) > most) continue;
    lines.push(next.value);
    used.add(next.value);
    text = refine(lines);
  }
  while (wordsOf(text).length > most && lines.length > 1) {
    lines.pop();
    text = refine(lines);
  }
  if (wordsOf(text).length > most) {
    text = `${wordsOf(text).slice(0, most).join(' ')}.`;
  }
  return text;
}

function titleOf(world: StoryWorld): string {
  const maxWords = world.parameters.title_max_words;
  for (const template of world.random.sample(TITLES, TITLES.length)) {
    const title = fill(template, world)
      .split(' ')
      .map((word) => (['and', 'a', 'in', 'the', 'of'].includes(word) ? word : capitaliseFirst(word)))
      .join(' ');
    if (wordsOf(title).length <= maxWords) return capitaliseFirst(title);
  }
  return world.cast[0]?.name ?? 'A Story';
}

/**
 * Generates a complete story from the parameters, deterministically for `seed`: the same parameters and seed
 * always give the same story.
 */
export function generateTemplateStory(
  parameters: GenerationParameters,
  seed: number,
  now: () => Date = () => new Date(),
): Story {
  const world = createWorld(parameters, seed, now);
  const targetGrade = targetGradeOf(parameters.reading_level, parameters.age_band);
  const hero = world.cast[0] as CastMember;
  const companions = world.cast.slice(1);
  const pages: StoryPage[] = planBeats(parameters.page_count).map((beats, pageIndex) => {
    const travelling = parameters.sidekick_enabled || beats.includes('opening') || beats.includes('ending');
    const present = [
      hero,
      ...(travelling ? companions.slice(0, parameters.characters_per_image_max - 1) : []),
    ];
    const who = present.map((member) => `${member.name} the ${member.species}`).join(' and ');
    const action = fill(BEAT_SCENES[beats[beats.length - 1] ?? 'journey'], world);
    return {
      text: writePage(beats, world, pageIndex, targetGrade),
      sceneDescription: `${who} ${action} in ${world.slots.place}; ${world.scenery}.`,
      charactersPresent: present.map((member) => member.name),
    };
  });
  // Pages stop refining once each is within 0.5 grade, often on the same side: aim past the target by the
  // remaining gap of the whole story, keeping any page that would leave the word range.
  const gap = readabilityOf(pages.map((page) => page.text).join(' ')).fleschKincaidGrade - targetGrade;
  if (Math.abs(gap) > 0.5) {
    const [fewest, most] = parameters.word_range;
    const joinSentences = parameters.sentence_structure !== 'simple';
    for (const page of pages) {
      const text = refineTextToGrade(page.text, targetGrade - gap, { joinSentences }).text;
      const count = wordsOf(text).length;
      if (count >= Math.min(fewest, wordsOf(page.text).length) && count <= most) page.text = text;
    }
  }
  return {
    title: titleOf(world),
    ageBand: parameters.age_band,
    readingLevel: readingLevelOfGrade(targetGrade),
    pages,
    characters: toStoryCharacters(world.cast),
    moral: world.moral,
  };
}

/** Options for {@link createOfflineStoryProvider}. */
export interface OfflineStoryProviderOptions {
  /** Clock for `seasonal_context: 'auto'`. Default `() => new Date()`. */
  now?: () => Date;
}

/**
 * The offline story provider: a template generator with word banks that honours page count, word range,
 * reading level (pages are refined toward the Flesch-Kincaid grade), `sentence_structure: 'simple'`, theme,
 * genre weights, setting (location, season, time of day, weather), goals, obstacles, dialogue ratio, moral
 * emphasis, ending style, title length and the entity parameters. It writes in the past tense, third person:
 * `tense` and `narrative_voice` are honoured by the cloud model through the prompt only.
 * Deterministic for a seed (`options.seed`, else the `seed` parameter, else 0). Usage is reported in
 * approximate tokens (4 characters each) under the model `offline:template-story`.
 */
export function createOfflineStoryProvider(options: OfflineStoryProviderOptions = {}): StoryProvider {
  const now = options.now ?? (() => new Date());
  return {
    name: 'offline-template',
    model: OFFLINE_STORY_MODEL,
    async generateStory(request, callOptions: ProviderCallOptions = {}) {
      callOptions.signal?.throwIfAborted();
      const parameters = resolveParameters(request.parameters);
      const seed = callOptions.seed ?? Math.max(parameters.seed, 0);
      const story = generateTemplateStory(parameters, seed, now);
      return {
        story,
        usage: {
          model: OFFLINE_STORY_MODEL,
          inputTokens: Math.ceil(request.prompt.length / 4),
          outputTokens: Math.ceil(JSON.stringify(story).length / 4),
          requests: 1,
        },
      };
    },
  };
}
