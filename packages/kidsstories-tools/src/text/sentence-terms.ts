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
