import type { GenerationParameters } from '../../parameters/generation-parameters.js';
import type { SeededRandom } from '../../random/seeded-random.js';
import { ACTION_VERBS, HELPERS } from './story-beats.js';
import { type CastMember, createCast } from './story-characters.js';
import { withDefinite, withIndefinite } from './story-english.js';
import { GOAL_PLANS, type GoalPlan, OBSTACLE_PLANS, type ObstaclePlan } from './story-plot-banks.js';
import { MORALS, SETTINGS, type Setting, WEATHER_PHRASES } from './story-word-banks.js';

/**
 * The fixed facts of one offline story, drawn once from the seed: cast, setting, one time of day, one weather,
 * the goal (want), the obstacle and the moral. Every page is written from these, so they never drift.
 */
export interface StoryWorld {
  random: SeededRandom;
  parameters: GenerationParameters;
  cast: CastMember[];
  hero: CastMember;
  /** The second character, when there is one. */
  friend: CastMember | undefined;
  /** Whether a friend travels with the hero (else a helper creature joins at the turn). */
  companion: boolean;
  genre: string;
  goalKey: string;
  goal: GoalPlan;
  obstacle: ObstaclePlan;
  setting: Setting;
  /** `morning`, `afternoon`, `evening` or `night`. */
  time: string;
  /** `sunny`, `rainy`, `snowy`, `windy`, `cloudy`, or `clear` (a sunny night). */
  weather: string;
  /** A season, or `none`. */
  season: string;
  moral: string;
  /** Landmarks passed on journey pages, in order. */
  sights: string[];
  /** Slot values of the templates. */
  slots: Record<string, string>;
  /** Every sentence written so far: none is written twice. */
  used: Set<string>;
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

const SEASON_OF_MONTH = ['winter', 'winter', 'spring', 'spring', 'spring', 'summer', 'summer', 'summer'];
const RELATIONS: Readonly<Record<string, string>> = {
  friends: 'best friend',
  family: 'cousin',
  classmates: 'classmate',
};

/** Draws the world of a story from the parameters and the seed. */
export function createStoryWorld(
  parameters: GenerationParameters,
  random: SeededRandom,
  now: () => Date,
): StoryWorld {
  const cast = createCast(parameters, random);
  const hero = cast[0] as CastMember;
  const friend = cast[1];
  const genre = random.weighted(parameters.genre_weight);
  const locationKey =
    parameters.location_type === 'any'
      ? random.pick(GENRE_SETTINGS[genre] ?? Object.keys(SETTINGS))
      : parameters.location_type;
  const setting = SETTINGS[locationKey] ?? (SETTINGS.forest as Setting);
  const goalKey =
    genre === 'mystery' && parameters.goal_templates.includes('solve_puzzle')
      ? 'solve_puzzle'
      : random.pick(parameters.goal_templates);
  const goal = GOAL_PLANS[goalKey] ?? (GOAL_PLANS.find_lost_item as GoalPlan);
  const month = now().getUTCMonth();
  const season =
    parameters.seasonal_context === 'auto'
      ? (SEASON_OF_MONTH[month] ?? (month < 11 ? 'autumn' : 'winter'))
      : parameters.seasonal_context;
  const times = genre === 'bedtime' ? ['evening', 'night'] : ['morning', 'afternoon', 'evening', 'night'];
  const time = parameters.time_of_day === 'any' ? random.pick(times) : parameters.time_of_day;
  const candidates = OBSTACLE_PLANS[parameters.antagonist_type] ?? OBSTACLE_PLANS.mild_obstacle ?? [];
  // A weather obstacle brings its weather: choose one that matches the weather asked for, else set the weather.
  const matching = candidates.filter(
    (plan) => plan.weather === undefined || plan.weather === parameters.weather,
  );
  const obstacle = random.pick(matching.length > 0 ? matching : candidates);
  const asked =
    obstacle.weather ??
    (parameters.weather === 'any'
      ? random.pick(Object.keys(WEATHER_PHRASES).filter((key) => key !== 'clear'))
      : parameters.weather);
  // There is no sun at night: a sunny night is a clear one.
  const weather = asked === 'sunny' && time === 'night' ? 'clear' : asked;
  const [home, destination, ...others] = random.sample(setting.landmarks, setting.landmarks.length);
  const helper = random.pick(HELPERS);
  const item = random.pick(goal.items);
  const companion = friend !== undefined && parameters.sidekick_enabled;
  const relation =
    parameters.relationship_type === 'siblings'
      ? friend?.pronouns.subject === 'she'
        ? 'sister'
        : friend?.pronouns.subject === 'he'
          ? 'brother'
          : 'sibling'
      : (RELATIONS[parameters.relationship_type] ?? 'friend');
  const verbs = parameters.action_verbs.length > 0 ? parameters.action_verbs : ACTION_VERBS;
  const slots: Record<string, string> = {
    hero: hero.name,
    friend: friend?.name ?? `the ${helper}`,
    species: hero.species,
    friendSpecies: friend?.species ?? helper,
    trait: hero.traits[0] ?? 'kind',
    aTrait: withIndefinite(hero.traits[0] ?? 'kind'),
    relation,
    place: random.pick(setting.names),
    landmark: home ?? 'home',
    theLandmark: withDefinite(home ?? 'home'),
    destination: withDefinite(destination ?? 'the far hill'),
    item,
    anItem: withIndefinite(item),
    theItem: `the ${item}`,
    anObstacle: withIndefinite(obstacle.noun),
    theObstacle: `the ${obstacle.noun.split(/ (?:who|that) /)[0]}`,
    helper,
    clothing: hero.clothing[0] ?? 'a cosy scarf',
    clothingItem: (hero.clothing[0] ?? 'scarf').split(' ').slice(-1)[0] ?? 'scarf',
    feature: (hero.physicalFeatures[1] ?? hero.physicalFeatures[0] ?? 'bright eyes').replace(
      /^(a|an|the) /,
      '',
    ),
    they: hero.pronouns.subject,
    them: hero.pronouns.object,
    their: hero.pronouns.possessive,
    verb: random.pick(verbs),
  };
  return {
    random,
    parameters,
    cast,
    hero,
    friend,
    companion,
    genre,
    goalKey,
    goal,
    obstacle,
    setting,
    time,
    weather,
    season,
    moral: random.pick(MORALS[parameters.theme] ?? MORALS.friendship ?? ['Kindness matters.']),
    sights: [...others, ...random.sample(setting.landmarks, setting.landmarks.length)].map(withDefinite),
    slots,
    used: new Set(),
  };
}

/**
 * Fills a template's `{slot}`s from the world (`{verb}` draws a new travel verb each time; `extra` wins).
 *
 * @throws Error when a slot is unknown: a template bug, never a caller's fault.
 */
export function fillTemplate(
  template: string,
  world: StoryWorld,
  extra: Record<string, string> = {},
): string {
  const verbs = world.parameters.action_verbs.length > 0 ? world.parameters.action_verbs : ACTION_VERBS;
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    if (slot === 'verb') return world.random.pick(verbs);
    const value = extra[slot] ?? world.slots[slot];
    if (value === undefined) throw new Error(`story template slot {${slot}} has no value`);
    return value;
  });
}

/** Whether a template speaks of the group (`they`, `their`) outside the hero's pronoun slots. */
export function speaksOfGroup(template: string): boolean {
  return /\b(they|They|their|them)\b/.test(template.replace(/\{\w+\}/g, ''));
}
