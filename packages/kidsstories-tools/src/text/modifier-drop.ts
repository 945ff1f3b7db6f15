import { endOf, firstFiniteVerb, quotedTerms } from './clause-cut.js';
import {
  isFiniteVerb,
  isNominal,
  opensWithSubordinate,
  type SentenceTerm,
  sentenceOfTerms,
  termsOf,
} from './sentence-terms.js';
import { isWholeSentence } from './whole-sentence.js';

// Adverbs that carry the meaning (negation, place, time, degree a verb needs) or complete a phrasal verb.
const KEPT_ADVERBS =
  /^(?:not|never|no|n't|there|here|then|now|so|too|up|down|out|away|off|back|on|in|over|how|when|where|why|as|also|again|once|ago|home|well|far|near|together|apart)$/;
// Quantities and verbs' helpers are never modifiers to drop, whatever compromise tags them (`was` can come out
// as an adjective in `the well was very deep`).
const KEPT_WORDS =
  /^(?:many|much|few|some|all|every|each|no|more|most|less|least|other|several|any|enough|same|am|is|are|was|were|be|been|being|has|have|had|do|does|did|will|would|can|could|shall|should|may|might|must)$/;
// Subject pronouns start a clause, so a preposition before one is a conjunction (`as she went`).
const SUBJECT_PRONOUN = /^(?:i|he|she|we|they)$/;
// Words that end a noun phrase's run inside a prepositional phrase.
const PHRASE_BREAK = /^(?:and|or|but|who|whom|whose|which|that|when|while|where|if|because|as|than|to)$/;

const COORDINATOR = /^(?:and|or|nor)$/;
// Negations and degree words that lean on the modifier after them: that modifier never goes alone.
const LEANING = /^(?:no|not|never|more|most|less|least|so|too|as|very|rather|quite)$/;

/** Whether a term is a name: a proper noun, or a capital inside the sentence (`French` is an adjective). */
function isName(terms: readonly SentenceTerm[], index: number): boolean {
  const term = terms[index];
  if (term === undefined || term.tags.has('Demonym')) return false;
  return term.tags.has('ProperNoun') || (index > 0 && /^[A-Z]/.test(term.text));
}

/**
 * The sentence without the terms in `[from, to)`: the term before takes the punctuation of the last one dropped
 * when the drop ends the sentence or a comma-bounded part. `undefined` when a name would go, the rest would have
 * no finite verb or fewer than three words.
 */
function without(terms: readonly SentenceTerm[], from: number, to: number, end: string): string | undefined {
  for (let index = from; index < to; index++) if (isName(terms, index)) return undefined;
  // One member of a coordination never goes alone (`his dark and lowly house` -> `his dark and house`,
  // `for pistol and ball` -> `and ball`): the drop takes the whole coordination or nothing.
  if (COORDINATOR.test(terms[to]?.normal ?? '') || COORDINATOR.test(terms[from - 1]?.normal ?? ''))
    return undefined;
  // A capital opening the sentence may be a name too (`Flopsy, Mopsy …`): only an adverb there may go.
  if (from === 0 && !terms[0]?.tags.has('Adverb')) return undefined;
  // Never half a hyphenated word (`stand-in`).
  if (/-$/.test(terms[from - 1]?.post ?? '') || /-$/.test(terms[to - 1]?.post ?? '')) return undefined;
  const rest = [...terms.slice(0, from), ...terms.slice(to)];
  if (rest.length < 3 || firstFiniteVerb(rest) < 0) return undefined;
  const before = rest[from - 1];
  const lastDropped = terms[to - 1];
  // An adjective of a list before its noun goes with its comma (`a damp, drizzly November` -> `a drizzly
  // November` or `a damp November`); `fell slowly, for` keeps the comma.
  const adjective = to - from === 1 && lastDropped?.tags.has('Adjective') && terms[to]?.tags.has('Noun');
  if (adjective && before?.tags.has('Adjective') && /,/.test(before.post))
    rest[from - 1] = { ...before, post: ' ' };
  else if (before && lastDropped && /[,;:.!?]/.test(lastDropped.post) && !/[,;:]/.test(before.post))
    if (!(lastDropped.tags.has('Adjective') && to - from === 1 && to < terms.length))
      rest[from - 1] = { ...before, post: lastDropped.post };
  return sentenceOfTerms(rest, end);
}

/** Whether a term is an adverb the sentence reads well without (`suddenly`, `very`, `straight`). */
function isOptionalAdverb(terms: readonly SentenceTerm[], index: number): boolean {
  const term = terms[index];
  if (!term?.tags.has('Adverb') || term.tags.has('Particle') || term.tags.has('Verb')) return false;
  if (KEPT_ADVERBS.test(term.normal) || KEPT_WORDS.test(term.normal)) return false;
  // `she was very` leans on its adverb; `very tired` does not.
  const previous = terms[index - 1];
  const next = terms[index + 1];
  // `no longer`, `more easily`, `very slowly`: the word before leans on this one; `instead of` is one word.
  if (LEANING.test(previous?.normal ?? '') || next?.normal === 'of') return false;
  return !(previous?.tags.has('Copula') && !next?.tags.has('Adjective'));
}

/** Whether a term is an adjective before its noun (`the broad sweep`), never one after `was`. */
function isAttributiveAdjective(terms: readonly SentenceTerm[], index: number): boolean {
  const term = terms[index];
  const next = terms[index + 1];
  const previous = terms[index - 1];
  // `French beans`: compromise tags a demonym a proper noun, but it describes its noun like an adjective.
  const describes = term?.tags.has('Adjective') || term?.tags.has('Demonym');
  if (!term || !describes || term.tags.has('Value') || !next || previous?.tags.has('Copula')) return false;
  if (term.tags.has('Verb') || KEPT_WORDS.test(term.normal)) return false;
  // `no longer`, `not many`, `more beautiful`: the word before leans on this one.
  if (LEANING.test(previous?.normal ?? '')) return false;
  return (next.tags.has('Noun') || next.tags.has('Adjective')) && !next.tags.has('Pronoun');
}

/** Whether a term is a noun describing the noun after it (`coffin warehouses`, `the inn door`). */
function isNounAdjunct(terms: readonly SentenceTerm[], index: number): boolean {
  const term = terms[index];
  const next = terms[index + 1];
  const previous = terms[index - 1];
  if (!term || !next || !previous) return false;
  const plainNoun = (other: SentenceTerm) =>
    other.tags.has('Noun') &&
    !other.tags.has('Pronoun') &&
    !other.tags.has('Possessive') &&
    !other.tags.has('Verb');
  // `the girl Grethel`: a noun before a name is what the name is, not a modifier; `a little` keeps its `a`
  // however compromise tags it.
  if (isName(terms, index + 1) || /^(?:a|an|the)$/.test(term.normal)) return false;
  // The last noun of the run is its head; the ones before it describe it.
  return plainNoun(term) && plainNoun(next) && !term.tags.has('Plural') && !/[,;:.!?-]/.test(term.post);
}

/** The end (exclusive) of the prepositional phrase that starts at `preposition`, or -1 when it is not one. */
function phraseEnd(terms: readonly SentenceTerm[], preposition: number): number {
  const next = terms[preposition + 1];
  const word = terms[preposition]?.normal;
  // `of` completes its noun (`in want of a wife`, `a pail of whitewash`): not an extra phrase.
  if (!next || next.tags.has('Verb') || word === 'of' || /[,;:]/.test(terms[preposition]?.post ?? ''))
    return -1;
  let stop = preposition + 1;
  while (stop < terms.length) {
    const term = terms[stop] as SentenceTerm;
    const ofPhrase = term.normal === 'of' && stop > preposition + 1;
    const nominal =
      term.tags.has('Noun') ||
      term.tags.has('Determiner') ||
      term.tags.has('Adjective') ||
      term.tags.has('Value') ||
      term.tags.has('Possessive');
    if (
      !ofPhrase &&
      (!nominal || term.tags.has('Preposition') || term.tags.has('Verb') || PHRASE_BREAK.test(term.normal))
    )
      break;
    stop++;
    if (/[,;:.!?]/.test(term.post)) break;
  }
  const phrase = terms.slice(preposition + 1, stop);
  if (phrase.some((term) => SUBJECT_PRONOUN.test(term.normal))) return -1;
  const after = terms[stop];
  if (after?.tags.has('Verb')) return -1;
  return phrase.some((term) => term.tags.has('Noun') && !term.tags.has('Pronoun')) ? stop : -1;
}

/**
 * The sentence without what comes before its subject: an opening prepositional phrase (`Once upon a time there
 * were …`, `In another moment down went Alice`), a time (`Some years ago they …`) or a subordinate clause
 * before a comma (`However little known …, this truth is …`).
 */
function openingDrops(terms: readonly SentenceTerm[], verb: number, end: string): Array<string | undefined> {
  const drops: Array<string | undefined> = [];
  const start = terms[0]?.normal === 'once' && terms[1]?.tags.has('Preposition') ? 1 : 0;
  if (terms[start]?.tags.has('Preposition')) {
    const stop = phraseEnd(terms, start);
    if (stop > 0 && stop <= verb) drops.push(withoutOpening(terms, stop, end));
  }
  // A time before the subject (`Some years ago they …`, `All day he …`).
  let time = 0;
  while (time < verb && /^(?:some|all|one|every|each|that|this)$/.test(terms[time]?.normal ?? '')) time++;
  while (time < verb && terms[time]?.tags.has('Date')) time++;
  const subject = terms[time];
  if (time > 0 && terms[time - 1]?.tags.has('Date') && subject?.tags.has('Pronoun'))
    drops.push(withoutOpening(terms, time, end));
  if (opensWithSubordinate(terms)) {
    // The main clause after the comma has its own subject and finite verb.
    const comma = terms.findIndex((term) => /,/.test(term.post));
    const main = comma < 0 ? [] : terms.slice(comma + 1);
    const mainVerb = firstFiniteVerb(main);
    if (mainVerb > 0 && main.slice(0, mainVerb).some((term) => term.tags.has('Noun')))
      drops.push(withoutOpening(terms, comma + 1, end));
  }
  return drops;
}

/** The sentence from `from` on, as a sentence of its own, when no name goes and a subject and verb stay. */
function withoutOpening(terms: readonly SentenceTerm[], from: number, end: string): string | undefined {
  for (let index = 0; index < from; index++) if (isName(terms, index)) return undefined;
  const rest = terms.slice(from);
  if (rest.length < 3 || firstFiniteVerb(rest) < 0) return undefined;
  return sentenceOfTerms([{ ...(rest[0] as SentenceTerm), pre: '' }, ...rest.slice(1)], end);
}

/**
 * Shorter forms of one sentence for a picture book, each without one optional modifier: an adverb
 * (`suddenly`), an adjective before its noun (`the broad sweep`), a prepositional phrase after the verb's
 * first one (`… to the edge of the sky in all directions`), or an aside between commas that opens with an
 * adverb, a participle or a preposition (`, never once considering …,`). Names, quotations, and the subject
 * and finite verb of the sentence are never dropped.
 *
 * @example
 * ```ts
 * modifierDrops('He suddenly flung down his brush.'); // ['He flung down his brush.', …]
 * ```
 */
export function modifierDrops(sentence: string): string[] {
  const terms = termsOf(sentence);
  const quoted = quotedTerms(terms);
  const verb = firstFiniteVerb(terms);
  if (verb < 0) return [];
  const end = endOf(sentence);
  const drops: Array<string | undefined> = [...openingDrops(terms, verb, end)];
  let prepositions = 0;
  for (let index = 0; index < terms.length; index++) {
    const term = terms[index] as SentenceTerm;
    if (quoted[index] || index === verb) continue;
    if (isOptionalAdverb(terms, index) || isAttributiveAdjective(terms, index) || isNounAdjunct(terms, index))
      drops.push(without(terms, index, index + 1, end));
    // Two modifiers joined by `and` go together (`his dark and lowly little house` -> `his little house`).
    if (
      COORDINATOR.test(terms[index + 1]?.normal ?? '') &&
      (isAttributiveAdjective(terms, index) || isOptionalAdverb(terms, index)) &&
      (isAttributiveAdjective(terms, index + 2) || isOptionalAdverb(terms, index + 2))
    )
      drops.push(without(terms, index, index + 3, end));
    if (index > verb && term.tags.has('Preposition')) {
      prepositions++;
      const stop = phraseEnd(terms, index);
      // After `be` the phrase is what the verb says (`must be in want of a wife`): never dropped.
      const complement = terms[index - 1]?.tags.has('Copula') || terms[index - 1]?.normal === 'be';
      if (prepositions > 1 && stop > 0 && !complement && !quoted.slice(index, stop).some(Boolean))
        drops.push(without(terms, index, stop, end));
    }
    // An aside after a comma: `, never once considering how …` up to the next comma or the end.
    const next = terms[index + 1];
    if (/,/.test(term.post) && next && !quoted[index + 1] && index + 1 > verb) {
      const opensAside =
        next.tags.has('Adverb') ||
        next.tags.has('Negative') ||
        next.tags.has('Gerund') ||
        next.tags.has('Preposition');
      let stop = index + 1;
      while (stop < terms.length - 1 && !/[,;:]/.test(terms[stop]?.post ?? '')) stop++;
      const aside = terms.slice(index + 1, stop + 1);
      const ownClause = aside.some((other) => isFiniteVerb(other) && !other.tags.has('Gerund'));
      const adverbial = next.tags.has('Adverb') || next.tags.has('Negative') || next.tags.has('Gerund');
      if (opensAside && !(ownClause && !adverbial)) drops.push(without(terms, index + 1, stop + 1, end));
    }
  }
  return [...new Set(drops.filter((drop): drop is string => drop !== undefined && drop !== sentence))];
}

/**
 * A sentence summarised to its subject, verb and object (or first prepositional phrase, or the adjective after
 * `was`), the last resort for a picture book: `Not a tree nor a house broke the broad sweep of flat country
 * that reached …` -> `Not a tree nor a house broke the broad sweep.` `undefined` when nothing would go, or a
 * name or a quotation would.
 */
export function summary(sentence: string): string | undefined {
  const terms = termsOf(sentence);
  if (quotedTerms(terms).some(Boolean) || opensWithSubordinate(terms)) return undefined;
  const verb = firstFiniteVerb(terms);
  // The verb needs its subject before it: `Encased in the skin of a sheep, he pastured …` opens with a
  // participle, and a summary there would drop the main clause.
  if (verb <= 0 || !terms.slice(0, verb).some(isNominal)) return undefined;
  let stop = verb + 1;
  // The verb group: auxiliaries, participles, particles and `not` (`had been working`, `went down`).
  while (stop < terms.length) {
    const term = terms[stop] as SentenceTerm;
    if (!(term.tags.has('Verb') || term.tags.has('Particle') || term.normal === 'not')) break;
    if (/[,;:]/.test(terms[stop - 1]?.post ?? '')) break;
    stop++;
  }
  // The object or complement: a noun phrase (a pronoun only as its first word: `made her`), or an adjective.
  const complement = (from: number): number => {
    let to = from;
    while (to < terms.length) {
      const term = terms[to] as SentenceTerm;
      const pronoun = term.tags.has('Pronoun') && !term.tags.has('Possessive');
      const nominal =
        term.tags.has('Noun') ||
        term.tags.has('Determiner') ||
        term.tags.has('Adjective') ||
        term.tags.has('Value');
      if (!nominal || term.tags.has('Preposition') || PHRASE_BREAK.test(term.normal)) break;
      if (pronoun && (to > from || SUBJECT_PRONOUN.test(term.normal))) break;
      to++;
      if (/[,;:.!?]/.test(term.post)) break;
      // `a woman of mean understanding`: `of` and its noun belong to the object.
      if (terms[to]?.normal === 'of' && !/[,;:]/.test(term.post)) to++;
    }
    return to;
  };
  let objectEnd = complement(stop);
  if (objectEnd === stop && terms[stop]?.tags.has('Preposition')) {
    objectEnd = complement(stop + 1);
    if (objectEnd === stop + 1) return undefined;
  }
  // Nothing after the verb, or a clause of its own after the object (`made her feel …`): no summary.
  const after = terms[objectEnd];
  if (objectEnd === stop || objectEnd >= terms.length || !after || after.tags.has('Verb')) return undefined;
  // `had little or no money`: the object goes on past `or`, so half of it is no summary.
  if (/^(?:and|or|nor)$/.test(after.normal) && !/[,;:]/.test(terms[objectEnd - 1]?.post ?? ''))
    return undefined;
  // A whole clause after a semicolon or colon (`…; the gate was closed`) or after `and` / `or` (`…, or she
  // fell`) is the clause cutter's to move, never a summary's to drop.
  for (let at = objectEnd - 1; at < terms.length - 1; at++) {
    const term = terms[at] as SentenceTerm;
    const joined = /[;:]/.test(term.post) || /^(?:and|or|nor|but)$/.test(terms[at + 1]?.normal ?? '');
    if (!joined) continue;
    const rest = terms.slice(at + 1);
    const clause = sentenceOfTerms(
      /^(?:and|or|nor|but)$/.test(rest[0]?.normal ?? '') ? rest.slice(1) : rest,
      '.',
    );
    if (clause !== undefined && isWholeSentence(clause)) return undefined;
  }
  const kept = without(terms, objectEnd, terms.length, endOf(sentence));
  return kept === sentence ? undefined : kept;
}
