import type { GenerationParameters } from '../parameters/generation-parameters.js';
import { targetGradeOf } from './age-band.js';

const list = (items: readonly string[], fallback: string) => (items.length > 0 ? items.join(', ') : fallback);

/**
 * Builds the language-model prompt for a story from the narrative, entity, theme and LLM parameters. The
 * response format is the story JSON schema (see `storyJsonSchema`), so the prompt describes content only.
 *
 * @example
 * ```ts
 * const prompt = buildStoryPrompt(resolveParameters({ theme: 'courage', page_count: 4 }));
 * ```
 */
export function buildStoryPrompt(parameters: GenerationParameters): string {
  const [fewest, most] = parameters.word_range;
  const grade = targetGradeOf(parameters.reading_level, parameters.age_band);
  const genres = Object.entries(parameters.genre_weight)
    .filter(([, weight]) => (weight ?? 0) > 0)
    .map(([genre, weight]) => `${genre} (${weight})`)
    .join(', ');
  const lines = [
    `Write an original children's picture-book story for ages ${parameters.age_band}.`,
    `It has exactly ${parameters.page_count} pages of ${fewest} to ${most} words each, at Flesch-Kincaid grade ${grade} (readingLevel grade_${grade === 0 ? 'k' : grade}).`,
    `Sentences: ${parameters.sentence_structure}; narration in the ${parameters.narrative_voice.replace('_', ' ')}, ${parameters.tense} tense; about ${Math.round(parameters.dialogue_ratio * 100)}% of sentences are dialogue.`,
    `Theme: ${parameters.theme}. Genres by weight: ${genres}. Setting: ${parameters.location_type === 'any' ? 'your choice' : parameters.location_type}, season ${parameters.seasonal_context}, time of day ${parameters.time_of_day}, weather ${parameters.weather}.`,
    `Plot goal, one of: ${parameters.goal_templates.join(', ')}. Obstacle: ${parameters.antagonist_type.replace('_', ' ')}, never frightening. Character growth: ${parameters.character_growth}.`,
    `Characters: ${parameters.character_count} (${parameters.relationship_type}); the hero is a ${parameters.protagonist_species === 'any' ? 'character of your choice' : parameters.protagonist_species}, pronouns ${parameters.protagonist_pronouns}, names ${list(parameters.character_names, 'of your choice')} (${parameters.name_style} style).`,
    `Hero traits: ${list(parameters.personality_traits, 'your choice')}; features: ${list(parameters.physical_features, 'your choice')}; clothing: ${list(parameters.clothing_spec, 'your choice')}; colours: ${list(parameters.color_palette, `${parameters.palette_size} hex colours of your choice`)}; marks: ${list(parameters.distinctive_marks, 'your choice')}.`,
    `Give every character ${parameters.palette_size} hex colours and keep each look identical on every page.`,
    parameters.action_verbs.length > 0 ? `Use these verbs: ${parameters.action_verbs.join(', ')}.` : '',
    `Title of at most ${parameters.title_max_words} words. Ending: ${parameters.ending_style.replace('_', ' ')}; moral stated ${parameters.moral_emphasis === 'none' ? 'only in the moral field' : parameters.moral_emphasis === 'explicit' ? 'plainly on the last page' : 'gently'}.`,
    'Each page has a sceneDescription for the illustrator (setting, action, framing; no text in the picture) and lists charactersPresent by name.',
    'Safe for young children: no violence, weapons, injury, fear, romance, brand names or personal data.',
  ];
  return lines.filter((line) => line.length > 0).join('\n');
}
