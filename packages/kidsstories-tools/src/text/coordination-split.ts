import { endOf, firstFiniteVerb, quotedTerms, subjectOf } from './clause-cut.js';
import {
  isStrongVerb,
  opensWithSubordinate,
  type SentenceTerm,
  sentenceOfTerms,
  termsOf,
  textOfTerms,
} from './sentence-terms.js';
import { canBeAdjective } from './word-simplifier.js';

// Words that join the items of a list or the verbs of a compound predicate.
const COORDINATORS = /^(?:and|or)$/;
// Between the verb and the `and`, these open a clause of their own: the `and` may belong to it, never split.
const CLAUSE_OPENERS =
  /^(?:who|whom|whose|which|that|when|while|where|whether|if|because|though|although|as|till|until|before|after|than|what|how)$/;
// A determiner that every item of a list shares (`his throat and eyes` -> `his eyes`); `a` is not one of them.
const SHARED_DETERMINER = /^(?:the|his|her|its|their|my|our|your)$/;
// Sequence words that open a sentence once (`First he ate …`), never its copies (`He ate …`).
const SEQUENCE_WORDS = /^(?:first|then|so|also|even|only|just|next|and|but)$/;
// Clause openers that are prepositions too (`before she fell`, `before coffin warehouses`).
const PREPOSITION_LIKE = /^(?:before|after|till|until|as)$/;

/**
 * Whether a term opens a clause of its own: a relative pronoun or conjunction, but not a preposition before a
 * noun (`pausing before coffin warehouses`).
 */
function opensClause(term: SentenceTerm, stretch: readonly SentenceTerm[]): boolean {
  if (!CLAUSE_OPENERS.test(term.normal)) return false;
  if (!PREPOSITION_LIKE.test(term.normal)) return true;
  const next = stretch[0];
  const subjectNext = next?.tags.has('Pronoun') && !next.tags.has('Possessive');
  return subjectNext === true || stretch.some(isStrongVerb);
}

/** A noun-phrase word: determiner, possessive, adjective, noun or number, not a personal pronoun. */
function isNounLike(term: SentenceTerm): boolean {
  const { tags } = term;
  if (tags.has('Pronoun') && !tags.has('Possessive')) return false;
  if (tags.has('Verb') && !tags.has('Noun')) return false;
  return (
    tags.has('Determiner') ||
    tags.has('Possessive') ||
    tags.has('Adjective') ||
    tags.has('Noun') ||
    tags.has('Value')
  );
}

/** The terms a copied sentence opens with: the original opening less its sequence words (`First`, `Then`). */
function copiedOpening(terms: readonly SentenceTerm[]): readonly SentenceTerm[] {
  let start = 0;
  while (start < terms.length - 1 && SEQUENCE_WORDS.test(terms[start]?.normal ?? '')) start++;
  return terms.slice(start);
}

/** The index just past a quotation that starts at `start`, or past the noun phrase that does; `start` when neither. */
function itemEnd(terms: readonly SentenceTerm[], quoted: readonly boolean[], start: number): number {
  let stop = start;
  if (quoted[start]) {
    while (stop < terms.length && quoted[stop] && !/[”"]/.test(terms[stop]?.post ?? '')) stop++;
    return stop < terms.length ? stop + 1 : start;
  }
  while (stop < terms.length) {
    const term = terms[stop] as SentenceTerm;
    // `eyes` after `and` is tagged a verb by compromise: a bare present-tense word ending in -s counts as a noun.
    const pluralVerb =
      stop === start && term.tags.has('PresentTense') && !isStrongVerb(term) && /s$/.test(term.normal);
    if (quoted[stop] || (!isNounLike(term) && !pluralVerb)) break;
    stop++;
    if (/[,;:.!?]/.test(term.post)) break;
  }
  return stop;
}

/** Items of the list that ends just before `and` at `k`: `[start, end)` ranges, or `undefined` when none is. */
function listBefore(
  terms: readonly SentenceTerm[],
  quoted: readonly boolean[],
  verb: number,
  k: number,
): Array<[number, number]> | undefined {
  let start = k;
  while (start - 1 > verb && (isNounLike(terms[start - 1] as SentenceTerm) || quoted[start - 1])) start--;
  const before = terms[start - 1];
  // A list is the object of a verb or a preposition; after `was` it describes the subject: keep it whole.
  if (start === k || !before || before.tags.has('Copula')) return undefined;
  if (!before.tags.has('Verb') && !before.tags.has('Preposition')) return undefined;
  // `was called Hansel and the girl Grethel`: after a passive the `and` may join whole clauses with a verb left out.
  if (before.tags.has('Verb') && terms.slice(verb, start - 1).some((term) => term.tags.has('Copula')))
    return undefined;
  const items: Array<[number, number]> = [];
  let itemStart = start;
  for (let index = start; index < k; index++) {
    if (/,/.test(terms[index]?.post ?? '') || index === k - 1) {
      items.push([itemStart, index + 1]);
      itemStart = index + 1;
    }
  }
  // Two bare singular nouns are one thing (`pistol and ball`, `rum and water`): no list to split.
  const bare = (at: number) => {
    const term = terms[at];
    return term?.tags.has('Noun') && !term.tags.has('Plural') && !term.tags.has('Pronoun');
  };
  const [only] = items;
  const afterPair = terms[k + 2];
  if (
    items.length === 1 &&
    only &&
    only[1] - only[0] === 1 &&
    bare(only[0]) &&
    bare(k + 1) &&
    !(afterPair && isNounLike(afterPair))
  )
    return undefined;
  // `his dark and lowly little house`: a word that can be an adjective before `and` and a modifier after it
  // describe one noun together, whatever compromise tags them.
  const lastItem = items[items.length - 1];
  const afterAnd = terms[k + 1];
  const lastWord = lastItem ? terms[lastItem[1] - 1] : undefined;
  if (
    lastWord &&
    afterAnd &&
    canBeAdjective(lastWord.normal) &&
    (afterAnd.tags.has('Adjective') || afterAnd.tags.has('Adverb') || canBeAdjective(afterAnd.normal)) &&
    !afterAnd.tags.has('Determiner')
  )
    return undefined;
  // Each item ends with its noun (`his throat`), or is a quotation; `sleepy and stupid` is no list of things.
  const nounItems = items.every(([, to]) => {
    const last = terms[to - 1];
    return quoted[to - 1] || (last?.tags.has('Noun') && !last.tags.has('Adjective'));
  });
  return nounItems ? items : undefined;
}

/**
 * The ways to split one sentence at a coordination into sentences of its own, each repeating what the parts
 * share: a list of objects (`He ate lettuces and beans.` -> `He ate lettuces. He ate beans.`), of prepositional
 * phrases (`in the air and in the earth`) or of quotations (`He said “Bother!” and “O blow!”`), and a compound
 * predicate (`He flung down his brush and bolted out.` -> `He flung down his brush. He bolted out.`). Lists
 * after `was` (`Their names were Flopsy, Mopsy…`), subjects and anything inside a quotation are never split.
 *
 * @example
 * ```ts
 * coordinationSplits('First he ate some lettuces and some beans.');
 * // [['First he ate some lettuces.', 'He ate some beans.']]
 * ```
 */
export function coordinationSplits(sentence: string): string[][] {
  const terms = termsOf(sentence);
  const quoted = quotedTerms(terms);
  const verb = firstFiniteVerb(terms);
  if (verb < 0) return [];
  // `However little known the feelings or views … may be, …`: a sentence that opens with a subordinate clause
  // is two clauses, and its coordinations may belong to either.
  if (opensWithSubordinate(terms)) return [];
  const end = endOf(sentence);
  const splits: string[][] = [];
  if (!quoted.some(Boolean)) {
    const split = modalCommaSplit(terms, verb, end);
    if (split) splits.push(split);
  }
  for (let k = verb + 1; k < terms.length - 1; k++) {
    const conjunction = terms[k] as SentenceTerm;
    if (!COORDINATORS.test(conjunction.normal) || quoted[k]) continue;
    // One clause from the verb on: no clause opener before the `and`, no semicolon or dash anywhere after the verb.
    if (terms.slice(verb, k).some((term, at) => opensClause(term, terms.slice(verb + at + 1, k)))) continue;
    if (terms.slice(verb, terms.length - 1).some((term) => /[;:—]/.test(term.post))) continue;
    let start = k + 1;
    while (
      start < terms.length - 1 &&
      SEQUENCE_WORDS.test(terms[start]?.normal ?? '') &&
      terms[start]?.tags.has('Adverb')
    )
      start++;
    const head = terms[start] as SentenceTerm;
    const split = quoted[start]
      ? listSplit(terms, quoted, verb, k, start, end)
      : head.tags.has('Infinitive') && !isStrongVerb(head) && infinitiveSplit(terms, verb, k, start, end)
        ? infinitiveSplit(terms, verb, k, start, end)
        : isStrongVerb(head)
          ? predicateSplit(terms, k, start, end)
          : head.tags.has('Preposition') || head.tags.has('Gerund')
            ? phraseSplit(terms, verb, k, start, end)
            : isNounLike(head) || head.tags.has('PresentTense')
              ? listSplit(terms, quoted, verb, k, start, end)
              : undefined;
    if (split) splits.push(split);
  }
  return splits;
}

/** `He flung down his brush and bolted out.` -> `He flung down his brush.` `He bolted out.` */
function predicateSplit(
  terms: readonly SentenceTerm[],
  k: number,
  start: number,
  end: string,
): string[] | undefined {
  const subject = subjectOf(terms);
  // The subject is repeated: only a plain noun phrase or pronoun (never `He at` from `He at once let go`).
  if (
    subject === undefined ||
    termsOf(subject.text).some(
      (term) =>
        !/^(?:Noun|Determiner|Adjective|Possessive|Pronoun|Value|ProperNoun)/.test(
          [...term.tags].join(' '),
        ) ||
        term.tags.has('Preposition') ||
        term.tags.has('Adverb'),
    )
  )
    return undefined;
  // `and he went` has a subject of its own: the clause cutter's case, not this one.
  const first = sentenceOfTerms(terms.slice(0, k), '.');
  const second = sentenceOfTerms(termsOf(`${subject.text} ${textOfTerms(terms.slice(start))}`), end);
  return first && second ? [first, second] : undefined;
}

/**
 * `Spring was moving in the air and in the earth.` -> one sentence per prepositional phrase; the same for two
 * `-ing` phrases (`a way of driving off the spleen and steadying the blood`).
 */
function phraseSplit(
  terms: readonly SentenceTerm[],
  verb: number,
  k: number,
  start: number,
  end: string,
): string[] | undefined {
  // The left phrase opens with the same kind of word as the right one: a preposition or an -ing form.
  const gerund = terms[start]?.tags.has('Gerund');
  // compromise may tag the left `-ing` form a noun (`of driving off the spleen`).
  const opensPhrase = (term: SentenceTerm | undefined) =>
    term !== undefined &&
    (gerund ? term.tags.has('Gerund') || /^[a-z]+ing$/.test(term.normal) : term.tags.has('Preposition'));
  let preposition = k - 1;
  while (preposition > verb && !opensPhrase(terms[preposition])) preposition--;
  // `pausing before warehouses, and bringing …`: a comma may stand before the `and`, nowhere else.
  if (preposition <= verb || terms.slice(preposition, k - 1).some((term) => /[,;:]/.test(term.post)))
    return undefined;
  const first = sentenceOfTerms(terms.slice(0, k), '.');
  const second = sentenceOfTerms([...copiedOpening(terms.slice(0, preposition)), ...terms.slice(start)], end);
  return first && second ? [first, second] : undefined;
}

/** `He ate lettuces, beans and radishes.` -> `He ate lettuces.` `He ate beans.` `He ate radishes.` */
function listSplit(
  terms: readonly SentenceTerm[],
  quoted: readonly boolean[],
  verb: number,
  k: number,
  start: number,
  end: string,
): string[] | undefined {
  // `had little money in my purse, and nothing to interest me`: one item and a comma before `and` join two
  // objects of the verb, not two nouns after the preposition.
  if (/,/.test(terms[k - 1]?.post ?? '')) {
    const item = listBefore(terms, quoted, verb, k);
    if (item?.length === 1) return objectSplit(terms, verb, k, start, end);
  }
  const items = listBefore(terms, quoted, verb, k);
  const firstItem = items?.[0];
  if (!items || !firstItem) return undefined;
  const stop = itemEnd(terms, quoted, start);
  if (stop === start) return undefined;
  const opening = terms.slice(0, firstItem[0]);
  const copy = copiedOpening(opening);
  const shared = terms[firstItem[0]];
  const sharedDeterminer = shared && SHARED_DETERMINER.test(shared.normal) ? shared : undefined;
  const withDeterminer = (item: readonly SentenceTerm[]): readonly SentenceTerm[] => {
    const lead = item[0];
    if (!sharedDeterminer || !lead || quoted[terms.indexOf(lead)]) return item;
    if (lead.tags.has('Determiner') || lead.tags.has('Possessive') || lead.tags.has('Value')) return item;
    return [{ ...sharedDeterminer, post: ' ' }, ...item];
  };
  const sentences: Array<string | undefined> = items.map(([from, to], index) =>
    sentenceOfTerms([...(index === 0 ? opening : copy), ...withDeterminer(terms.slice(from, to))], '.'),
  );
  // The last item keeps whatever follows it (`a pail of whitewash`, `and bolted out…`).
  sentences.push(sentenceOfTerms([...copy, ...withDeterminer(terms.slice(start))], end));
  return sentences.every((sentence) => sentence !== undefined) ? (sentences as string[]) : undefined;
}

/** `I had money in my purse, and nothing to do.` -> `I had money in my purse.` `I had nothing to do.` */
function objectSplit(
  terms: readonly SentenceTerm[],
  verb: number,
  k: number,
  start: number,
  end: string,
): string[] | undefined {
  const verbTerm = terms[verb];
  // Only after a verb that takes an object: `was` describes, never lists.
  if (!verbTerm || verbTerm.tags.has('Copula') || terms[verb + 1]?.tags.has('Verb')) return undefined;
  const first = sentenceOfTerms(terms.slice(0, k), '.');
  const second = sentenceOfTerms([...copiedOpening(terms.slice(0, verb + 1)), ...terms.slice(start)], end);
  return first && second ? [first, second] : undefined;
}

/**
 * `I would sail about and see the world.` -> `I would sail about.` `I would see the world.`; the same after
 * `to` (`she tried to look down and make out …`): the copy repeats everything up to the modal or `to`.
 */
function infinitiveSplit(
  terms: readonly SentenceTerm[],
  verb: number,
  k: number,
  start: number,
  end: string,
): string[] | undefined {
  let governor = k - 1;
  while (
    governor >= verb &&
    !(
      (terms[governor]?.tags.has('Modal') || terms[governor]?.normal === 'to') &&
      terms[governor + 1]?.tags.has('Verb')
    )
  )
    governor--;
  if (governor < verb) return undefined;
  // One clause between the modal and the `and`: no comma, no second subject.
  if (terms.slice(governor, k - 1).some((term) => /[,;:]/.test(term.post))) return undefined;
  const first = sentenceOfTerms(terms.slice(0, k), '.');
  const second = sentenceOfTerms(
    [...copiedOpening(terms.slice(0, governor + 1)), ...terms.slice(start)],
    end,
  );
  return first && second ? [first, second] : undefined;
}

/**
 * `He would not speak when spoken to, only look up and blow.` -> `He would not speak when spoken to.` `He would
 * only look up and blow.`: a second verb after a comma, in the bare form, depends on the modal before it; the
 * copy repeats the subject and the modal (not its `not`, which belongs to the first verb).
 */
function modalCommaSplit(terms: readonly SentenceTerm[], verb: number, end: string): string[] | undefined {
  const modal = terms.findIndex((term, index) => index >= verb && term.tags.has('Modal'));
  if (modal < 0) return undefined;
  const comma = terms.findIndex((term, index) => index > modal + 1 && /[,;:]/.test(term.post));
  if (comma < 0 || !/,/.test(terms[comma]?.post ?? '')) return undefined;
  let next = comma + 1;
  while (terms[next]?.tags.has('Adverb') && !terms[next]?.tags.has('Verb')) next++;
  const head = terms[next];
  if (!head?.tags.has('Infinitive') || isStrongVerb(head) || head.tags.has('Gerund')) return undefined;
  const first = sentenceOfTerms(terms.slice(0, comma + 1), '.');
  const second = sentenceOfTerms(
    [...copiedOpening(terms.slice(0, modal + 1)), ...terms.slice(comma + 1)],
    end,
  );
  return first && second ? [first, second] : undefined;
}
