import { daleChall } from 'dale-chall';
import pluralize from 'pluralize';
import { firstFiniteVerb } from './clause-cut.js';
import { coordinationSplits } from './coordination-split.js';
import { modifierDrops, summary } from './modifier-drop.js';
import { readabilityOf, syllablesOf, wordsOf } from './readability.js';
import { type SentenceTerm, termsOf, textOfTerms } from './sentence-terms.js';
import { PICTURE_BOOK_WORDS, SIMPLE_WORDS } from './simple-words.js';
import { isWholeSentence } from './whole-sentence.js';
import { dictionarySimplerWord, inPlaceForm } from './word-simplifier.js';

const FAMILIAR = new Set(daleChall);

/** Whether a word or its singular is on the New Dale-Chall list of familiar words. */
function isFamiliar(word: string): boolean {
  return FAMILIAR.has(word) || FAMILIAR.has(pluralize.singular(word));
}

/**
 * The head of a compound, its hypernym, when it is a familiar word of fewer syllables: `blackberries` ->
 * `berries`, `sand-bank` -> `bank`, `cookstove` -> `stove`. A closed compound counts only with three
 * syllables or more and a familiar first part too (`cupboard` stays); numbers (`three-and-twenty`) never.
 */
export function compoundHead(word: string): string | undefined {
  const lower = word.toLowerCase();
  if (/\d|-and-/.test(lower)) return undefined;
  const syllables = syllablesOf(lower);
  if (lower.includes('-')) {
    const head = lower.slice(lower.lastIndexOf('-') + 1);
    return head.length >= 3 && isFamiliar(head) && syllablesOf(head) < syllables ? head : undefined;
  }
  if (syllables < 3) return undefined;
  for (let cut = 3; cut <= lower.length - 3; cut++) {
    const head = lower.slice(cut);
    if (isFamiliar(lower.slice(0, cut)) && isFamiliar(head) && syllablesOf(head) < syllables) return head;
  }
  return undefined;
}

/**
 * The sentence with one word of two syllables or more replaced by a shorter familiar one, for each such word:
 * its compound head (`blackberries` -> `berries`), the project's simpler word, or a synonym on the Dale-Chall
 * list when the word itself is not on it. Names and quotations are kept.
 */
function shorterWords(sentence: string): string[] {
  const terms = termsOf(sentence);
  const edits: string[] = [];
  for (const [index, term] of terms.entries()) {
    if (term.tags.has('ProperNoun') || /["“”]/.test(term.pre + term.post) || !/^[a-z-]+$/i.test(term.text))
      continue;
    if (index > 0 && /^[A-Z]/.test(term.text)) continue;
    if (syllablesOf(term.normal) < 2) continue;
    const table = PICTURE_BOOK_WORDS[term.normal] ?? SIMPLE_WORDS[term.normal];
    // Only nouns and adjectives have a head to stand for them (`however` is no kind of `ever`).
    const content = (term.tags.has('Noun') && !term.tags.has('Pronoun')) || term.tags.has('Adjective');
    // A familiar word's synonyms fit fewer sentences (`a little`, `a moment`): only unfamiliar words get one.
    const replacement =
      (content ? compoundHead(term.normal) : undefined) ??
      (table !== undefined && !table.includes(' ') ? table : undefined) ??
      (isFamiliar(term.normal) ? undefined : dictionarySimplerWord(term));
    if (replacement === undefined || syllablesOf(replacement) >= syllablesOf(term.normal)) continue;
    const placed = inPlaceForm(terms, index, replacement);
    const word = /^[A-Z]/.test(term.text) ? placed.replace(/^[a-z]/, (l) => l.toUpperCase()) : placed;
    const edited = terms.map((other, at) => `${other.pre}${at === index ? word : other.text}${other.post}`);
    edits.push(fixArticles(edited.join('').trim()));
  }
  return edits;
}

/** `a` / `an` agree with the next word after an edit (`an enormous` -> `a huge`). */
function fixArticles(text: string): string {
  return text.replace(/\b([Aa])n? (?=(\w))/g, (_, article: string, next: string) =>
    /[aeiouAEIOU]/.test(next) ? `${article}n ` : `${article} `,
  );
}

/** The subject of a sentence after its opening sequence word (`Then the hole dipped` -> `the hole`). */
function subjectRange(terms: readonly SentenceTerm[]): [number, number] | undefined {
  let start = 0;
  while (start < terms.length && /^(?:then|first|so|and|but|next|soon)$/.test(terms[start]?.normal ?? ''))
    start++;
  const verb = firstFiniteVerb(terms);
  if (verb <= start) return undefined;
  const subject = terms.slice(start, verb);
  if (subject.some((term) => term.tags.has('Verb') || term.tags.has('Preposition'))) return undefined;
  return [start, verb];
}

/** Whether a subject is a list of names (`Flopsy, Mopsy, and Cotton-tail`). */
function isNameList(subject: readonly SentenceTerm[]): boolean {
  return (
    subject.some((term) => term.normal === 'and') &&
    subject.every((term) => term.normal === 'and' || /^[A-Z]/.test(term.text) || term.tags.has('Hyphenated'))
  );
}

/**
 * The pronoun for a subject: `he` or `she` for a first name compromise knows, `they` or `it` for things (never
 * for a person, `the boy`, whose pronoun nothing here tells).
 */
function pronounFor(subject: readonly SentenceTerm[]): string | undefined {
  const [first] = subject;
  const last = subject[subject.length - 1];
  if (subject.some((term) => /[,;:]/.test(term.post) || /^(?:and|or)$/.test(term.normal))) return undefined;
  if (!first || !last || subject.some((term) => term.tags.has('Pronoun') && !term.tags.has('Possessive')))
    return undefined;
  if (subject.length === 1 && first.tags.has('MaleName')) return 'he';
  if (subject.length === 1 && first.tags.has('FemaleName')) return 'she';
  // A capital or a person is a character whose pronoun nothing here tells (`The Mole`, `Uncle Henry`).
  if (
    subject.some(
      (term, index) =>
        term.tags.has('Person') ||
        term.tags.has('Actor') ||
        term.tags.has('ProperNoun') ||
        (index > 0 && /^[A-Z]/.test(term.text)),
    )
  )
    return undefined;
  if (!first.tags.has('Determiner') || !last.tags.has('Noun')) return undefined;
  return last.tags.has('Plural') ? 'they' : 'it';
}

/**
 * The sentence with its subject replaced by a pronoun when the sentence before has the same subject
 * (`Dorothy stood in the door. Dorothy looked around.` -> `… She looked around.`): the name stays in the first.
 */
function pronounRepeats(sentence: string, earlier: readonly string[]): string[][] {
  const terms = termsOf(sentence);
  const range = subjectRange(terms);
  if (!range) return [];
  const subject = terms.slice(...range);
  // Names listed again (`Flopsy, Mopsy, and Cotton-tail went …`) after the text has named each: `they`.
  const named = earlier.join(' ');
  const listed =
    isNameList(subject) &&
    subject
      .filter((term) => term.normal !== 'and' && !/-$/.test(term.post))
      .every((term) => named.includes(term.text.replace(/[^A-Za-z’'-]/g, '')));
  const pronoun = listed ? 'they' : pronounFor(subject);
  if (pronoun === undefined) return [];
  const words = subject.map((term) => term.normal).join(' ');
  // The sentences before name the same subject, or already call it by the pronoun.
  let same = listed;
  for (let at = earlier.length - 1; at >= 0 && !same; at--) {
    const before = termsOf(earlier[at] ?? '');
    const previousRange = subjectRange(before);
    const previousWords =
      previousRange &&
      before
        .slice(...previousRange)
        .map((term) => term.normal)
        .join(' ');
    if (previousWords === words) same = true;
    else if (previousWords !== pronoun) break;
  }
  if (!same) return [];
  const lead = textOfTerms(terms.slice(0, range[0]));
  const rest = terms
    .slice(range[1])
    .map((term) => `${term.pre}${term.text}${term.post}`)
    .join('')
    .trim();
  const text = `${lead}${lead ? ' ' : ''}${pronoun} ${rest}`;
  return [[text.replace(/^[a-z]/, (letter) => letter.toUpperCase())]];
}

/** One family of picture-book edits, and how a candidate is scored within it. */
interface EditFamily {
  edits: (sentence: string, earlier: readonly string[]) => string[][];
  /** `grade`: the edit that lowers the grade most; `perWord`: the most grade lowered per word dropped. */
  score: 'grade' | 'perWord';
}

// In order of least loss: splitting and pronouns lose nothing, dropping modifiers loses detail, shorter words
// lose precision, and a summary loses everything after the object.
const FAMILIES: readonly EditFamily[] = [
  { edits: coordinationSplits, score: 'grade' },
  { edits: pronounRepeats, score: 'grade' },
  { edits: (sentence) => modifierDrops(sentence).map((drop) => [drop]), score: 'perWord' },
  { edits: (sentence) => shorterWords(sentence).map((edit) => [edit]), score: 'grade' },
  {
    edits: (sentence) => {
      const short = summary(sentence);
      return short === undefined ? [] : [[short]];
    },
    score: 'perWord',
  },
];

/**
 * The next edit that makes a text a picture book (ages 3-5, grade 1), from the least lossy family that has one
 * lowering the Flesch-Kincaid grade: split a coordinated list or compound predicate into sentences that repeat
 * the subject and verb; drop an optional modifier (adverb, adjective, extra prepositional phrase, aside);
 * replace a compound by its familiar head (`blackberries` -> `berries`); last, summarise a sentence to subject,
 * verb and object. Names and quotations are kept, and every sentence keeps a finite verb. `undefined` when no
 * edit lowers the grade.
 *
 * @example
 * ```ts
 * pictureBookEdit(['He ate some lettuces and some beans.']); // ['He ate some lettuces.', 'He ate some beans.']
 * ```
 */
export function pictureBookEdit(sentences: readonly string[]): string[] | undefined {
  const before = readabilityOf(sentences.join(' ')).fleschKincaidGrade;
  for (const family of FAMILIES) {
    let best: { score: number; sentences: string[] } | undefined;
    for (const [index, sentence] of sentences.entries()) {
      for (const edit of family.edits(sentence, sentences.slice(0, index))) {
        // A sentence that now says what its neighbour says goes (`She was thinking in her mind.` twice).
        const neighbours = [sentences[index - 1], sentences[index + 1]];
        const replacement = edit.filter(
          (piece, at) => !neighbours.includes(piece) && edit.indexOf(piece) === at,
        );
        // Every sentence keeps a subject and a finite verb, and none repeats another word for word.
        if (!replacement.every((piece) => isWholeSentence(piece, sentence))) continue;
        const others = new Set(sentences.filter((_, at) => at !== index));
        if (replacement.some((piece) => others.has(piece))) continue;
        const edited = [...sentences.slice(0, index), ...replacement, ...sentences.slice(index + 1)];
        const lowered = before - readabilityOf(edited.join(' ')).fleschKincaidGrade;
        if (lowered <= 1e-9) continue;
        const dropped = wordsOf(sentence).length - wordsOf(replacement.join(' ')).length;
        const score = family.score === 'perWord' ? lowered / Math.max(1, dropped) : lowered;
        if (!best || score > best.score) best = { score, sentences: edited };
      }
    }
    if (best) return best.sentences;
  }
  return undefined;
}
