import {
  type Beat,
  ENDINGS,
  JOURNEY_DETAILS,
  JOURNEY_LINES,
  OBSTACLE_LINES,
  OPENINGS,
  THEME_LINES,
} from './story-beats.js';
import { capitaliseFirst, pluralOf } from './story-english.js';
import { FEELINGS, ORDINALS } from './story-plot-banks.js';
import {
  SEASON_PHRASES,
  TIME_DETAILS,
  TIME_PHRASES,
  WEATHER_DETAILS,
  WEATHER_PHRASES,
} from './story-word-banks.js';
import { fillTemplate, type StoryWorld, speaksOfGroup } from './story-world.js';

/**
 * The lines of each beat of the offline story grammar. A line's priority says what a short page keeps:
 * 1 carries the plot's spine (who, the want, its answer), 2 the plot (obstacle, attempts, the turn), 3 colour
 * (weather, feelings, dialogue). Lines joined to the next one (`join`) become one compound sentence unless the
 * sentence structure is `simple`.
 */

/** One sentence of a page. */
export interface StoryLine {
  text: string;
  priority: 1 | 2 | 3;
  /** Joins this line to the next into one sentence with this conjunction (`but`). */
  join?: string;
}

/** Per-page state of the lines being written. */
export interface PageContext {
  /** Which attempt this is (0-based), counted across the story. */
  attempt: number;
  /** Which journey page this is (0-based). */
  journey: number;
}

const line = (text: string, priority: 1 | 2 | 3, join?: string): StoryLine =>
  join === undefined ? { text, priority } : { text, priority, join };

/**
 * Picks an unused template of `pool` (in seeded order), filled, and marks it used; `undefined` when every one
 * is used. Without a travelling companion, lines about the group (`they`) are skipped.
 */
export function freshLine(
  pool: readonly string[],
  world: StoryWorld,
  extra: Record<string, string> = {},
): string | undefined {
  const usable = world.companion ? pool : pool.filter((template) => !speaksOfGroup(template));
  for (const template of world.random.sample(usable, usable.length)) {
    const text = capitaliseFirst(fillTemplate(template, world, extra));
    if (!world.used.has(text)) {
      world.used.add(text);
      return text;
    }
  }
  return undefined;
}

function beats1(world: StoryWorld): boolean {
  return world.parameters.page_count === 1;
}

function spoken(world: StoryWorld): boolean {
  return world.random.chance(world.parameters.dialogue_ratio);
}

/** The lines that carry a beat, before any filler. */
export function beatLines(beat: Beat, world: StoryWorld, page: PageContext): StoryLine[] {
  const { goal, obstacle, parameters } = world;
  const fill = (template: string) => capitaliseFirst(fillTemplate(template, world));
  const lines: StoryLine[] = [];
  const feeling = freshLine(FEELINGS[beat] ?? [], world);
  switch (beat) {
    case 'opening':
      // The opening yields to the want and its answer on a page too short for all three.
      lines.push(line(fill(world.random.pick(OPENINGS)), beats1(world) ? 2 : 1));
      if (world.season !== 'none') lines.push(line(SEASON_PHRASES[world.season] ?? '', 3));
      lines.push(line(TIME_PHRASES[world.time] ?? '', 2), line(WEATHER_PHRASES[world.weather] ?? '', 2));
      if (world.friend)
        lines.push(
          line(fill('{friend} the {friendSpecies} was {hero}’s {relation}.'), world.companion ? 2 : 3),
        );
      break;
    case 'want':
      lines.push(line(fill(`{hero} wanted to ${goal.want}.`), 1), line(fill(goal.reason), 2));
      if (spoken(world)) lines.push(line(fill(goal.wantSpoken), 3));
      break;
    case 'journey': {
      const sight = world.sights[page.journey % world.sights.length] ?? world.slots.destination ?? '';
      const ordinal = ORDINALS[Math.min(page.journey + 1, ORDINALS.length - 1)] ?? 'last';
      // Past the journey lines, an ordinal keeps each journey page's line new.
      const text =
        freshLine(JOURNEY_LINES, world, { sight }) ??
        fillTemplate(`For the ${ordinal} time that day, {hero} stopped to look around.`, world);
      lines.push(line(text, 2));
      for (let extra = 0; extra < 2; extra++) {
        const detail = freshLine(JOURNEY_DETAILS, world, { sight });
        if (detail) lines.push(line(detail, 3));
      }
      const crowd = `${['Two', 'Three', 'Four'][page.journey % 3]} ${pluralOf(world.random.pick(['frog', 'goose', 'mouse', 'butterfly', 'fox']))}`;
      lines.push(line(`${crowd} watched from the side of the path.`, 3));
      break;
    }
    case 'obstacle':
      lines.push(line(fill(world.random.pick(OBSTACLE_LINES)), 2));
      if (world.companion && spoken(world))
        lines.push(line(fill('"How will we get past {theObstacle}?" asked {friend}.'), 3));
      break;
    case 'attempt': {
      const attempt = obstacle.attempts[page.attempt % obstacle.attempts.length];
      if (attempt) {
        // An attempt and its failure are one thought: joined with `but` unless the structure is simple.
        lines.push(line(fill(attempt.act), 2, 'but'));
        lines.push(line(fill(attempt.fail), 2));
      }
      if (page.attempt === 0 && spoken(world)) lines.push(line(fill('"I can do this," said {hero}.'), 3));
      if (page.attempt === 1 && world.companion && spoken(world))
        lines.push(line(fill('"Maybe there is another way," said {friend}.'), 3));
      break;
    }
    case 'turn':
      // The idea comes from the travelling friend, else from the helper the want already named, else a passer-by.
      lines.push(
        world.companion || goal.want.includes('{friend}')
          ? line(fill(`"${obstacle.idea}," said {friend}.`), 2)
          : line(fill(`Just then a {helper} came by. "${obstacle.idea}," it said.`), 2),
        line(fill(obstacle.success), 2),
      );
      if (parameters.moral_emphasis !== 'none') {
        const theme = freshLine(THEME_LINES[parameters.theme] ?? [], world);
        if (theme) lines.push(line(theme, 3));
      }
      break;
    case 'resolution':
      lines.push(line(fill(goal.resolution), 1));
      if (spoken(world)) lines.push(line(fill(goal.resolutionSpoken), 3));
      break;
    case 'ending':
      lines.push(line(fill(world.random.pick(ENDINGS[parameters.ending_style] ?? ENDINGS.happy ?? [])), 2));
      if (parameters.moral_emphasis === 'explicit') {
        const moral = world.moral.replace(/^([A-Z])(?=[a-z ])/, (letter) => letter.toLowerCase());
        lines.push(line(fill(`{hero} had learned that ${moral}`), 2));
      }
      break;
  }
  if (feeling) lines.push(line(feeling, 3));
  return lines.filter((entry) => entry.text !== '');
}

/** Lines a page may add to reach its word count: setting, time and weather details that keep the world. */
export function fillerPool(beats: readonly Beat[], world: StoryWorld): string[][] {
  return [
    [...world.setting.details],
    [...(TIME_DETAILS[world.time] ?? [])],
    [...(WEATHER_DETAILS[world.weather] ?? [])],
    ...beats.map((beat) => [...(FEELINGS[beat] ?? [])]),
  ];
}
