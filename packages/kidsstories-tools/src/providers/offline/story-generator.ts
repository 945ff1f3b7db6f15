import { type GenerationParameters, resolveParameters } from '../../parameters/generation-parameters.js';
import { createSeededRandom } from '../../random/seeded-random.js';
import { readingLevelOfGrade, targetGradeOf } from '../../story/age-band.js';
import type { Story, StoryPage } from '../../story/story-schema.js';
import { readabilityOf, splitSentences, wordsOf } from '../../text/readability.js';
import type { ProviderCallOptions, StoryProvider } from '../provider-types.js';
import { BEAT_SCENES, type Beat, planBeats, TITLES } from './story-beats.js';
import { type CastMember, toStoryCharacters } from './story-characters.js';
import { capitaliseFirst } from './story-english.js';
import { beatLines, fillerPool, freshLine, type PageContext, type StoryLine } from './story-page-lines.js';
import { createStoryWorld, fillTemplate, type StoryWorld } from './story-world.js';

export { planBeats } from './story-beats.js';

/** The model name the offline story generator reports in its usage. */
export const OFFLINE_STORY_MODEL = 'offline:template-story';

function countWords(lines: readonly StoryLine[]): number {
  return lines.reduce((sum, entry) => sum + wordsOf(entry.text).length, 0);
}

const isDialogue = (text: string) => text.startsWith('"');

/** Joins two sentences; the second keeps its capital only when it starts with a name. */
function joinPair(first: string, second: string, conjunction: string, names: ReadonlySet<string>): string {
  const opener = second.split(/[\s,’']/)[0] ?? '';
  const tail = names.has(opener) ? second : second.replace(/^[A-Z]/, (letter) => letter.toLowerCase());
  return `${first.replace(/[.!]$/, '')}, ${conjunction} ${tail}`;
}

/**
 * The page's prose. Unless the structure is `simple`, a line marked `join` runs into the next (`…, but …`), and
 * while the text reads easier than the target grade the two shortest neighbouring narration sentences are
 * joined with `and` (never dialogue, never a made-up cause): the grammar's own way to the grade.
 */
function proseOf(lines: readonly StoryLine[], world: StoryWorld, targetGrade: number): string {
  const structure = world.parameters.sentence_structure;
  const plain = lines.map((entry) => entry.text).join(' ');
  // Too hard for the grade (young readers): cut compound sentences at their conjunction.
  if (structure === 'simple' || readabilityOf(plain).fleschKincaidGrade > targetGrade + 0.5) {
    return lines
      .map((entry) =>
        isDialogue(entry.text)
          ? entry.text
          : entry.text.replace(/, (and|but) ([a-z])/g, (_, conjunction: string, letter: string) =>
              conjunction === 'but' ? `. But ${letter}` : `. ${letter.toUpperCase()}`,
            ),
      )
      .join(' ');
  }
  const names = new Set(
    [...world.cast.map((member) => member.name), world.slots.place ?? ''].flatMap((name) => name.split(' ')),
  );
  const sentences: Array<{ text: string; joins: number }> = [];
  for (let index = 0; index < lines.length; index++) {
    const current = lines[index] as StoryLine;
    const next = lines[index + 1];
    if (current.join !== undefined && next !== undefined && !isDialogue(next.text)) {
      sentences.push({ text: joinPair(current.text, next.text, current.join, names), joins: 1 });
      index++;
    } else sentences.push({ text: current.text, joins: 0 });
  }
  const maxJoins = structure === 'mixed' ? Math.floor(sentences.length / 2) : sentences.length;
  for (let joined = 0; joined < maxJoins; joined++) {
    if (readabilityOf(sentences.map((entry) => entry.text).join(' ')).fleschKincaidGrade >= targetGrade - 0.5)
      break;
    let best: number | undefined;
    for (let index = 0; index + 1 < sentences.length; index++) {
      const [first, second] = [sentences[index], sentences[index + 1]];
      if (!first || !second || first.joins + second.joins > 0) continue;
      if (isDialogue(first.text) || isDialogue(second.text)) continue;
      if (!first.text.endsWith('.') || !second.text.endsWith('.')) continue;
      const words = wordsOf(first.text).length + wordsOf(second.text).length;
      const bestWords =
        best === undefined
          ? Infinity
          : wordsOf(`${sentences[best]?.text} ${sentences[best + 1]?.text}`).length;
      if (words <= 30 && words < bestWords) best = index;
    }
    if (best === undefined) break;
    const [first, second] = [
      sentences[best] as (typeof sentences)[number],
      sentences[best + 1] as (typeof sentences)[number],
    ];
    sentences.splice(best, 2, {
      text: joinPair(first.text, second.text, 'and', names),
      joins: first.joins + second.joins + 1,
    });
  }
  return sentences.map((entry) => entry.text).join(' ');
}

/** Keeps whole sentences from the start while they fit in `most` words (cutting words only inside the first). */
function fitWords(text: string, most: number): string {
  if (wordsOf(text).length <= most) return text;
  const kept: string[] = [];
  for (const sentence of splitSentences(text)) {
    if (wordsOf([...kept, sentence].join(' ')).length > most) break;
    kept.push(sentence);
  }
  return kept.length > 0 ? kept.join(' ') : `${wordsOf(text).slice(0, most).join(' ')}.`;
}

/**
 * Writes one page: the beat lines in order, fillers (details that keep the one setting, time and weather) up
 * to a seeded word goal in the range, then the lowest-priority lines dropped while over the maximum, and the
 * sentences joined toward the grade ({@link proseOf}).
 */
function writePage(
  beats: readonly Beat[],
  world: StoryWorld,
  page: PageContext,
  targetGrade: number,
): string {
  const [fewest, most] = world.parameters.word_range;
  const goalWords = fewest + world.random.int(Math.max(1, Math.floor((most - fewest) / 2)) + 1);
  const lines: StoryLine[] = [];
  for (const beat of beats) {
    const before = new Set(world.used);
    const written = beatLines(beat, world, page).filter((entry) => !before.has(entry.text));
    for (const entry of written) world.used.add(entry.text);
    lines.push(...written);
    if (beat === 'attempt') page.attempt++;
    if (beat === 'journey') page.journey++;
  }
  // Rounds over the filler pools (one line from each per round) until the goal is met or nothing fits.
  const pools = world.random.sample(fillerPool(beats, world), 99);
  for (let added = true; added && countWords(lines) < goalWords; ) {
    added = false;
    for (const pool of pools) {
      if (countWords(lines) >= goalWords) break;
      const filler = freshLine(pool, world);
      if (filler && countWords(lines) + wordsOf(filler).length <= most) {
        lines.push({ text: filler, priority: 3 });
        added = true;
      }
    }
  }
  for (const priority of [3, 2] as const) {
    for (let index = lines.length - 1; index >= 0 && countWords(lines) > most; index--) {
      if (lines[index]?.priority === priority && lines.length > 1) lines.splice(index, 1);
    }
  }
  return fitWords(proseOf(lines, world, targetGrade), most);
}

/** What a page's picture shows: who, doing what, where, when, in which weather, and the objects to draw. */
function sceneOf(
  beats: readonly Beat[],
  world: StoryWorld,
  present: readonly CastMember[],
  page: PageContext,
) {
  const beat = beats[beats.length - 1] ?? 'journey';
  const who = present.map((member) => `${member.name} the ${member.species}`).join(' and ');
  const sight = world.sights[Math.max(0, page.journey - 1) % world.sights.length] ?? '';
  const attempt = world.obstacle.attempts[Math.max(0, page.attempt - 1) % world.obstacle.attempts.length];
  const act = fillTemplate(attempt?.act ?? '', world).replace(/\.$/, '');
  const action = fillTemplate(BEAT_SCENES[beat], world, { sight, act });
  const objects = new Set<string>();
  for (const each of beats) {
    if (each === 'opening' || each === 'ending')
      objects.add((world.slots.landmark ?? '').replace(/^(a|an|the) /, ''));
    if (each === 'want' || each === 'resolution') objects.add(world.slots.item ?? '');
    if (each === 'resolution') objects.add((world.slots.destination ?? '').replace(/^the /, ''));
    if (each === 'journey') objects.add(sight.replace(/^the /, ''));
    if (each === 'obstacle' || each === 'attempt' || each === 'turn') objects.add(world.obstacle.sprite);
  }
  const season = world.season === 'none' ? '' : `, ${world.season} colours`;
  const objectList = [...objects].filter((object) => object !== '').join(', ');
  return `${who} ${action} in ${world.slots.place}; ${world.setting.scenery}${season}, ${world.time} light, ${world.weather} weather. Objects: ${objectList}.`;
}

function titleOf(world: StoryWorld): string {
  const maxWords = world.parameters.title_max_words;
  const templates = TITLES.filter(
    (template) => world.goalKey !== 'learn_skill' || !template.includes('{item}'),
  );
  for (const template of world.random.sample(templates, templates.length)) {
    const title = fillTemplate(template, world)
      .split(' ')
      .map((word) => (['and', 'a', 'in', 'the', 'of'].includes(word) ? word : capitaliseFirst(word)))
      .join(' ');
    if (wordsOf(title).length <= maxWords) return capitaliseFirst(title);
  }
  return world.hero.name;
}

/**
 * Generates a complete story from the parameters with the offline story grammar, deterministically for `seed`
 * (the same parameters, seed and clock month always give the same story, in any process): a hero with a stated
 * want, an obstacle, two or three failing attempts, a turn, a resolution that names the want again and the
 * ending with the moral, in one setting with one time of day and one weather.
 *
 * @example
 * ```ts
 * const story = generateTemplateStory(resolveParameters({ page_count: 6 }), 7);
 * ```
 */
export function generateTemplateStory(
  parameters: GenerationParameters,
  seed: number,
  now: () => Date = () => new Date(),
): Story {
  const world = createStoryWorld(parameters, createSeededRandom(seed), now);
  const targetGrade = targetGradeOf(parameters.reading_level, parameters.age_band);
  const companions = world.cast.slice(1);
  const page: PageContext = { attempt: 0, journey: 0 };
  const pages: StoryPage[] = planBeats(parameters.page_count).map((beats) => {
    const travelling = world.companion || beats.includes('opening') || beats.includes('ending');
    const present = [
      world.hero,
      ...(travelling ? companions.slice(0, parameters.characters_per_image_max - 1) : []),
    ];
    const text = writePage(beats, world, page, targetGrade);
    return {
      text,
      sceneDescription: sceneOf(beats, world, present, page).slice(0, 600),
      charactersPresent: present.map((member) => member.name),
    };
  });
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
 * The offline story provider: a story grammar (want, obstacle, attempts, turn, resolution, moral) over word
 * banks that honours page count, word range, reading level (narration sentences are joined with `and` / `but`
 * toward the Flesch-Kincaid grade; nothing is joined with a made-up `so`), sentence structure, dialogue ratio, theme, genre weights, setting
 * (location, season, time of day, weather), goals, obstacles, moral emphasis, ending style, relationship, title
 * length and the entity parameters. It writes in the past tense, third person: `tense`, `narrative_voice` and
 * `character_growth` are honoured by the cloud model through the prompt only. Deterministic for a seed
 * (`options.seed`, else the `seed` parameter, else 0). Usage is reported in approximate tokens (4 characters
 * each) under the model `offline:template-story`.
 */
export function createOfflineStoryProvider(options: OfflineStoryProviderOptions = {}): StoryProvider {
  const now = options.now ?? (() => new Date());
  return {
    name: 'offline-template',
    model: OFFLINE_STORY_MODEL,
    deterministic: true,
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
