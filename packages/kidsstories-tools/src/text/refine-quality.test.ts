// The refiner's output is readable English that still says what the passage said (issue 19): on every passage
// of the classic-prose corpus and every age band, each refined sentence starts with a capital, ends with
// punctuation and has a verb by compromise's part-of-speech tagging, and the names and subject nouns of each
// source sentence survive (or a simpler word of the same meaning stands in their place). No refined sentence is
// a fragment: none opens with a bare verb unless its source did (`Make out what she was coming to.`), none is a
// subordinate clause alone (`Before she found herself falling …`), no participle after `be` or `have` was
// swapped for a simple past (`had to be took`), and no coordination lost a member (`his dark and house`).
import nlp from 'compromise';
import pluralize from 'pluralize';
import { describe, expect, it } from 'vitest';
import { AGE_BANDS, targetGradeOf } from '../story/age-band.js';
import { CLASSIC_PROSE } from './fixtures/classic-prose.js';
import { compoundHead } from './picture-book.js';
import { splitSentences } from './readability.js';
import { refineTextToGrade } from './refine-text.js';
import { hasVerb, type SentenceTerm, termsOf } from './sentence-terms.js';
import { PICTURE_BOOK_WORDS, SIMPLE_WORDS } from './simple-words.js';
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

// Words before a subject that are not it (`Then he ate`, `First, she tried`).
const SEQUENCE_WORDS = /^(?:then|first|so|and|but|next|soon|also|now|still|thus)$/;

/** The first term after sequence words and adverbs, when it is a verb other than `be`, a modal or `do`. */
function bareVerbFirst(terms: readonly SentenceTerm[]): SentenceTerm | undefined {
  let at = 0;
  while (
    at < terms.length - 1 &&
    (SEQUENCE_WORDS.test(terms[at]?.normal ?? '') ||
      (terms[at]?.tags.has('Adverb') && !terms[at]?.tags.has('Verb')))
  )
    at++;
  const term = terms[at];
  if (!term?.tags.has('Verb') || /["“]/.test(term.pre)) return undefined;
  return term.tags.has('Copula') || term.tags.has('Modal') || term.tags.has('Auxiliary') ? undefined : term;
}

/** Whether a refined sentence opening with a bare verb opens as a source sentence that was no participle phrase. */
function openedSoInSource(terms: readonly SentenceTerm[], sources: readonly string[]): boolean {
  const opening = terms
    .slice(0, 3)
    .map((term) => term.normal)
    .join(' ');
  return sources.some((source) => {
    const sourceTerms = termsOf(source);
    const first = sourceTerms[0];
    const participle =
      first?.tags.has('PastTense') || first?.tags.has('Gerund') || first?.tags.has('Participle');
    const sourceOpening = sourceTerms
      .slice(0, 3)
      .map((term) => term.normal)
      .join(' ');
    return !participle && sourceOpening === opening;
  });
}

const SUBORDINATORS =
  /^(?:when|whenever|while|if|because|though|although|unless|whether|before|after|since|until|till|as|once)$/;

/** Whether a term is a verb in a tense (not an -ing form, not after `to`). */
function isTensed(terms: readonly SentenceTerm[], index: number): boolean {
  const term = terms[index];
  if (!term?.tags.has('Verb') || term.tags.has('Gerund') || terms[index - 1]?.normal === 'to') return false;
  return ['PastTense', 'PresentTense', 'Copula', 'Modal'].some((tag) => term.tags.has(tag));
}

/** Whether a sentence is a subordinate clause with no main clause (`Before she found herself falling.`). */
function isLoneSubordinate(terms: readonly SentenceTerm[]): boolean {
  const [first, second] = terms;
  if (!first || !SUBORDINATORS.test(first.normal)) return false;
  const opensClause =
    first.tags.has('Conjunction') || (second?.tags.has('Pronoun') === true && !second.tags.has('Possessive'));
  // Clauses: a noun or pronoun right before a tensed verb.
  const clauses = terms.filter(
    (_, index) =>
      isTensed(terms, index) &&
      (terms[index - 1]?.tags.has('Noun') === true || terms[index - 1]?.tags.has('Pronoun') === true),
  ).length;
  return opensClause && clauses < 2;
}

/** Simple past forms standing where a participle belongs (`be took`, `had ran`): the participle, by compromise. */
function simplePastsAsParticiples(terms: readonly SentenceTerm[]): string[] {
  const found: string[] = [];
  for (const [index, term] of terms.entries()) {
    if (!/^(?:be|been|being|had|has|have)$/.test(term.normal)) continue;
    let next = index + 1;
    while (terms[next]?.tags.has('Adverb') || terms[next]?.normal === 'not') next++;
    const verb = terms[next];
    if (!verb?.tags.has('Verb') || !verb.tags.has('PastTense')) continue;
    const infinitive = nlp(verb.normal).verbs().toInfinitive().text();
    const forms = (nlp(infinitive).verbs().conjugate() as Array<Record<string, string>>)[0];
    if (forms?.Participle && forms.Participle !== verb.normal) found.push(`${term.normal} ${verb.normal}`);
  }
  return found;
}

/** The word either side of each `and` / `or` not preceded by a comma, lower case. */
function coordinatedPairsOf(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const match of text.matchAll(/([A-Za-z’'-]+) (?:and|or) ([A-Za-z’'-]+)/g))
    pairs.push([(match[1] ?? '').toLowerCase(), (match[2] ?? '').toLowerCase()]);
  return pairs;
}

/**
 * In a source text, the words that end a coordination's left member (right before `and` / `or`, or before a
 * comma: `Uncle Henry, who was a farmer, and Aunt Em` loses its aside) and those that start its right member.
 */
function coordinationEdgesOf(text: string): { lefts: Set<string>; rights: Set<string> } {
  const lefts = new Set<string>();
  const rights = new Set<string>();
  for (const match of text.matchAll(/([A-Za-z’'-]+)(?: (?:and|or|nor)\b|,)/g))
    lefts.add((match[1] ?? '').toLowerCase());
  for (const match of text.matchAll(/\b(?:and|or|nor) ([A-Za-z’'-]+)/g))
    rights.add((match[1] ?? '').toLowerCase());
  return { lefts, rights };
}

/** The forms a source word may take after the refiner's word edits. */
function editedFormsOf(word: string): string[] {
  const table = [PICTURE_BOOK_WORDS[word], compoundHead(word)].filter((form) => form !== undefined);
  return [...acceptableFormsOf(word), ...table];
}

describe('the refiner keeps sentences whole', () => {
  it.each(AGE_BANDS.map((band) => [band, targetGradeOf('auto', band)] as const))(
    'for the %s band (grade %d), on every passage',
    (_, target) => {
      for (const passage of CLASSIC_PROSE) {
        const refined = refineTextToGrade(passage.text, target).text;
        const sources = splitSentences(passage.text);
        const edges = coordinationEdgesOf(passage.text);
        for (const sentence of splitSentences(refined)) {
          const where = `${passage.source}: ${sentence}`;
          expect(sentence, where).toMatch(/^["“‘]?[A-Z]/);
          expect(sentence, where).toMatch(/[.!?]["”’]?$/);
          expect(hasVerb(sentence), where).toBe(true);
        }
        for (const sentence of splitSentences(refined)) {
          const where = `${passage.source} (band grade ${target}): ${sentence}`;
          const terms = termsOf(sentence);
          const bare = bareVerbFirst(terms);
          if (bare !== undefined)
            expect(
              openedSoInSource(terms, sources),
              `opens with the bare verb "${bare.text}": ${where}`,
            ).toBe(true);
          expect(isLoneSubordinate(terms), `a subordinate clause alone: ${where}`).toBe(false);
          expect(simplePastsAsParticiples(terms), `a simple past for a participle: ${where}`).toEqual([]);
          // `his dark and lowly little house` -> `his dark and house`: each member's edge word stood at a
          // coordination's edge in the source (or a word the refiner may put in its place).
          for (const [left, right] of coordinatedPairsOf(sentence)) {
            const leftKept = [...edges.lefts].some((word) => editedFormsOf(word).includes(left));
            const rightKept = [...edges.rights].some((word) => editedFormsOf(word).includes(right));
            expect(leftKept && rightKept, `"${left} and ${right}" lost a member: ${where}`).toBe(true);
          }
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
