import { createRequire } from 'node:module';
import nlp from 'compromise';
import { daleChall } from 'dale-chall';
import pluralize from 'pluralize';
import { syllablesOf } from './readability.js';
import type { SentenceTerm } from './sentence-terms.js';
import { termsOf } from './sentence-terms.js';
import { DROPPABLE_MODIFIERS, SIMPLE_WORDS } from './simple-words.js';

/** Synonyms of one word by part of speech (`n`, `v`, `a`, `s`, `r`: WordNet's codes), the word itself first. */
type SynonymEntry = Partial<Record<'n' | 'v' | 'a' | 's' | 'r', string[]>>;

// `synonyms` 1.0.1 ships no types: its dictionary (by lower-case word) is all the refiner reads, typed here.
const synonyms = createRequire(import.meta.url)('synonyms') as {
  dictionary: Readonly<Record<string, SynonymEntry>>;
};

/** Every synonym the dictionary lists for a lower-case word, of any part of speech (empty when it has none). */
export function dictionarySynonymsOf(word: string): string[] {
  return Object.values(synonyms.dictionary[word] ?? {}).flat();
}

// The New Dale-Chall list: about 3,000 words most fourth-graders know. A replacement must be one of them.
const FAMILIAR = new Set(daleChall);
// The dictionary lists a word's common senses first: look no further than this many synonyms, so that
// `character` becomes `part` sooner than `grapheme`.
const SYNONYM_DEPTH = 6;
// Adverbs are left out: adverb synonyms change the register (`very` -> `real`, `slowly` -> `slow`).
const DICTIONARY_POS = { Verb: 'v', Noun: 'n', Adjective: 'a' } as const;
// Short function words the dictionary lists among synonyms (`little` -> `a`): never a replacement.
const MIN_REPLACEMENT_LENGTH = 3;

/** The part of speech of a term as the synonym dictionary names it, or `undefined` for other words. */
function dictionaryPosOf(term: SentenceTerm): 'v' | 'n' | 'a' | undefined {
  for (const [tag, pos] of Object.entries(DICTIONARY_POS)) if (term.tags.has(tag)) return pos;
  return undefined;
}

/** The dictionary form of a word (`carried` -> `carry`, `lettuces` -> `lettuce`). */
const lemmas = new Map<string, string>();

function lemmaOf(term: SentenceTerm, pos: 'v' | 'n' | 'a'): string {
  if (pos === 'v') {
    let lemma = lemmas.get(term.normal);
    if (lemma === undefined) {
      lemma = nlp(term.normal).verbs().toInfinitive().text() || term.normal;
      if (lemmas.size > 5000) lemmas.clear();
      lemmas.set(term.normal, lemma);
    }
    return lemma;
  }
  if (pos === 'n') return pluralize.singular(term.normal);
  return term.normal;
}

/** `verb` in the form of `term` (past tense, third person), or `undefined` when the form is not one of those. */
function inflectVerb(verb: string, term: SentenceTerm): string | undefined {
  if (term.tags.has('Gerund') || term.tags.has('Participle')) return undefined;
  const form = term.tags.has('PastTense')
    ? 'past'
    : /s$/.test(term.normal) && term.tags.has('PresentTense')
      ? 'third'
      : 'plain';
  const key = `${verb} ${form}`;
  if (!inflections.has(key)) {
    if (inflections.size > 5000) inflections.clear();
    inflections.set(key, conjugate(verb, term));
  }
  return inflections.get(key);
}

const inflections = new Map<string, string | undefined>();

function conjugate(verb: string, term: SentenceTerm): string | undefined {
  if (term.tags.has('PastTense'))
    return nlp(`they ${verb}`)
      .verbs()
      .toPastTense()
      .text()
      .replace(/^they /, '');
  if (/s$/.test(term.normal) && term.tags.has('PresentTense'))
    return nlp(`it ${verb}`).verbs().toPresentTense().text().replace(/^it /, '');
  return verb;
}

/** Whether a word is familiar: on the Dale-Chall list itself or by its dictionary form. */
function isFamiliar(word: string, lemma: string): boolean {
  return FAMILIAR.has(word) || FAMILIAR.has(lemma);
}

/**
 * A simpler word for `term` from the `synonyms` dictionary: a synonym of the same part of speech that is on
 * the Dale-Chall list and has fewer syllables, in the term's own form (`squeezed` keeps its past tense).
 * `undefined` when the dictionary has none.
 */
export function dictionarySimplerWord(term: SentenceTerm): string | undefined {
  const pos = dictionaryPosOf(term);
  if (pos === undefined) return undefined;
  const lemma = lemmaOf(term, pos);
  const entry = synonyms.dictionary[lemma];
  const candidates = [...(entry?.[pos] ?? []), ...(pos === 'a' ? (entry?.s ?? []) : [])].slice(
    0,
    SYNONYM_DEPTH,
  );
  const syllables = syllablesOf(term.normal);
  for (const candidate of candidates) {
    if (candidate === lemma || !/^[a-z]+$/.test(candidate) || !FAMILIAR.has(candidate)) continue;
    if (candidate.length < MIN_REPLACEMENT_LENGTH) continue;
    const inflected =
      pos === 'v'
        ? inflectVerb(candidate, term)
        : pos === 'n' && term.tags.has('Plural')
          ? pluralize.plural(candidate)
          : candidate;
    if (inflected === undefined || !/^[a-z]+$/.test(inflected)) continue;
    if (syllablesOf(inflected) < syllables) return inflected;
  }
  return undefined;
}

// `be` and `have` in any form: a verb after one of these is a participle (`had to be carried`).
const PARTICIPLE_BEFORE = /^(?:be|been|being|am|is|are|was|were|have|has|had|having)$/;
const participles = new Map<string, string>();

/**
 * A replacement verb in the form its place needs: after `be` or `have` a simple past becomes the participle,
 * by compromise's conjugation (`had to be carried` -> `had to be taken`, never `be took`); anywhere else, and
 * for words that are no such verb, the replacement itself.
 *
 * @example
 * ```ts
 * inPlaceForm(termsOf('It had to be carried.'), 4, 'took'); // 'taken'
 * ```
 */
export function inPlaceForm(terms: readonly SentenceTerm[], index: number, replacement: string): string {
  if (!/^[a-z]+$/.test(replacement)) return replacement;
  let before = index - 1;
  while (before > 0 && (terms[before]?.tags.has('Adverb') || terms[before]?.normal === 'not')) before--;
  if (!PARTICIPLE_BEFORE.test(terms[before]?.normal ?? '')) return replacement;
  let participle = participles.get(replacement);
  if (participle === undefined) {
    const infinitive = nlp(replacement).verbs().toInfinitive().text() || replacement;
    const forms = (nlp(infinitive).verbs().conjugate() as Array<Record<string, string>>)[0];
    participle =
      forms?.PastTense === replacement && forms.Participle && /^[a-z]+$/.test(forms.Participle)
        ? forms.Participle
        : replacement;
    if (participles.size > 2000) participles.clear();
    participles.set(replacement, participle);
  }
  return participle;
}

// Negations and degree words that lean on the modifier after them.
const LEANS_ON_NEXT = /^(?:no|not|never|more|most|less|least|so|too|as|very|rather|quite)$/;

/** Whether a word can be an adjective by the synonym dictionary (`dark`, `lowly`), whatever its tag here. */
export function canBeAdjective(word: string): boolean {
  const entry = synonyms.dictionary[word];
  return entry?.a !== undefined || entry?.s !== undefined;
}

/** Whether a term is a modifier the sentence reads well without (`imperiously`, `the steep little tunnel`). */
function isDroppable(terms: readonly SentenceTerm[], index: number): boolean {
  const term = terms[index];
  const next = terms[index + 1];
  const previous = terms[index - 1];
  if (!term || /[,;:]/.test(term.post) || /[,;:]/.test(previous?.post ?? '')) return false;
  // `more easily`, `no longer`: the word before leans on this one, and `instead of` is one word.
  if (LEANS_ON_NEXT.test(previous?.normal ?? '') || next?.normal === 'of') return false;
  if (
    term.tags.has('Adverb') &&
    (/ly$/.test(term.normal) || /^(?:very|rather|quite|really|just)$/.test(term.normal))
  ) {
    // Never the adverb a copula leans on (`she was very`), only one beside a verb or adjective.
    if (!next) return /ly$/.test(term.normal) && !previous?.tags.has('Copula');
    return !(previous?.tags.has('Copula') && !next.tags.has('Adjective'));
  }
  if (!next) return false;
  if (!term.tags.has('Adjective') || term.tags.has('Comparative') || term.tags.has('Superlative'))
    return false;
  // Adjectives only before their noun (or another adjective), after a determiner or another adjective.
  const beforeNoun = next.tags.has('Noun') || next.tags.has('Adjective');
  const afterModifier =
    previous !== undefined &&
    (previous.tags.has('Determiner') ||
      previous.tags.has('Possessive') ||
      previous.tags.has('Adjective') ||
      previous.tags.has('Preposition'));
  return (
    beforeNoun && afterModifier && (syllablesOf(term.normal) >= 2 || DROPPABLE_MODIFIERS.has(term.normal))
  );
}

function sentenceOf(terms: readonly SentenceTerm[]): string {
  return terms.map((term) => `${term.pre}${term.text}${term.post}`).join('');
}

function withCase(replacement: string, original: string): string {
  return /^[A-Z]/.test(original)
    ? replacement.replace(/^[a-z]/, (letter) => letter.toUpperCase())
    : replacement;
}

/** One word edit on a sentence and how many syllables it saves. */
export interface WordEdit {
  sentence: string;
  syllablesSaved: number;
}

/**
 * The edit that makes a sentence's hardest word easier: a simpler word of the same meaning (first the
 * project's table, then a synonym from the Dale-Chall list, in the same form) or, when there is none,
 * dropping it if it is an optional modifier. Names, words in quotations and the sentence's verbs without a
 * simpler form are kept. `undefined` when no word can be made easier.
 *
 * @example
 * ```ts
 * simplifyHardestWord('The mole ran imperiously home.')?.sentence; // 'The mole ran loudly home.'
 * ```
 */
export function simplifyHardestWord(sentence: string): WordEdit | undefined {
  if (edits.has(sentence)) return edits.get(sentence);
  const edit = findWordEdit(sentence);
  if (edits.size > 2000) edits.clear();
  edits.set(sentence, edit);
  return edit;
}

// The refiner asks again for every sentence after each edit: remember the answers.
const edits = new Map<string, WordEdit | undefined>();

function findWordEdit(sentence: string): WordEdit | undefined {
  const terms = termsOf(sentence);
  let inQuote = false;
  const candidates: Array<{ index: number; syllables: number }> = [];
  for (const [index, term] of terms.entries()) {
    if (/["“]/.test(term.pre)) inQuote = true;
    const quoted = inQuote;
    if (/["”]/.test(term.post)) inQuote = false;
    if (quoted || term.tags.has('ProperNoun') || !/^[a-z]+$/i.test(term.text)) continue;
    // A capital inside the sentence is a name compromise did not know.
    if (index > 0 && /^[A-Z]/.test(term.text)) continue;
    const syllables = syllablesOf(term.normal);
    const pos = dictionaryPosOf(term);
    const familiar = pos !== undefined && isFamiliar(term.normal, lemmaOf(term, pos));
    const listed = SIMPLE_WORDS[term.normal] !== undefined;
    if (syllables >= 3 || (syllables === 2 && !familiar) || listed || DROPPABLE_MODIFIERS.has(term.normal))
      candidates.push({ index, syllables });
  }
  candidates.sort((a, b) => b.syllables - a.syllables || a.index - b.index);
  for (const { index, syllables } of candidates) {
    const term = terms[index];
    if (!term) continue;
    // A familiar word (`little`) is only ever dropped: its synonyms fit fewer sentences (`a little`).
    const pos = dictionaryPosOf(term);
    const familiar = pos !== undefined && isFamiliar(term.normal, lemmaOf(term, pos));
    const found = SIMPLE_WORDS[term.normal] ?? (familiar ? undefined : dictionarySimplerWord(term));
    const replacement = found === undefined ? undefined : inPlaceForm(terms, index, found);
    if (replacement !== undefined && replacement !== term.normal) {
      const saved = syllables - replacement.split(' ').reduce((sum, word) => sum + syllablesOf(word), 0);
      if (saved <= 0) continue;
      const edited = terms.map((other, at) =>
        at === index ? { ...other, text: withCase(replacement, other.text) } : other,
      );
      return { sentence: fixArticles(sentenceOf(edited)), syllablesSaved: saved };
    }
    if (isDroppable(terms, index)) {
      const edited = terms.filter((_, at) => at !== index);
      const previous = edited[index - 1];
      if (previous && index === terms.length - 1) edited[index - 1] = { ...previous, post: term.post };
      const text = sentenceOf(edited).replace(/^([a-z])/, (letter) => letter.toUpperCase());
      return { sentence: fixArticles(text), syllablesSaved: syllables };
    }
  }
  return undefined;
}

/** `a` / `an` agree with the next word after an edit (`an enormous` -> `a huge`). */
function fixArticles(text: string): string {
  return text.replace(/\b([Aa])n? (?=(\w))/g, (_, article: string, next: string) =>
    /[aeiouAEIOU]/.test(next) ? `${article}n ` : `${article} `,
  );
}
