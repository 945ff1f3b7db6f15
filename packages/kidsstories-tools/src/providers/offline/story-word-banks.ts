/**
 * Word banks of the offline story generator: species, looks, names, places, goals, obstacles and morals.
 * Slots in sentences (`{hero}`, `{item}`…) are filled by the generator.
 */

/** A named colour with its hex value. */
export interface NamedColor {
  name: string;
  hex: string;
}

/** Clothing and accent colours. */
export const COLORS: readonly NamedColor[] = [
  { name: 'red', hex: '#D64545' },
  { name: 'orange', hex: '#F08A24' },
  { name: 'yellow', hex: '#F2C94C' },
  { name: 'green', hex: '#4CAF50' },
  { name: 'blue', hex: '#3B7DD8' },
  { name: 'purple', hex: '#8E5CC4' },
  { name: 'pink', hex: '#F28DB2' },
  { name: 'teal', hex: '#2BA7A0' },
  { name: 'navy', hex: '#2C3E7A' },
  { name: 'mint', hex: '#9EDFC4' },
  { name: 'lilac', hex: '#C8A2E8' },
  { name: 'sky blue', hex: '#87CEEB' },
];

/** A kind of character with its body colour and features. */
export interface SpeciesEntry {
  species: string;
  body: NamedColor;
  features: readonly string[];
  pronouns?: 'she' | 'he';
}

/** Species per `protagonist_species` value (helpers are drawn from `animal`). */
export const SPECIES: Readonly<Record<'animal' | 'child' | 'robot' | 'dragon', readonly SpeciesEntry[]>> = {
  animal: [
    {
      species: 'fox',
      body: { name: 'ginger', hex: '#E07B39' },
      features: ['a bushy tail with a white tip', 'pointed ears', 'amber eyes'],
    },
    {
      species: 'rabbit',
      body: { name: 'cream', hex: '#EFE3C8' },
      features: ['long soft ears', 'a fluffy round tail', 'a twitchy pink nose'],
    },
    {
      species: 'bear cub',
      body: { name: 'brown', hex: '#8B5A2B' },
      features: ['round fuzzy ears', 'big paws', 'a round tummy'],
    },
    {
      species: 'owl',
      body: { name: 'tawny', hex: '#A67B5B' },
      features: ['huge round eyes', 'speckled feathers', 'little ear tufts'],
    },
    {
      species: 'hedgehog',
      body: { name: 'chestnut', hex: '#7B4B2A' },
      features: ['soft brown spines', 'a pointy snout', 'tiny black eyes'],
    },
    {
      species: 'otter',
      body: { name: 'cocoa', hex: '#6F4E37' },
      features: ['sleek shiny fur', 'long whiskers', 'webbed paws'],
    },
    {
      species: 'mouse',
      body: { name: 'grey', hex: '#9E9E9E' },
      features: ['big round ears', 'a long thin tail', 'shiny black eyes'],
    },
    {
      species: 'turtle',
      body: { name: 'olive', hex: '#6B8E23' },
      features: ['a patterned green shell', 'a slow friendly smile', 'stubby legs'],
    },
    {
      species: 'duckling',
      body: { name: 'lemon', hex: '#F7DC6F' },
      features: ['fluffy yellow down', 'an orange beak', 'webbed orange feet'],
    },
    {
      species: 'squirrel',
      body: { name: 'rust', hex: '#B7410E' },
      features: ['a curly bushy tail', 'tufted ears', 'quick little paws'],
    },
    {
      species: 'badger',
      body: { name: 'charcoal', hex: '#4A4A4A' },
      features: ['a white stripe down the face', 'strong paws', 'a wide nose'],
    },
    {
      species: 'kitten',
      body: { name: 'silver', hex: '#C0C0C0' },
      features: ['striped fur', 'long whiskers', 'green eyes'],
    },
  ],
  child: [
    {
      species: 'girl',
      body: { name: 'warm brown', hex: '#A0522D' },
      features: ['curly dark hair', 'a gap-toothed smile', 'brown eyes'],
      pronouns: 'she',
    },
    {
      species: 'boy',
      body: { name: 'peach', hex: '#F1C27D' },
      features: ['straight red hair', 'freckled cheeks', 'blue eyes'],
      pronouns: 'he',
    },
    {
      species: 'girl',
      body: { name: 'golden tan', hex: '#D2A679' },
      features: ['two long black braids', 'round cheeks', 'dark eyes'],
      pronouns: 'she',
    },
    {
      species: 'boy',
      body: { name: 'deep brown', hex: '#5C3A21' },
      features: ['short curly hair', 'a wide grin', 'bright eyes'],
      pronouns: 'he',
    },
  ],
  robot: [
    {
      species: 'robot',
      body: { name: 'silver', hex: '#B8C2CC' },
      features: ['a round glass head', 'bendy spring arms', 'wheels for feet'],
    },
    {
      species: 'robot',
      body: { name: 'copper', hex: '#B87333' },
      features: ['a square head with an antenna', 'glowing round eyes', 'a small screen on the chest'],
    },
  ],
  dragon: [
    {
      species: 'little dragon',
      body: { name: 'emerald', hex: '#2E8B57' },
      features: ['small flappy wings', 'a curly tail', 'tiny round horns'],
    },
    {
      species: 'little dragon',
      body: { name: 'violet', hex: '#7D5BA6' },
      features: ['shimmering scales', 'a long snout', 'wings too small to fly far'],
    },
  ],
};

/** Clothing templates; `{color}` becomes a colour name. */
export const CLOTHING = [
  'a {color} scarf',
  'a {color} raincoat',
  'a {color} backpack',
  '{color} boots',
  'a {color} knitted hat',
  'a {color} vest with big buttons',
  'a {color} bow tie',
  'a {color} hooded cape',
] as const;

/** Distinctive marks. */
export const MARKS = [
  'a white star on the forehead',
  'one floppy ear',
  'a heart-shaped spot on the cheek',
  'a patch of freckles on the nose',
  'a curly tuft on top of the head',
  'a spotted tail',
  'a tiny bell on a ribbon',
] as const;

/** Personality traits to add when the parameters give fewer than two. */
export const TRAITS = [
  'brave',
  'gentle',
  'clever',
  'cheerful',
  'patient',
  'playful',
  'shy',
  'thoughtful',
  'honest',
  'determined',
  'funny',
  'helpful',
] as const;

/** Generated names per `name_style`. */
export const NAMES = {
  simple: [
    'Milo',
    'Luna',
    'Pip',
    'Rosie',
    'Theo',
    'Ivy',
    'Finn',
    'Mia',
    'Leo',
    'Nora',
    'Sam',
    'Ava',
    'Ben',
    'Zoe',
    'Max',
    'Lily',
    'Kai',
    'Ruby',
    'Tess',
    'Otis',
  ],
  whimsical: [
    'Bramble',
    'Juniper',
    'Pickle',
    'Clover',
    'Noodle',
    'Thistle',
    'Biscuit',
    'Marigold',
    'Pebble',
    'Wren',
    'Acorn',
    'Sprout',
    'Button',
    'Puddle',
  ],
} as const;

/** A setting: names, landmarks, what can be seen and heard, and what a picture of it shows. */
export interface Setting {
  names: readonly string[];
  landmarks: readonly string[];
  details: readonly string[];
  scenery: string;
}

/** Settings per `location_type`. */
export const SETTINGS: Readonly<Record<string, Setting>> = {
  forest: {
    names: ['the Whispering Woods', 'Mossy Hollow', 'the Pine Forest'],
    landmarks: ['an old oak tree', 'a mossy log', 'a babbling brook', 'a ring of mushrooms'],
    details: [
      'Sunlight made spots of gold on the ground.',
      'Birds sang high up in the branches.',
      'The path smelled of pine needles and rain.',
      'Ferns waved like green feathers.',
    ],
    scenery: 'tall green trees, ferns and a winding dirt path',
  },
  seaside: {
    names: ['Shell Bay', 'the Sandy Cove', 'Gull Point'],
    landmarks: ['a striped lighthouse', 'a rock pool', 'a row of beach huts', 'a wooden pier'],
    details: [
      'Waves rolled up and slid back with a hush.',
      'Gulls called over the water.',
      'The sand was warm under their feet.',
      'Tiny crabs ran sideways into the pools.',
    ],
    scenery: 'a sandy beach, blue waves and a striped lighthouse',
  },
  village: {
    names: ['Little Puddington', 'Brook Village', 'Appleby'],
    landmarks: ['the market square', 'the bakery', 'a stone bridge', 'the old clock tower'],
    details: [
      'The bakery smelled of fresh bread.',
      'Flower boxes hung under every window.',
      'The clock tower chimed the hour.',
      'Neighbours waved from their doors.',
    ],
    scenery: 'cosy cottages, a cobbled lane and a clock tower',
  },
  farm: {
    names: ['Sunny Acres', 'Clover Farm', 'Hilltop Farm'],
    landmarks: ['the red barn', 'the duck pond', 'the apple orchard', 'the hay loft'],
    details: [
      'Hens clucked by the fence.',
      'The wheat swayed like a golden sea.',
      'A cow mooed from the far field.',
      'The tractor stood still in the shade.',
    ],
    scenery: 'a red barn, green fields and a duck pond',
  },
  mountains: {
    names: ['Snowcap Peak', 'the Blue Hills', 'Echo Valley'],
    landmarks: ['a rope bridge', 'a cave with a wide mouth', 'a waterfall', 'a high meadow'],
    details: [
      'The air was cool and fresh.',
      'Clouds drifted below the highest rocks.',
      'A waterfall sparkled in the sun.',
      'Little flowers grew between the stones.',
    ],
    scenery: 'green slopes, grey rocks and snowy peaks',
  },
  garden: {
    names: ['Grandma Rose’s garden', 'the Secret Garden', 'the Sunflower Patch'],
    landmarks: ['the vegetable beds', 'a garden shed', 'a tall sunflower', 'a little pond with lily pads'],
    details: [
      'Bees hummed from flower to flower.',
      'The tomatoes were red and round.',
      'A butterfly landed on a leaf.',
      'The soil smelled rich and damp.',
    ],
    scenery: 'flower beds, a garden shed and tall sunflowers',
  },
  space: {
    names: ['the Moon Base', 'Star Station Nine', 'the Ringed Planet'],
    landmarks: ['a shiny rocket', 'a crater', 'the observation window', 'a field of moon rocks'],
    details: [
      'Stars twinkled all around.',
      'Everything floated a little when they jumped.',
      'The planet below glowed blue and green.',
      'Lights blinked on the control panel.',
    ],
    scenery: 'a dark starry sky, grey moon rocks and a shiny rocket',
  },
  city: {
    names: ['Maple Street', 'the Big Park', 'Harbor Town'],
    landmarks: ['the library', 'the playground', 'the fountain', 'the bus stop'],
    details: [
      'Buses hummed past the corner.',
      'Pigeons pecked at crumbs by the bench.',
      'Tall windows shone in the sun.',
      'A street musician played a happy tune.',
    ],
    scenery: 'colourful buildings, a green park and a fountain',
  },
};

/** Plot goals: what is wanted, why, and how it ends. `{item}` is one of `items`. */
export const GOALS: Readonly<
  Record<string, { items: readonly string[]; setup: readonly string[]; win: readonly string[] }>
> = {
  find_lost_item: {
    items: ['a blue kite', 'a lucky button', 'a favourite red ball', 'a tiny silver key', 'a painted pebble'],
    setup: [
      '{hero} could not find {item} anywhere.',
      'One morning {item} was gone.',
      '{hero} looked under the bed and behind the door, but {item} was missing.',
    ],
    win: [
      'There, at last, was {item}!',
      '{hero} spotted {item} peeking out from its hiding place.',
      'Under a pile of leaves lay {item}, safe and sound.',
    ],
  },
  help_friend: {
    items: ['a basket of apples', 'a broken wagon', 'a lost baby bird', 'a wobbly tower of blocks'],
    setup: [
      '{friend} needed help with {item}.',
      '{friend} sat down with a sigh next to {item}.',
      '{hero} saw that {friend} was stuck with {item}.',
    ],
    win: [
      'Together they fixed the trouble with {item}.',
      '{friend} smiled a big smile, because {item} was fine again.',
      'With one more push, the job with {item} was done.',
    ],
  },
  reach_place: {
    items: ['the top of the hill', 'the far side of the lake', 'the old lighthouse', 'the summer fair'],
    setup: [
      '{hero} wanted to reach {item} before sunset.',
      'Everyone said {item} was a wonderful place to see.',
      '{hero} had never been to {item}, and today was the day.',
    ],
    win: [
      'At last they stood at {item}.',
      'They made it to {item}, just in time.',
      'The view from {item} was worth every step.',
    ],
  },
  learn_skill: {
    items: ['how to whistle', 'how to ride a bike', 'how to swim', 'how to bake bread', 'how to tie a knot'],
    setup: [
      '{hero} wanted to learn {item}.',
      'Everyone else knew {item}, but {hero} did not yet.',
      '{hero} tried to learn {item}, but it was hard at first.',
    ],
    win: [
      'Then, all at once, {hero} knew {item}!',
      '{hero} tried one last time and learned {item}.',
      'Practice paid off, and {hero} learned {item}.',
    ],
  },
  solve_puzzle: {
    items: [
      'a riddle on an old map',
      'a strange set of footprints',
      'a box with a secret lock',
      'a trail of painted arrows',
    ],
    setup: ['{hero} found {item}.', 'Nobody knew what {item} meant.', 'A note asked who could solve {item}.'],
    win: [
      'Suddenly the answer to {item} was clear.',
      '{hero} solved {item} with a happy shout.',
      'Piece by piece, {item} made sense.',
    ],
  },
  make_gift: {
    items: ['a birthday card', 'a flower crown', 'a painted cup', 'a little wooden boat'],
    setup: [
      '{hero} wanted to make {item} for a special friend.',
      'The party was tomorrow, and {hero} needed {item}.',
      '{hero} had a plan to make {item}.',
    ],
    win: [
      'At last {item} was ready.',
      '{item} looked even better than {hero} had hoped.',
      'They wrapped {item} in bright paper.',
    ],
  },
};

/** Obstacles per `antagonist_type`. */
export const OBSTACLES: Readonly<Record<string, readonly string[]>> = {
  none: ['a tricky choice between two paths', 'a long way to go', 'a sign they could not read'],
  mild_obstacle: [
    'a wide stream with slippery stones',
    'a tangle of brambles',
    'a steep, muddy hill',
    'a gate that would not open',
  ],
  grumpy_neighbour: [
    'a grumpy old goat who guarded the path',
    'a cranky crow who did not like visitors',
    'a sleepy badger who blocked the bridge',
  ],
  weather: ['a gust of wind that blew their hats away', 'a sudden rain shower', 'a thick, quiet fog'],
};

/** Morals per theme; `{hero}` may appear. */
export const MORALS: Readonly<Record<string, readonly string[]>> = {
  friendship: ['Good friends make every journey brighter.', 'A friend beside you makes hard things easier.'],
  courage: ['Being brave means trying even when you feel unsure.', 'Small brave steps can take you far.'],
  kindness: ['A little kindness can change someone’s whole day.', 'Kind hands make light work.'],
  sharing: ['When we share, there is more joy for everyone.', 'Sharing turns one happy heart into many.'],
  curiosity: ['Asking questions opens the door to wonders.', 'A curious mind finds something new every day.'],
  perseverance: ['If at first you do not succeed, try again.', 'Keep going, and you will get there.'],
  honesty: ['Telling the truth makes friendships strong.', 'Honest words build trust.'],
  nature: ['Take care of nature, and it will take care of you.', 'Every creature has a place in the world.'],
};

/** Seasons, times of day and weather, as short scene phrases. */
export const SEASON_PHRASES: Readonly<Record<string, string>> = {
  spring: 'It was spring, and new buds were everywhere.',
  summer: 'It was a warm summer day.',
  autumn: 'It was autumn, and red leaves were falling.',
  winter: 'It was winter, and the ground sparkled with frost.',
};
/** Time-of-day phrases. */
export const TIME_PHRASES: Readonly<Record<string, string>> = {
  morning: 'The morning sun was just coming up.',
  afternoon: 'The afternoon was bright and long.',
  evening: 'The evening sky turned pink and gold.',
  night: 'The moon was out, round and kind.',
};
/** Weather phrases. */
export const WEATHER_PHRASES: Readonly<Record<string, string>> = {
  sunny: 'The sky was clear and blue.',
  rainy: 'Soft rain pattered on the leaves.',
  snowy: 'Snowflakes drifted down like feathers.',
  windy: 'A playful wind tugged at everything.',
  cloudy: 'Fluffy clouds drifted across the sky.',
};

/** Verbs of travel and action (past tense) used when `action_verbs` is empty. */
export const ACTION_VERBS = [
  'hopped',
  'skipped',
  'climbed',
  'wandered',
  'raced',
  'tiptoed',
  'scrambled',
  'marched',
] as const;

/** Short spoken lines; `{friend}` may appear. */
export const DIALOGUE = [
  '"We can do this," said {hero}.',
  '"Look over there!" called {friend}.',
  '"What should we do now?" asked {hero}.',
  '"Let us try together," said {friend}.',
  '"I have an idea," said {hero} with a grin.',
  '"Do not give up," said {friend} softly.',
  '"This is fun!" laughed {hero}.',
] as const;
