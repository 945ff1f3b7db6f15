/**
 * Sentence templates per story beat for the offline generator. Slots: `{hero}`, `{friend}`, `{species}`,
 * `{friendSpecies}`, `{trait}`, `{friendTrait}`, `{place}`, `{landmark}`, `{item}`, `{obstacle}`, `{verb}`,
 * `{helper}`, `{clothing}`, `{feature}`, `{they}`, `{them}`, `{their}` (hero pronouns), `{moral}`.
 */

/** The beats a story is built from, in order. */
export type Beat = 'opening' | 'goal' | 'journey' | 'obstacle' | 'turn' | 'win' | 'ending';

/** Core sentences that carry each beat (one or two are used per page). */
export const BEAT_SENTENCES: Readonly<Record<Beat, readonly string[]>> = {
  opening: [
    'Once upon a time, in {place}, there lived a {trait} {species} named {hero}.',
    'In {place} lived {hero}, a {trait} little {species}.',
    '{hero} the {species} lived near {landmark} in {place}.',
    'Every day, {hero} the {species} played by {landmark} in {place}.',
    'Not far from {landmark}, in {place}, lived a {species} called {hero}.',
  ],
  goal: [
    'One day, {hero} had a big plan.',
    'That morning, something new began for {hero}.',
    'Then, one bright day, {hero} had an idea.',
  ],
  journey: [
    'They {verb} past {landmark}.',
    'Next they {verb} along the path to {landmark}.',
    '{hero} {verb} ahead, and {friend} followed close behind.',
    'At {landmark}, they stopped to rest.',
    'They met a friendly {helper} who pointed the way.',
    'The path curled around {landmark}.',
    'They {verb} over roots and stones.',
  ],
  obstacle: [
    'Then they came to {obstacle}.',
    'But soon there was {obstacle} in the way.',
    'Oh no! In front of them was {obstacle}.',
    'Just ahead waited {obstacle}.',
  ],
  turn: [
    '{hero} took a deep breath and thought hard.',
    'Then {hero} remembered a trick {they} knew.',
    '{friend} had a clever idea.',
    'Step by step, they found a way past {obstacle}.',
    'Being {trait} helped {hero} find the way.',
  ],
  win: [
    'Everyone cheered.',
    '{hero} jumped for joy.',
    '{friend} clapped and clapped.',
    'What a happy moment it was.',
  ],
  ending: [
    'They walked home, happy and proud.',
    'That evening, {hero} and {friend} shared a big smile.',
    'It had been a day to remember.',
    'The sun sank low as they headed home.',
  ],
};

/** Extra lines that fill a page up to its word count, per beat. */
export const BEAT_FILLERS: Readonly<Record<Beat, readonly string[]>> = {
  opening: [
    '{hero} always wore {clothing}.',
    'Everyone knew {hero} by {their} {feature}.',
    '{hero} liked to look at everything twice.',
    'Each morning {hero} said hello to {landmark}.',
  ],
  goal: [
    '{hero} packed a snack and got ready to go.',
    '"Let us go!" said {hero}.',
    '{friend} wanted to come along too.',
    'It would not be easy, but {hero} was ready.',
  ],
  journey: [
    '{friend} pointed at a bird in a tree.',
    '{hero} hummed a little song as they went.',
    'The path was long, but the day was bright.',
    'They counted the stones along the way.',
    '{hero} held on to {their} {clothingItem}.',
  ],
  obstacle: [
    '{hero} felt a little unsure.',
    '{friend} scratched {friendTheir} head.',
    'How would they get past?',
    'They looked left and right.',
  ],
  turn: [
    '{friend} held out a helping paw.',
    'They worked as a team.',
    'Slowly, carefully, they kept going.',
    '{hero} did not give up.',
  ],
  win: [
    '{hero} could hardly believe it.',
    'The {helper} waved from far away.',
    '{friend} gave {hero} a warm hug.',
    'Their hearts felt light and glad.',
  ],
  ending: [
    'The first stars peeked out above {place}.',
    '{hero} could not wait for the next day.',
    'Back home, they told the whole story.',
    'Even {landmark} seemed to smile.',
  ],
};

/** Lines that carry each theme, used on the turn and win pages. */
export const THEME_LINES: Readonly<Record<string, readonly string[]>> = {
  friendship: ['{friend} stayed right by {hero}’s side.', 'Two friends together are stronger than one.'],
  courage: ['{hero} felt wobbly inside, but took one brave step.', 'Being brave felt big and good.'],
  kindness: [
    '{hero} shared {their} snack with a hungry little bird.',
    'A kind word made everyone feel warm.',
  ],
  sharing: ['{hero} split the berries so everyone had some.', 'Sharing made the treat taste even better.'],
  curiosity: ['{hero} wondered how everything worked.', 'Every question led to something new.'],
  perseverance: ['{hero} tried once, twice, and three times.', 'Little by little, the hard part got easier.'],
  honesty: [
    '{hero} told the truth, even though it was hard.',
    'Telling the truth felt like a weight lifted.',
  ],
  nature: [
    '{hero} was careful not to step on the flowers.',
    'They left every leaf and stone just as they found it.',
  ],
};

/** Friendly creatures met on the way. */
export const HELPERS = [
  'robin',
  'snail',
  'old tortoise',
  'ladybird',
  'frog',
  'butterfly',
  'mole',
  'goose',
] as const;

/** What each beat's picture shows, before the place and scenery. */
export const BEAT_SCENES: Readonly<Record<Beat, string>> = {
  opening: 'smiling in front of {landmark}',
  goal: 'getting ready to set off, looking excited',
  journey: 'walking along a winding path near {landmark}',
  obstacle: 'stopping in front of {obstacle}, looking thoughtful',
  turn: 'working together on a clever plan to get past {obstacle}',
  win: 'cheering and smiling, the goal reached at last',
  ending: 'heading home happily at the end of the day',
};

/** Title templates; the first that fits `title_max_words` is used after a seeded shuffle. */
export const TITLES = [
  '{hero} and {item}',
  'The {trait} {species}',
  '{hero}’s Big Day',
  '{hero} and {friend}',
  'A Day in {place}',
  '{hero} Finds a Way',
  '{hero}',
] as const;
