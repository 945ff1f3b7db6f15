import { AGE_BANDS, READING_LEVELS } from '../story/age-band.js';
import {
  decimal,
  defineCategory,
  flag,
  hexColorList,
  integer,
  integerRange,
  oneOf,
  oneOfList,
  textList,
  weights,
} from './parameter-spec.js';

/** Narrative control: shape, length and voice of the story (12 parameters). */
export const NARRATIVE_PARAMETERS = defineCategory('narrative_control', {
  age_band: oneOf(AGE_BANDS, {
    default: '6-8',
    doc: 'Reader age band in years; picks vocabulary and safety rules.',
  }),
  page_count: integer({ default: 6, min: 1, max: 24, doc: 'Number of story pages (one picture per page).' }),
  word_range: integerRange({
    default: [25, 60],
    min: 5,
    max: 300,
    doc: 'Words per page, as [fewest, most].',
  }),
  reading_level: oneOf(['auto', ...READING_LEVELS], {
    default: 'auto',
    doc: 'Target Flesch-Kincaid grade; auto picks grade 1, 3 or 5 for the age bands 3-5, 6-8, 9-12.',
  }),
  json_schema: oneOf(['story_v1'], {
    default: 'story_v1',
    doc: 'Structured-output schema the story must follow.',
  }),
  sentence_structure: oneOf(['simple', 'compound', 'mixed'], {
    default: 'mixed',
    doc: 'Sentence shapes: short simple sentences, joined compound ones, or a mix.',
  }),
  narrative_voice: oneOf(['third_person', 'first_person'], {
    default: 'third_person',
    doc: 'Who tells the story.',
  }),
  tense: oneOf(['past', 'present'], { default: 'past', doc: 'Grammatical tense of the narration.' }),
  dialogue_ratio: decimal({
    default: 0.2,
    min: 0,
    max: 0.6,
    doc: 'Share of sentences that are spoken lines.',
  }),
  moral_emphasis: oneOf(['none', 'subtle', 'explicit'], {
    default: 'subtle',
    doc: 'How openly the last page states the lesson.',
  }),
  ending_style: oneOf(['happy', 'calm_bedtime', 'reflective'], {
    default: 'happy',
    doc: 'Tone of the last page.',
  }),
  title_max_words: integer({ default: 6, min: 2, max: 12, doc: 'Most words in the title.' }),
});

/** Entity design: who the characters are and how they look (15 parameters). */
export const ENTITY_PARAMETERS = defineCategory('entity_design', {
  character_count: integer({ default: 2, min: 1, max: 4, doc: 'Number of named characters.' }),
  protagonist_species: oneOf(['animal', 'child', 'robot', 'dragon', 'any'], {
    default: 'animal',
    doc: 'Kind of hero; any picks one from the seed.',
  }),
  personality_traits: textList({
    default: ['curious', 'kind'],
    maxItems: 6,
    maxLength: 24,
    doc: "The hero's personality traits (adjectives).",
  }),
  physical_features: textList({
    default: [],
    maxItems: 6,
    maxLength: 60,
    doc: "The hero's fixed physical features; empty lets the generator choose.",
  }),
  clothing_spec: textList({
    default: [],
    maxItems: 4,
    maxLength: 60,
    doc: "The hero's clothing, kept on every page; empty lets the generator choose.",
  }),
  color_palette: hexColorList({
    default: [],
    maxItems: 6,
    doc: "The hero's colours, most prominent first; empty lets the generator choose.",
  }),
  distinctive_marks: textList({
    default: [],
    maxItems: 3,
    maxLength: 60,
    doc: 'Marks that make the hero recognisable on every picture.',
  }),
  character_names: textList({
    default: [],
    maxItems: 4,
    maxLength: 24,
    doc: 'Names to use, hero first; missing names are generated.',
  }),
  name_style: oneOf(['simple', 'whimsical', 'alliterative'], {
    default: 'simple',
    doc: 'How generated names sound.',
  }),
  protagonist_pronouns: oneOf(['she', 'he', 'they', 'any'], { default: 'any', doc: "The hero's pronouns." }),
  sidekick_enabled: flag({ default: true, doc: 'Whether the second character travels with the hero.' }),
  antagonist_type: oneOf(['none', 'mild_obstacle', 'grumpy_neighbour', 'weather'], {
    default: 'mild_obstacle',
    doc: 'What stands in the way; never frightening.',
  }),
  character_growth: oneOf(['none', 'small', 'clear'], {
    default: 'small',
    doc: 'How much the hero changes.',
  }),
  relationship_type: oneOf(['friends', 'siblings', 'family', 'classmates'], {
    default: 'friends',
    doc: 'How the characters know each other.',
  }),
  palette_size: integer({ default: 3, min: 2, max: 6, doc: 'Colours per character in the character guide.' }),
});

/** The values a story can teach (the `theme` parameter). */
export const STORY_THEMES = [
  'friendship',
  'courage',
  'kindness',
  'sharing',
  'curiosity',
  'perseverance',
  'honesty',
  'nature',
] as const;

/** Theme selection: what the story is about and where it happens (8 parameters). */
export const THEME_PARAMETERS = defineCategory('theme_selection', {
  theme: oneOf(STORY_THEMES, {
    default: 'friendship',
    doc: 'The value the story teaches.',
  }),
  genre_weight: weights(['adventure', 'fantasy', 'everyday', 'animal_tale', 'bedtime', 'mystery'], {
    default: { adventure: 0.4, everyday: 0.3, animal_tale: 0.3 },
    doc: 'Relative weight of each genre when the seed picks one.',
  }),
  location_type: oneOf(
    ['any', 'forest', 'seaside', 'village', 'farm', 'mountains', 'garden', 'space', 'city'],
    {
      default: 'any',
      doc: 'Main setting; any picks one from the seed.',
    },
  ),
  action_verbs: textList({
    default: [],
    maxItems: 8,
    maxLength: 20,
    doc: 'Verbs the story should use (past tense); empty uses the word bank.',
  }),
  goal_templates: oneOfList(
    ['find_lost_item', 'help_friend', 'reach_place', 'learn_skill', 'solve_puzzle', 'make_gift'],
    {
      default: ['find_lost_item', 'help_friend', 'reach_place', 'learn_skill', 'solve_puzzle', 'make_gift'],
      minItems: 1,
      maxItems: 6,
      doc: 'Plot goals the seed picks from.',
    },
  ),
  seasonal_context: oneOf(['auto', 'none', 'spring', 'summer', 'autumn', 'winter'], {
    default: 'none',
    doc: 'Season of the story; auto uses the current month.',
  }),
  time_of_day: oneOf(['any', 'morning', 'afternoon', 'evening', 'night'], {
    default: 'any',
    doc: 'When the story starts.',
  }),
  weather: oneOf(['any', 'sunny', 'rainy', 'snowy', 'windy', 'cloudy'], {
    default: 'any',
    doc: 'Weather in the story.',
  }),
});

/** Variation engine: how new stories stay different from recent ones (7 parameters). */
export const VARIATION_PARAMETERS = defineCategory('variation_engine', {
  repetition_window_days: integer({
    default: 30,
    min: 1,
    max: 365,
    doc: 'Days of history a new story is compared against.',
  }),
  history_hash: oneOf(['sha256', 'none'], {
    default: 'sha256',
    doc: 'Content hash kept per story; an identical hash in the window is always a repeat.',
  }),
  uniqueness_threshold: decimal({
    default: 0.85,
    min: 0.5,
    max: 0.99,
    doc: 'A story whose similarity to one in the window is at or above this is regenerated.',
  }),
  semantic_distance: oneOf(['cosine', 'angular'], {
    default: 'cosine',
    doc: 'Similarity measure of embeddings: cosine, or angular (1 - angle / pi).',
  }),
  max_regeneration_attempts: integer({
    default: 3,
    min: 0,
    max: 10,
    doc: 'New seeds tried after a repeat or an unsafe draft before the call fails.',
  }),
  seed: integer({
    default: -1,
    min: -1,
    max: 2_147_483_647,
    doc: 'Seed of the offline generator and of models that take one; -1 draws a random seed.',
  }),
  history_scope: oneOf(['age_band', 'global'], {
    default: 'age_band',
    doc: 'Compare against stories of the same age band only, or of every band.',
  }),
});

/** LLM tuning: sampling settings of the language model (5 parameters). */
export const LLM_PARAMETERS = defineCategory('llm_tuning', {
  temperature: decimal({ default: 0.8, min: 0, max: 2, doc: 'Sampling temperature; higher is more varied.' }),
  top_p: decimal({ default: 1, min: 0, max: 1, doc: 'Nucleus sampling probability mass.' }),
  presence_penalty: decimal({ default: 0, min: -2, max: 2, doc: 'Penalty for tokens already present.' }),
  frequency_penalty: decimal({
    default: 0.3,
    min: -2,
    max: 2,
    doc: 'Penalty proportional to token frequency.',
  }),
  max_tokens: integer({ default: 4096, min: 256, max: 16_384, doc: 'Most output tokens per story call.' }),
});
