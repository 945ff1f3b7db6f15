// The refiner's output is readable English that still says what the passage said (issue 19): on every passage
// of the classic-prose corpus and every age band, each refined sentence starts with a capital, ends with
// punctuation and has a verb by compromise's part-of-speech tagging, and the names and subject nouns of each
// source sentence survive (or a simpler word of the same meaning stands in their place).
import nlp from 'compromise';
import pluralize from 'pluralize';
import { describe, expect, it } from 'vitest';
import { AGE_BANDS, targetGradeOf } from '../story/age-band.js';
import { CLASSIC_PROSE } from './fixtures/classic-prose.js';
import { splitSentences } from './readability.js';
import { refineTextToGrade } from './refine-text.js';
import { hasVerb, termsOf } from './sentence-terms.js';
import { SIMPLE_WORDS } from './simple-words.js';
import { dictionarySynonymsOf } from './word-simplifier.js';

/** Names (proper nouns and capitalised words inside the sentence) and the head noun of the subject. */
function keyNounsOf(sentence: string): string[] {
  const terms = termsOf(sentence);
  const names = terms
    .filter((term, index) => term.tags.has('ProperNoun') || (index > 0 && /^[A-Z][a-z]/.test(term.text)))
    .filter((term) => !/^(?:i|mr|mrs|o)$/.test(term.normal))
    .map((term) => term.normal.replace(/['’]s$/, ''));
  const parsed = nlp(sentence).sentences().json() as Array<{ sentence?: { subject?: string } }>;
  const subject =
    parsed[0]?.sentence?.subject
      ?.split(/\s+/)
      .pop()
      ?.replace(/[^a-z'’-]/g, '') ?? '';
  const subjectTerm = terms.find((term) => term.normal === subject);
  const subjectNoun = subjectTerm?.tags.has('Noun') && !subjectTerm.tags.has('Pronoun') ? [subject] : [];
  return [...new Set([...names, ...subjectNoun])];
}

/** The word itself, its singular and plural, the project's simpler word and its dictionary synonyms. */
function acceptableFormsOf(word: string): string[] {
  const singular = pluralize.singular(word);
  const wordnet = dictionarySynonymsOf(singular);
  const simpler = [SIMPLE_WORDS[word], SIMPLE_WORDS[singular]].filter((form) => form !== undefined);
  return [word, singular, pluralize.plural(singular), ...simpler, ...wordnet].map((form) =>
    form.toLowerCase(),
  );
}

describe('the refiner keeps sentences whole', () => {
  it.each(AGE_BANDS.map((band) => [band, targetGradeOf('auto', band)] as const))(
    'for the %s band (grade %d), on every passage',
    (_, target) => {
      for (const passage of CLASSIC_PROSE) {
        const refined = refineTextToGrade(passage.text, target).text;
        for (const sentence of splitSentences(refined)) {
          const where = `${passage.source}: ${sentence}`;
          expect(sentence, where).toMatch(/^["“‘]?[A-Z]/);
          expect(sentence, where).toMatch(/[.!?]["”’]?$/);
          expect(hasVerb(sentence), where).toBe(true);
        }
        const tokens = refined.toLowerCase().match(/[a-z]+(?:['’-][a-z]+)*/g) ?? [];
        // compromise tags `Cotton-tail` as two words: keep the parts of hyphenated words too.
        const words = new Set(
          [...tokens, ...tokens.flatMap((token) => token.split('-'))].map((token) =>
            token.replace(/['’]s$/, ''),
          ),
        );
        for (const source of splitSentences(passage.text)) {
          for (const noun of keyNounsOf(source)) {
            const kept = acceptableFormsOf(noun).some((form) => words.has(form));
            expect(kept, `${passage.source}: "${noun}" of "${source}" in ${refined}`).toBe(true);
          }
        }
      }
    },
    // Seven passages refined in one test: generous on a loaded machine (figures in docs/performance.md).
    60_000,
  );
});
