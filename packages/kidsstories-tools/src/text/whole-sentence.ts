// Whether a sentence made by the refiner's edits can stand alone (issue 19): a subject and a finite verb, no
// bare verb first, no subordinate or relative clause alone, no clause left without its verb.
import { isFiniteVerb, isNominal, type SentenceTerm, termsOf } from './sentence-terms.js';

// Words that may stand before a sentence's subject without being it (`Then he ate`, `First, she tried`).
const SEQUENCE_OPENERS = /^(?:then|first|so|and|but|next|soon|also|now|still|thus)$/;

/**
 * Whether a sentence opens with a verb that has no subject before it, after any sequence words and adverbs
 * (`Took it for …`, `Fiercely attacked the Dog.`, `Make out what …`): an imperative, or a fragment cut from a
 * longer sentence. A copula, modal or auxiliary first (`Was it …?`) is a question, not one.
 */
export function opensWithBareVerb(terms: readonly SentenceTerm[]): boolean {
  let at = 0;
  while (
    at < terms.length - 1 &&
    (SEQUENCE_OPENERS.test(terms[at]?.normal ?? '') ||
      (terms[at]?.tags.has('Adverb') && !terms[at]?.tags.has('Verb')))
  )
    at++;
  const term = terms[at];
  if (!term?.tags.has('Verb') || /["“]/.test(term.pre)) return false;
  return !term.tags.has('Copula') && !term.tags.has('Modal') && !term.tags.has('Auxiliary');
}

/** The subjects of a sentence's finite verbs: for each verb that follows its own subject, the subject's index. */
function subjectsOf(terms: readonly SentenceTerm[]): number[] {
  const subjects: number[] = [];
  for (const [index, term] of terms.entries()) {
    if (!isFiniteVerb(term) || terms[index - 1]?.normal === 'to') continue;
    let before = index - 1;
    while (before >= 0 && terms[before]?.tags.has('Adverb') && !/[,;:]/.test(terms[before]?.post ?? ''))
      before--;
    const subject = terms[before];
    const demonstrative = /^(?:this|that|these|those)$/.test(subject?.normal ?? '');
    if (subject && (isNominal(subject) || demonstrative) && !/[,;:]/.test(subject.post))
      subjects.push(before);
  }
  return subjects;
}

/** How many finite verbs of a sentence follow their own subject (`she was bored she took` has two). */
export function subjectVerbPairs(terms: readonly SentenceTerm[]): number {
  return subjectsOf(terms).length;
}

// Words that make the clause after them subordinate or relative (`that which he grasped at`).
const SUBORDINATING =
  /^(?:which|who|whom|whose|that|what|because|if|when|whenever|while|though|although|unless|since|before|after|until|till|whether|where|how)$/;

/**
 * Whether every finite verb of a sentence belongs to a subordinate or relative clause (`That which he grasped
 * at.`, `His own, because the stream swept it away.`, `In times when wishing helped one.`): going back from
 * each verb, `which`, `because`, `when`… comes before any comma, other verb or the sentence's start.
 */
function onlySubordinateClauses(terms: readonly SentenceTerm[]): boolean {
  const verbs = finiteVerbsOf(terms);
  return verbs.length > 0 && verbs.every((verb) => isSubordinateVerb(terms, verb));
}

/** The indices of a sentence's finite verbs (not an infinitive after `to`). */
function finiteVerbsOf(terms: readonly SentenceTerm[]): number[] {
  return terms
    .map((term, index) => (isFiniteVerb(term) && terms[index - 1]?.normal !== 'to' ? index : -1))
    .filter((index) => index >= 0);
}

/** Whether, going back from a verb, `which`, `because`, `when`… comes before a comma, another verb or the start. */
function isSubordinateVerb(terms: readonly SentenceTerm[], verb: number): boolean {
  for (let at = verb - 1; at >= 0; at--) {
    const term = terms[at] as SentenceTerm;
    if (SUBORDINATING.test(term.normal)) return true;
    if (/[,;:]/.test(term.post) || isFiniteVerb(term)) return false;
  }
  return false;
}

// Conjunctions whose clause needs a subject and a verb of its own (`so pretty that the sun was astonished`).
const CLAUSE_CONJUNCTIONS =
  /^(?:that|when|whenever|because|if|whether|though|although|unless|since|until|till)$/;

/**
 * Whether a subordinate clause is left without its verb (`so pretty that the sun itself, which has seen so
 * much.`): after its conjunction no finite verb comes before a comma, and the comma is followed only by a
 * relative clause or by nothing.
 */
function hasVerblessClause(terms: readonly SentenceTerm[]): boolean {
  for (const [index, term] of terms.entries()) {
    if (!CLAUSE_CONJUNCTIONS.test(term.normal) || !terms[index + 1]?.tags.has('Determiner')) continue;
    let stop = index + 1;
    while (stop < terms.length - 1 && !/[,;:]/.test(terms[stop]?.post ?? '')) stop++;
    if (terms.slice(index + 1, stop + 1).some(isFiniteVerb)) continue;
    const after = terms[stop + 1];
    if (after === undefined) return true;
    if (!/^(?:which|who|whom|whose)$/.test(after.normal)) continue;
    // `that the sun itself, which has seen so much, was astonished`: the verb may follow the relative clause.
    let close = stop + 1;
    while (close < terms.length - 1 && !/[,;:]/.test(terms[close]?.post ?? '')) close++;
    const resumed = terms[close + 1];
    if (resumed === undefined || !isFiniteVerb(resumed)) return true;
  }
  return false;
}

/**
 * Whether the main verb of a sentence (its first finite verb outside a subordinate clause) has a subject: a
 * noun or pronoun before it, or a noun right after it in an inverted sentence (`In another moment down went
 * Alice`). `Fierce and blow through his nose.` has none.
 */
function hasSubject(terms: readonly SentenceTerm[]): boolean {
  // The main clause's verb: the first finite verb outside a subordinate clause.
  const verb = finiteVerbsOf(terms).find((index) => !isSubordinateVerb(terms, index));
  if (verb === undefined) return false;
  if (terms.slice(0, verb).some((term) => isNominal(term) || /^(?:this|that|these|those)$/.test(term.normal)))
    return true;
  const after = terms[verb + 1];
  return verb > 0 && after !== undefined && after.tags.has('Noun');
}

// Conjunctions that make the clause after them subordinate (`before she found …`).
const CLAUSE_SUBORDINATORS =
  /^(?:when|whenever|while|if|because|though|although|unless|whether|before|after|since|until|till|as|once)$/;

/**
 * Whether a sentence is only a subordinate clause, with no main clause to hang on (`Before she found herself
 * falling.`): it opens with a subordinating conjunction (not a preposition: `After dinner he slept.` is whole)
 * and has fewer than two subjects with a finite verb.
 */
export function isSubordinateOnly(terms: readonly SentenceTerm[]): boolean {
  const [first, second] = terms;
  if (!first) return false;
  // `That a man … must be.`: `that` before a determiner or a subject pronoun opens a clause.
  const thatClause =
    first.normal === 'that' &&
    (second?.tags.has('Determiner') || (second?.tags.has('Pronoun') && !second.tags.has('Possessive')));
  if (!CLAUSE_SUBORDINATORS.test(first.normal) && !thatClause) return false;
  const conjunction =
    thatClause ||
    first.tags.has('Conjunction') ||
    (second?.tags.has('Pronoun') && !second.tags.has('Possessive'));
  return conjunction === true && subjectVerbPairs(terms) < 2;
}

/** The first three words of a sentence, lower case. */
function openingOf(terms: readonly SentenceTerm[]): string {
  return terms
    .slice(0, 3)
    .map((term) => term.normal)
    .join(' ');
}

/**
 * Whether a sentence made by an edit can stand alone: it has a finite verb, is more than a subordinate clause,
 * and opens with its subject, not a bare verb, unless the sentence it was made from opened the same way with a
 * plain verb (`Call me Ishmael.` stays an imperative; `Encased in the skin …` was no imperative).
 *
 * @example
 * ```ts
 * isWholeSentence('Then she found herself falling.'); // true
 * isWholeSentence('Before she found herself falling.'); // false: a subordinate clause alone
 * isWholeSentence('Make out what she was coming to.', 'First, she tried to look down and make out …'); // false
 * ```
 */
export function isWholeSentence(sentence: string, source?: string): boolean {
  const terms = termsOf(sentence);
  // `Nothing much to interest me on shore.`: an infinitive after `to` is no finite verb.
  const finite = terms.some((term, index) => isFiniteVerb(term) && terms[index - 1]?.normal !== 'to');
  if (!finite || isSubordinateOnly(terms) || onlySubordinateClauses(terms) || hasVerblessClause(terms))
    return false;
  // A bare verb first is judged below; any other opening needs a subject for its verb.
  if (!opensWithBareVerb(terms) && !hasSubject(terms)) return false;
  if (!opensWithBareVerb(terms)) return true;
  const sourceTerms = source === undefined ? [] : termsOf(source);
  const verb = sourceTerms[0];
  return (
    verb !== undefined &&
    !verb.tags.has('PastTense') &&
    !verb.tags.has('Gerund') &&
    !verb.tags.has('Participle') &&
    openingOf(sourceTerms) === openingOf(terms)
  );
}
