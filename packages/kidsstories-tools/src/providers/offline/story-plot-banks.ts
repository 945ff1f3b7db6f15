/**
 * The plot banks of the offline story grammar: what the hero wants (goals) and what stands in the way
 * (obstacles), each with the attempts that fail and the idea that works. Slots: `{hero}`, `{friend}`, `{they}`,
 * `{them}`, `{their}` (the hero's pronouns), `{item}` (bare noun phrase), `{anItem}` / `{theItem}` (with an
 * article), `{destination}` (a landmark with its article), `{clothingItem}`, `{helper}`.
 */

/** A goal: the want as an infinitive, why it matters, and how the resolution answers it. */
export interface GoalPlan {
  /** What is wanted, as bare noun phrases (articles are added with `indefinite`). */
  items: readonly string[];
  /** The want as an infinitive phrase: `find {their} {item}`. */
  want: string;
  /** The want as the hero says it. */
  wantSpoken: string;
  /** Why the hero must travel to the destination. */
  reason: string;
  /** The resolution: the want met, the item named again. */
  resolution: string;
  /** What is said when the want is met. */
  resolutionSpoken: string;
}

/** Goals per `goal_templates` value. */
export const GOAL_PLANS: Readonly<Record<string, GoalPlan>> = {
  find_lost_item: {
    items: ['blue kite', 'lucky button', 'red ball', 'tiny silver key', 'painted pebble'],
    want: 'find {their} {item}',
    wantSpoken: '"I have to find my {item}," said {hero}.',
    reason: 'The {item} had last been seen near {destination}.',
    resolution: 'There, by {destination}, lay the {item}, safe and sound.',
    resolutionSpoken: '"My {item}!" cried {hero}, and held it tight.',
  },
  help_friend: {
    items: ['basket of apples', 'wobbly wagon', 'sack of seeds', 'pot of honey'],
    want: 'help {friend} take {theItem} to {destination}',
    wantSpoken: '"I will help you carry the {item}," {hero} told {friend}.',
    reason: 'The {item} was far too heavy for {friend} alone.',
    resolution: 'Together they set the {item} down at {destination}, the job done.',
    resolutionSpoken: '"Thank you for helping with my {item}," said {friend}.',
  },
  reach_place: {
    items: ['top of the hill', 'far side of the lake', 'old windmill', 'summer fair'],
    want: 'reach the {item}',
    wantSpoken: '"Today I will reach the {item}," said {hero}.',
    reason: 'The way to the {item} went past {destination}.',
    resolution: 'At last {hero} stood at the {item} and looked out over everything.',
    resolutionSpoken: '"We made it to the {item}!" shouted {hero}.',
  },
  learn_skill: {
    items: ['whistle', 'ride a bike', 'swim', 'bake bread', 'tie a knot'],
    want: 'learn how to {item}',
    wantSpoken: '"I wish I knew how to {item}," sighed {hero}.',
    reason: 'A wise old {helper} by {destination} could teach {them}.',
    resolution: 'The wise {helper} showed {hero} the trick, and {hero} learned how to {item} at last.',
    resolutionSpoken: '"Look, I can {item}!" laughed {hero}.',
  },
  solve_puzzle: {
    items: [
      'trail of painted arrows',
      'line of muddy footprints',
      'string of paper stars',
      'row of chalk marks',
    ],
    want: 'follow the {item} to its end',
    wantSpoken: '"Where does this {item} go?" wondered {hero}.',
    reason: 'The {item} began at {their} door and pointed toward {destination}.',
    resolution: 'The {item} ended at {destination}, where a surprise picnic was waiting.',
    resolutionSpoken: '"So that is where the {item} led!" said {hero}.',
  },
  make_gift: {
    items: ['flower crown', 'birthday card', 'painted cup', 'little wooden boat'],
    want: 'make {anItem} for {friend}',
    wantSpoken: '"I want to make {anItem} for {friend}," whispered {hero}.',
    reason: 'The last thing {they} needed for the {item} was by {destination}.',
    resolution: '{hero} finished the {item} by {destination} and gave it to {friend}.',
    resolutionSpoken: '"What a lovely {item}!" said {friend}.',
  },
};

/** One try at getting past an obstacle: what the hero does and why it fails. */
export interface Attempt {
  act: string;
  fail: string;
}

/** An obstacle: its noun phrase, the failing attempts, the idea that works and the success. */
export interface ObstaclePlan {
  /** The obstacle as a bare noun phrase (`wide stream`). */
  noun: string;
  /** Words the picture draws it from. */
  sprite: string;
  /** The weather this obstacle brings (only weather obstacles). */
  weather?: string;
  attempts: readonly Attempt[];
  /** The idea at the turn, said by the friend (or thought by the hero). */
  idea: string;
  /** How the idea gets them past. */
  success: string;
}

/** Obstacles per `antagonist_type`. */
export const OBSTACLE_PLANS: Readonly<Record<string, readonly ObstaclePlan[]>> = {
  none: [
    {
      noun: 'fork in the path',
      sprite: 'signpost',
      attempts: [
        {
          act: '{hero} took the left path first.',
          fail: 'It ended at a muddy ditch, so {they} walked back.',
        },
        {
          act: 'Next {hero} tried the right path.',
          fail: 'It curled round in a circle to the very same fork.',
        },
        { act: '{hero} climbed a stump to look ahead.', fail: 'The tall grass hid both paths from view.' },
      ],
      idea: 'Let us look for footprints that show the way',
      success: 'Little footprints led down the middle path, and they followed them.',
    },
    {
      noun: 'maze of tall hedges',
      sprite: 'hedge',
      attempts: [
        { act: '{hero} turned left into the maze.', fail: 'That way ended in a leafy wall.' },
        { act: '{hero} turned right instead.', fail: 'Soon {they} were back at the very start.' },
        { act: '{hero} jumped up to see over the hedges.', fail: 'The hedges were far too tall.' },
      ],
      idea: 'Let us keep one hand on the hedge and follow it',
      success: 'Following the hedge, they found the way through the maze.',
    },
  ],
  mild_obstacle: [
    {
      noun: 'wide stream',
      sprite: 'water',
      attempts: [
        {
          act: '{hero} tried to hop across on the stones.',
          fail: 'The first stone wobbled, and {hero} jumped back to the bank.',
        },
        { act: '{hero} looked for a narrow place to leap over.', fail: 'The water was too wide everywhere.' },
        {
          act: '{hero} grabbed a low branch to swing across.',
          fail: 'The branch bent down and would not hold.',
        },
      ],
      idea: 'Let us lay that fallen log across the water',
      success: 'They rolled the log into place and crossed it like a bridge.',
    },
    {
      noun: 'tangle of brambles',
      sprite: 'brambles',
      attempts: [
        {
          act: '{hero} tried to push straight through.',
          fail: 'The thorns caught {their} {clothingItem} and held it fast.',
        },
        {
          act: '{hero} tried to climb over the top.',
          fail: 'The brambles were taller than {they} could reach.',
        },
        { act: '{hero} tried to crawl underneath.', fail: 'The prickly stems hung too low.' },
      ],
      idea: 'Let us follow the rabbit trail around the side',
      success: 'A narrow trail led around the brambles and out the other side.',
    },
    {
      noun: 'steep, muddy hill',
      sprite: 'hill',
      attempts: [
        { act: '{hero} ran at the hill to climb it quickly.', fail: '{hero} slid all the way back down.' },
        { act: '{hero} crawled up on {their} hands and knees.', fail: 'The mud was far too slippery.' },
        { act: '{hero} tried the steepest side.', fail: 'It was even harder than the front.' },
      ],
      idea: 'Let us tie a rope to that tree and pull ourselves up',
      success: 'Holding the rope, they climbed up one careful step at a time.',
    },
    {
      noun: 'gate that would not open',
      sprite: 'gate',
      attempts: [
        { act: '{hero} pushed the gate with all {their} might.', fail: 'It did not move at all.' },
        { act: '{hero} tugged and tugged on the handle.', fail: 'The gate only rattled.' },
        { act: '{hero} tried to climb over the bars.', fail: 'The gate was much too tall.' },
      ],
      idea: 'Maybe the gate needs lifting, not pushing',
      success: 'They lifted the latch together, and the gate swung open.',
    },
  ],
  grumpy_neighbour: [
    {
      noun: 'grumpy old goat who guarded the bridge',
      sprite: 'goat',
      attempts: [
        {
          act: '{hero} asked the goat politely to let {them} pass.',
          fail: 'The goat only stamped its hoof.',
        },
        {
          act: '{hero} tried to tiptoe past while the goat looked away.',
          fail: 'The goat turned and blocked the way.',
        },
        { act: '{hero} waved and smiled at the goat.', fail: 'The goat gave a loud, cross bleat.' },
      ],
      idea: 'Maybe the goat is grumpy because it is hungry',
      success: 'They shared their apples, and the happy goat stepped aside.',
    },
    {
      noun: 'cranky crow who did not like visitors',
      sprite: 'crow',
      attempts: [
        {
          act: '{hero} called out a friendly hello.',
          fail: 'The crow cawed so loudly that {hero} covered {their} ears.',
        },
        { act: '{hero} tried to hurry past the crow.', fail: 'The crow swooped down in front of {them}.' },
        { act: '{hero} offered the crow a shiny button.', fail: 'The crow turned its back with a huff.' },
      ],
      idea: 'Perhaps the crow is only lonely',
      success: 'They sat and sang with the crow, and it showed them the way.',
    },
  ],
  weather: [
    {
      noun: 'strong gust of wind',
      sprite: 'wind',
      weather: 'windy',
      attempts: [
        { act: '{hero} leaned into the wind and pushed on.', fail: 'The wind pushed {them} back two steps.' },
        { act: '{hero} held on to {their} {clothingItem} and ran.', fail: 'The wind nearly tugged it away.' },
        { act: '{hero} tried to shout for help.', fail: 'The wind blew the words away.' },
      ],
      idea: 'Let us walk behind the stone wall, out of the wind',
      success: 'Behind the wall the air was still, and they walked on easily.',
    },
    {
      noun: 'deep snowdrift',
      sprite: 'snowdrift',
      weather: 'snowy',
      attempts: [
        { act: '{hero} tried to wade through the drift.', fail: 'The snow came up to {their} chin.' },
        { act: '{hero} tried to jump over it.', fail: '{hero} landed in the middle with a soft flump.' },
        { act: '{hero} tried to dig a tunnel.', fail: 'The snow kept falling back in.' },
      ],
      idea: 'Let us use that old sled to slide around it',
      success: 'They sat on the sled and slid all the way around the drift.',
    },
    {
      noun: 'big puddle as wide as a pond',
      sprite: 'puddle',
      weather: 'rainy',
      attempts: [
        { act: '{hero} tried to jump across the puddle.', fail: '{hero} landed with a great splash.' },
        { act: '{hero} tried to walk along the edge.', fail: 'The edge was too slippery.' },
        { act: '{hero} waited for the puddle to shrink.', fail: 'The rain kept filling it up.' },
      ],
      idea: 'Let us float across in that big upside-down umbrella',
      success: 'They paddled across in the umbrella like a little boat.',
    },
    {
      noun: 'thick grey fog',
      sprite: 'fog',
      weather: 'cloudy',
      attempts: [
        {
          act: '{hero} tried to walk straight ahead.',
          fail: 'Soon {they} could not tell which way was which.',
        },
        { act: '{hero} called out to hear an echo.', fail: 'The fog swallowed every sound.' },
        { act: '{hero} tried to follow the wall.', fail: 'The wall stopped in the middle of nowhere.' },
      ],
      idea: 'Let us hold hands and follow the sound of the stream',
      success: 'Hand in hand, they followed the stream out of the fog.',
    },
  ],
};

/** How the hero feels during the beats, one line each, never repeated. */
export const FEELINGS: Readonly<Record<string, readonly string[]>> = {
  opening: [
    '{hero} liked to notice little things.',
    'Everyone knew {hero} by {their} {feature}.',
    '{hero} always wore {clothing}.',
    '{hero} said hello to {theLandmark} every day.',
  ],
  want: [
    '{hero} could think of nothing else.',
    '{hero} packed a snack and set off at once.',
    'It would not be easy, but {hero} was ready.',
    '{hero} tied {their} {clothingItem} and took a deep breath.',
  ],
  journey: [
    '{hero} hummed a little song on the way.',
    'A {helper} waved from beside the path.',
    'They counted their steps along the way.',
    '{hero} skipped over a row of roots.',
    '{hero} stopped to smell a flower.',
    'They shared a drink of water on a stone.',
  ],
  obstacle: [
    '{hero} stopped and stared.',
    '{hero} felt a little unsure.',
    'How would they ever get past?',
    '{hero} looked at {theObstacle} from every side.',
  ],
  attempt: [
    '{hero} took a deep breath.',
    '{hero} frowned and tried again.',
    '{hero} did not give up.',
    'It was harder than it looked.',
    '"Careful!" called {friend}.',
    '{hero} brushed off {their} paws and thought.',
    'They sat down for a moment to think.',
    '"One more try," said {hero}.',
  ],
  turn: [
    'They worked as a team.',
    'Slowly and carefully, they kept going.',
    'Step by step, it got easier.',
    '{hero} laughed with relief.',
  ],
  resolution: [
    '{hero} could hardly believe it.',
    'Their hearts felt light and glad.',
    'Even the {helper} came to see.',
    '{hero} did a happy little dance.',
  ],
  ending: [
    'Back home, they told the whole story.',
    '{hero} could not wait for the next adventure.',
    'It had been a day to remember.',
  ],
};

/** Ordinals for the page that has run out of fresh lines (each makes its sentence new). */
export const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
  'twentieth',
  'last',
] as const;
