import nlp from 'compromise';

/** One word of a sentence as compromise tags it, with the spacing and punctuation around it. */
export interface SentenceTerm {
  /** The word as written (`McGregor’s`). */
  text: string;
  /** Lower-case form without punctuation (`mcgregor's`). */
  normal: string;
  /** What precedes the word (opening quotes, brackets). */
  pre: string;
  /** What follows the word (punctuation and spaces). */
  post: string;
  /** compromise's part-of-speech tags (`Noun`, `PastTense`, `ProperNoun`…). */
  tags: ReadonlySet<string>;
}

interface CompromiseJsonTerm {
  text: string;
  normal: string;
  pre: string;
  post: string;
  tags: string[];
}

// Past tenses of classic prose that compromise's lexicon lacks (`Hard by a great forest dwelt a poor
// wood-cutter`): without them such a sentence has no verb to the tagger.
nlp.addWords({ dwelt: 'PastTense', spake: 'PastTense', smote: 'PastTense', bade: 'PastTense' });

// Sentences are tagged again and again while a text is refined: keep the tags of the last few hundred.
const CACHE_LIMIT = 500;
const cache = new Map<string, readonly SentenceTerm[]>();

/**
 * The words of a sentence tagged by compromise (POS tagging with its English lexicon and rules), in order;
 * joining `pre + text + post` of every term gives the sentence back. Results are cached per sentence.
 *
 * @example
 * ```ts
 * termsOf('Peter ran.').map((term) => term.tags.has('Verb')); // [false, true]
 * ```
 */
export function termsOf(sentence: string): readonly SentenceTerm[] {
  const cached = cache.get(sentence);
  if (cached) return cached;
  const json = nlp(sentence).json() as Array<{ terms: CompromiseJsonTerm[] }>;
  const terms = json.flatMap((part) =>
    part.terms.map((term) => ({
      text: term.text,
      normal: term.normal,
      pre: term.pre,
      post: term.post,
      tags: new Set(term.tags),
    })),
  );
  retag(terms);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value ?? '');
  cache.set(sentence, terms);
  return terms;
}

/**
 * Corrects two tagging slips of compromise that hide a clause (`Either the well was deep`: `well` an adverb,
 * `was` an adjective): a form of `be` is always a finite verb, and a word between a determiner and a form of
 * `be` is a noun.
 */
function retag(terms: Array<{ normal: string; tags: Set<string> }>): void {
  for (const term of terms) {
    if (/^(?:am|is|are|was|were)$/.test(term.normal) && !term.tags.has('Verb')) {
      term.tags.delete('Adjective');
      for (const tag of [
        'Verb',
        'Copula',
        term.normal === 'was' || term.normal === 'were' ? 'PastTense' : 'PresentTense',
      ])
        term.tags.add(tag);
    }
  }
  for (const [index, term] of terms.entries()) {
    const before = terms[index - 1];
    const after = terms[index + 1];
    if (
      before?.tags.has('Determiner') &&
      after?.tags.has('Copula') &&
      !term.tags.has('Noun') &&
      !term.tags.has('Adjective')
    ) {
      term.tags.delete('Adverb');
      term.tags.add('Noun');
      term.tags.add('Singular');
    }
  }
}

/** The text of a run of terms, without the run's leading `pre` and trailing `post`. */
export function textOfTerms(terms: readonly SentenceTerm[]): string {
  return terms
    .map((term, index) => {
      const pre = index === 0 ? '' : term.pre;
      const post = index === terms.length - 1 ? '' : term.post;
      return `${pre}${term.text}${post}`;
    })
    .join('');
}

/**
 * Whether a term is a finite verb (`ran`, `was`, `must`, `is calling`): a verb in a tense or a modal, not an
 * `-ing` form or participle on its own.
 */
export function isFiniteVerb(term: SentenceTerm): boolean {
  const { tags } = term;
  if (!tags.has('Verb') || tags.has('Gerund') || tags.has('Participle') || tags.has('Hyphenated'))
    return false;
  return isStrongVerb(term) || tags.has('PresentTense');
}

/**
 * Whether a term is a verb whose form leaves no doubt it is one (a past tense, a copula, a modal or an
 * auxiliary): `chairs` or `eyes` may be tagged as present-tense verbs, `drank` never is anything else.
 */
export function isStrongVerb(term: SentenceTerm): boolean {
  const { tags } = term;
  if (!tags.has('Verb') || tags.has('Gerund') || tags.has('Participle') || tags.has('Hyphenated'))
    return false;
  return tags.has('PastTense') || tags.has('Copula') || tags.has('Modal') || tags.has('Auxiliary');
}

/** Whether a term can stand as (the head of) a subject: a noun or a pronoun. */
export function isNominal(term: SentenceTerm): boolean {
  if (term.tags.has('Possessive') && term.tags.has('Pronoun')) return false;
  return (
    term.tags.has('Noun') || term.tags.has('Pronoun') || term.normal === 'there' || term.normal === 'here'
  );
}

/** Whether compromise finds a verb in a sentence (any form). */
export function hasVerb(sentence: string): boolean {
  return termsOf(sentence).some((term) => term.tags.has('Verb'));
}

// Words that open a subordinate clause before the main one.
const SUBORDINATORS =
  /^(?:however|when|whenever|while|if|because|though|although|as|since|once|whether|after|before|until|till|unless)$/;

/** Whether a sentence opens with a subordinate clause (`However little known …, this truth is …`). */
export function opensWithSubordinate(terms: readonly SentenceTerm[]): boolean {
  return SUBORDINATORS.test(terms[0]?.normal ?? '');
}

// Words that end no sentence.
const NO_END = /^(?:a|an|the|of|and|or|but|his|her|their|its|my|our|your|to|with|in|on)$/;

/**
 * A sentence from a run of terms: opening and closing quotation marks are kept (`He said “Bother!”`), trailing
 * commas dropped, and `end` added unless the run already ends a quotation with its own punctuation.
 */
export function sentenceOfTerms(terms: readonly SentenceTerm[], end: string): string | undefined {
  const first = terms[0];
  const last = terms[terms.length - 1];
  if (!first || !last) return undefined;
  const opening = /[“"]/.test(first.pre) ? first.pre.trim() : '';
  const closing = /[”"]/.test(last.post) ? last.post.trim().replace(/[,;:]+$/, '') : '';
  const body = `${opening}${textOfTerms(terms)}${closing}`.replace(/[\s,;:—–-]+$/, '');
  // `when spoken to`: a preposition may end a sentence right after its verb.
  const strandedAfterVerb =
    /^(?:to|in|on|with)$/.test(last.normal) && terms[terms.length - 2]?.tags.has('Verb');
  if (closing === '' && NO_END.test(last.normal) && !strandedAfterVerb) return undefined;
  const text = body.replace(
    /^(["“‘]?)([a-z])/,
    (_, quote: string, letter: string) => quote + letter.toUpperCase(),
  );
  return /[.!?]["”’']?$/.test(text) ? text : `${text.replace(/[.!?]+$/, '')}${end}`;
}

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
