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
      species: 'raccoon',
      body: { name: 'charcoal', hex: '#4A4A4A' },
      features: ['a black mask around the eyes', 'a striped bushy tail', 'nimble little paws'],
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
      'Ferns waved like green feathers.',
      'Leaves rustled high up in the branches.',
      'The path smelled of pine needles.',
      'Moss grew thick on the old stones.',
    ],
    scenery: 'tall green trees, ferns and a winding dirt path',
  },
  seaside: {
    names: ['Shell Bay', 'the Sandy Cove', 'Gull Point'],
    landmarks: ['a striped lighthouse', 'a rock pool', 'a row of beach huts', 'a wooden pier'],
    details: [
      'Waves rolled up and slid back with a hush.',
      'Gulls called over the water.',
      'Shells lay scattered along the sand.',
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
    names: ['Buttercup Acres', 'Clover Farm', 'Hilltop Farm'],
    landmarks: ['the red barn', 'the duck pond', 'the apple orchard', 'the hay loft'],
    details: [
      'Hens clucked by the fence.',
      'The wheat stood tall and golden.',
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
      'Goats leapt from rock to rock.',
      'A waterfall splashed over the rocks.',
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
      'Dust floated in slow little swirls.',
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
      'A cat napped on a windowsill.',
      'A street musician played a happy tune.',
    ],
    scenery: 'colourful buildings, a green park and a fountain',
  },
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

/** Seasons, as the opening says them (no time of day, no weather: those are said once, separately). */
export const SEASON_PHRASES: Readonly<Record<string, string>> = {
  spring: 'It was spring, and new buds were everywhere.',
  summer: 'It was the middle of summer.',
  autumn: 'It was autumn, and red leaves were falling.',
  winter: 'It was winter, and the ground sparkled with frost.',
};

/** How the opening names the time of day; every story keeps one time of day. */
export const TIME_PHRASES: Readonly<Record<string, string>> = {
  morning: 'It was early morning.',
  afternoon: 'It was a long, lazy afternoon.',
  evening: 'It was evening, and the sky turned pink and gold.',
  night: 'It was night, and the stars were out.',
};

/** Later reminders of the time of day, never naming another time. */
export const TIME_DETAILS: Readonly<Record<string, readonly string[]>> = {
  morning: [
    'The morning air was fresh and new.',
    'Dew still sparkled on the grass that morning.',
    'A rooster crowed to greet the morning.',
  ],
  afternoon: [
    'The afternoon went slowly by.',
    'Long afternoon shadows stretched across the ground.',
    'Bees buzzed lazily in the afternoon.',
  ],
  evening: [
    'The evening light turned everything gold.',
    'A few birds sang their evening songs.',
    'Shadows grew long in the evening.',
  ],
  night: [
    'The stars twinkled above them that night.',
    'Fireflies blinked in the night air.',
    'An owl hooted softly in the night.',
  ],
};

/** How the opening names the weather; every story keeps one weather. */
export const WEATHER_PHRASES: Readonly<Record<string, string>> = {
  sunny: 'The sky was clear, and the sun was warm.',
  rainy: 'Soft rain pattered on the leaves.',
  snowy: 'Snowflakes drifted down like feathers.',
  windy: 'A playful wind tugged at everything.',
  cloudy: 'Fluffy clouds drifted across the sky.',
  clear: 'The sky was clear and calm.',
};

/** Later reminders of the weather, never naming another weather. */
export const WEATHER_DETAILS: Readonly<Record<string, readonly string[]>> = {
  sunny: ['The sun made the path bright.', 'Warm sun shone on their backs.', 'Everything glowed in the sun.'],
  rainy: [
    'Raindrops dripped from every branch.',
    'Puddles from the rain shone along the way.',
    'The rain made everything smell fresh.',
  ],
  snowy: [
    'Their footprints showed in the fresh snow.',
    'Snow crunched softly under their feet.',
    'The snow made every roof white.',
  ],
  windy: [
    'The wind whistled in their ears.',
    'The wind made the grass bow and wave.',
    'Leaves spun past on the wind.',
  ],
  cloudy: [
    'Grey clouds hung low and still.',
    'The clouds made the light soft and grey.',
    'A cloud shaped like a boat drifted by.',
  ],
  clear: ['Not one cloud hid the sky.', 'The air was still and clear.', 'The sky above was wide and clear.'],
};
