/**
 * The beats of the offline story grammar and their lines that do not depend on the goal or the obstacle. Slots
 * are those of `story-plot-banks.ts`, plus `{place}`, `{species}`, `{trait}`, `{verb}`, `{landmark}`,
 * `{moral}`.
 */

/**
 * The beats a story is built from, in order: an opening, the stated want, the journey, the obstacle, two or
 * three failing attempts, the turn, the resolution that answers the want, and the ending with the moral.
 */
export type Beat = 'opening' | 'want' | 'journey' | 'obstacle' | 'attempt' | 'turn' | 'resolution' | 'ending';

/**
 * The beats of each page of a story of `pageCount` pages: the beat sequence (with 2 attempts, 3 from 7 pages)
 * spread evenly over the pages; longer stories add journey pages between the want and the obstacle.
 *
 * @example
 * ```ts
 * planBeats(6); // [['opening'], ['want'], ['obstacle', 'attempt'], ['attempt'], ['turn'], ['resolution', 'ending']]
 * ```
 */
export function planBeats(pageCount: number): Beat[][] {
  const attempts: Beat[] = pageCount >= 7 ? ['attempt', 'attempt', 'attempt'] : ['attempt', 'attempt'];
  const tail: Beat[] = ['obstacle', ...attempts, 'turn', 'resolution', 'ending'];
  const beats: Beat[] = ['opening', 'want', ...tail];
  if (pageCount >= beats.length) {
    const journeys: Beat[] = Array.from({ length: pageCount - beats.length }, () => 'journey');
    return (['opening', 'want', ...journeys, ...tail] as Beat[]).map((beat): Beat[] => [beat]);
  }
  return Array.from({ length: pageCount }, (_, page) =>
    beats.slice(
      Math.floor((page * beats.length) / pageCount),
      Math.floor(((page + 1) * beats.length) / pageCount),
    ),
  );
}

/** How the hero is introduced (the first line of the story). */
export const OPENINGS = [
  'In {place} lived {hero}, {aTrait} little {species}.',
  '{hero} was {aTrait} {species} who lived near {landmark} in {place}.',
  'Not far from {landmark}, in {place}, lived {aTrait} {species} called {hero}.',
] as const;

/** Journey lines, one per journey page and never repeated; `{sight}` is a landmark passed on the way. */
export const JOURNEY_LINES = [
  '{hero} {verb} past {sight}.',
  'The path curled around {sight}.',
  'At {sight}, {hero} stopped to rest.',
  'A friendly {helper} pointed the way past {sight}.',
  '{hero} {verb} over roots and stones toward {sight}.',
  'Beside {sight}, {hero} found a good walking stick.',
  '{hero} waved goodbye to {sight} and went on.',
] as const;

/** Details of the sight on a journey page; `{sight}` changes per page, so each line is new. */
export const JOURNEY_DETAILS = [
  'Near {sight}, {hero} heard a {helper} singing.',
  '{hero} drew a picture of {sight} in the dirt.',
  'From {sight}, {hero} could see far across {place}.',
  '{hero} found a round pebble beside {sight}.',
  'A {helper} was busy beside {sight}.',
] as const;

/** Travel verbs (past tense) used when `action_verbs` is empty. */
export const ACTION_VERBS = ['hopped', 'skipped', 'climbed', 'wandered', 'tiptoed', 'marched'] as const;

/** How the obstacle is met. `{anObstacle}` carries its article. */
export const OBSTACLE_LINES = [
  'Then {hero} came to {anObstacle}.',
  'But soon {anObstacle} stood in the way.',
  'Just ahead waited {anObstacle}.',
] as const;

/** Endings per `ending_style`. */
export const ENDINGS: Readonly<Record<string, readonly string[]>> = {
  happy: ['{hero} walked home, happy and proud.', '{hero} skipped home with a big smile.'],
  calm_bedtime: [
    'Back home, {hero} snuggled into bed with a sleepy smile.',
    'Soon {hero} curled up in bed and yawned.',
  ],
  reflective: [
    '{hero} thought about the day for a long time.',
    'Later, {hero} sat quietly and thought about what had happened.',
  ],
};

/** Lines that carry each theme, used at the turn and the resolution. */
export const THEME_LINES: Readonly<Record<string, readonly string[]>> = {
  friendship: ['{friend} stayed right by {hero}’s side.', 'Two friends together are stronger than one.'],
  courage: ['{hero} felt wobbly inside, but took one brave step.', 'Being brave felt big and good.'],
  kindness: [
    '{hero} shared {their} snack with a hungry little bird.',
    'A kind word made everyone feel warm.',
  ],
  sharing: ['{hero} split the berries so everyone had some.', 'Sharing made the treat taste even better.'],
  curiosity: ['{hero} wondered how everything worked.', 'Every question led to something new.'],
  perseverance: [
    '{hero} tried once more, and then once more again.',
    'Little by little, the hard part got easier.',
  ],
  honesty: [
    '{hero} told the truth, even though it was hard.',
    'Telling the truth felt like a weight lifted.',
  ],
  nature: [
    '{hero} was careful not to step on the flowers.',
    'They left every leaf and stone just as they found it.',
  ],
};

/** Friendly creatures met on the way (they are called `it`). */
export const HELPERS = ['robin', 'snail', 'ladybird', 'frog', 'butterfly', 'duck', 'beetle', 'bee'] as const;

/** What each beat's picture shows, before the place and the scenery. */
export const BEAT_SCENES: Readonly<Record<Beat, string>> = {
  opening: 'at home near {landmark}, smiling',
  want: 'thinking about the {item}, ready to set off',
  journey: 'walking along the path past {sight}',
  obstacle: 'stopping in front of {anObstacle}, looking worried',
  attempt: 'trying to get past {theObstacle} ({act})',
  turn: 'working together on a clever plan to get past {theObstacle}',
  resolution: 'cheering by {destination} with the {item}',
  ending: 'heading home happily at the end of the day',
};

/** Title templates; the first that fits `title_max_words` is used after a seeded shuffle. */
export const TITLES = [
  '{hero} and the {item}',
  'The {trait} {species}',
  '{hero}’s Big Day',
  '{hero} and {friend}',
  'A Day in {place}',
  '{hero} Finds a Way',
  '{hero}',
] as const;
