import nlp from 'compromise';
import {
  isFiniteVerb,
  isNominal,
  isStrongVerb,
  type SentenceTerm,
  termsOf,
  textOfTerms,
} from './sentence-terms.js';
import { isWholeSentence, subjectVerbPairs } from './whole-sentence.js';

// Conjunctions and subordinators that may open a clause once it stands alone as a sentence; they are dropped
// there (`, and squeezed under the gate` -> `Peter squeezed under the gate.`). Words that carry a condition or
// a contrast the reader needs (`if`, `because`, `though`, `unless`) are never cut at.
const DROPPED_OPENERS = new Set([
  'and',
  'but',
  'so',
  'or',
  'yet',
  'for',
  'that',
  'as',
  'when',
  'whenever',
  'while',
  'till',
  'until',
]);
// Subordinators kept before a clause that has its main clause after it (`when she was bored she took …`).
const SUBORDINATE_OPENERS = /^(?:when|whenever|while|till|until|as)$/;
// A clause opening with one of these is a condition or comparison: never a sentence on its own.
const BOUND_OPENERS = new Set([
  'if',
  'because',
  'though',
  'although',
  'unless',
  'whether',
  'than',
  'which',
  'who',
  'whom',
  'whose',
  'where',
  'what',
  'how',
  'nor',
  'not',
]);
// Adverbs that may stand before a copied subject (`Then the rabbit-hole dipped down.`).
const LEADING_ADVERBS = new Set(['then', 'first', 'soon', 'also', 'only', 'never', 'still', 'now']);
// Words that end no sentence: a cut leaving one of these last is a dangling fragment.
const NO_END = /^(?:a|an|the|of|and|or|but|his|their|its|my|our|your)$/;

interface Cut {
  sentences: string[];
  score: number;
}

function capitalise(text: string): string {
  return text.replace(/^(["“]?)([a-z])/, (_, quote: string, letter: string) => quote + letter.toUpperCase());
}

/** Terms with leading conjunctions and subordinators removed. */
/** Whether a term may open a clause before its subject (`then`, `suddenly`). */
function isLeadingAdverb(term: SentenceTerm | undefined): boolean {
  if (!term) return false;
  return LEADING_ADVERBS.has(term.normal) || (term.tags.has('Adverb') && /ly$/.test(term.normal));
}

function withoutOpeners(terms: readonly SentenceTerm[]): readonly SentenceTerm[] {
  let start = 0;
  while (start < terms.length - 1 && DROPPED_OPENERS.has(terms[start]?.normal ?? '')) {
    // `and when she was bored she took a ball`: a `when` clause followed by its main clause keeps its `when`
    // (dropping it would leave two clauses run together).
    if (SUBORDINATE_OPENERS.test(terms[start]?.normal ?? '') && hasMainClause(ownClause(terms, start))) break;
    start++;
  }
  return terms.slice(start);
}

/** The terms from `start` up to the first semicolon or colon: one clause of a list of them. */
function ownClause(terms: readonly SentenceTerm[], start: number): readonly SentenceTerm[] {
  const stop = terms.findIndex((term, index) => index >= start && /[;:]/.test(term.post));
  return terms.slice(start, stop < 0 ? terms.length : stop + 1);
}

/** Whether a clause that opens with `when` goes on to a main clause that is a sentence on its own. */
function hasMainClause(clause: readonly SentenceTerm[]): boolean {
  if (subjectVerbPairs(clause) < 2) return false;
  const main = mainClauseStart(clause);
  return main >= 2 && asSentence(clause.slice(main), undefined, '.') !== undefined;
}

/**
 * Where the main clause starts in a clause that opens with a subordinate one (`when she was bored she took a
 * ball` -> at the second `she`): after the first comma, else at the subject of the second finite verb; -1
 * when there is none.
 */
function mainClauseStart(clause: readonly SentenceTerm[]): number {
  const comma = clause.findIndex((term) => /,/.test(term.post));
  if (comma > 0 && subjectVerbPairs(clause.slice(comma + 1)) > 0) return comma + 1;
  let pairs = 0;
  for (const [index, term] of clause.entries()) {
    if (!isFiniteVerb(term) || !clause[index - 1] || !isNominal(clause[index - 1] as SentenceTerm)) continue;
    pairs++;
    if (pairs < 2) continue;
    // The subject's noun phrase: `the king’s child`.
    let start = index - 1;
    const inPhrase = (other: SentenceTerm | undefined) =>
      other !== undefined &&
      !other.tags.has('Verb') &&
      !(other.tags.has('Pronoun') && !other.tags.has('Possessive')) &&
      (other.tags.has('Determiner') || other.tags.has('Adjective') || other.tags.has('Noun'));
    while (start > 1 && inPhrase(clause[start - 1])) start--;
    return start;
  }
  return -1;
}

/** Index of the first finite verb (not an infinitive after `to`), or -1. */
export function firstFiniteVerb(terms: readonly SentenceTerm[]): number {
  // `to interest` is an infinitive, whatever its tags.
  return terms.findIndex((term, index) => isFiniteVerb(term) && terms[index - 1]?.normal !== 'to');
}

/**
 * The words before a verb without an opening prepositional phrase (`In the evening he` -> `he`), when they
 * start with one whose noun phrase is followed by more words; else the words themselves.
 */
function afterOpeningPhrase(terms: readonly SentenceTerm[]): readonly SentenceTerm[] {
  if (!terms[0]?.tags.has('Preposition')) return terms;
  for (let stop = 2; stop < terms.length; stop++) {
    const phrase = terms.slice(1, stop);
    const nounPhraseWords = phrase.every(
      (term) =>
        !term.tags.has('Verb') &&
        !(term.tags.has('Pronoun') && !term.tags.has('Possessive')) &&
        (term.tags.has('Determiner') ||
          term.tags.has('Adjective') ||
          term.tags.has('Noun') ||
          term.tags.has('Value')),
    );
    if (!nounPhraseWords) break;
    if (phrase.some((term) => term.tags.has('Noun')) && isSubjectRun(terms.slice(stop)))
      return terms.slice(stop);
  }
  return terms;
}

/** Whether words before a verb can be its subject: a noun or pronoun, no other verb, no preposition first. */
function isSubjectRun(terms: readonly SentenceTerm[]): boolean {
  if (!terms.some(isNominal)) return false;
  const first = terms[0];
  if (!first || first.tags.has('Preposition') || first.tags.has('Adverb')) return false;
  // A verb right after `and` is the second of two (`ragged and scarred`), not one with a subject.
  if (terms[terms.length - 1]?.tags.has('Conjunction')) return false;
  // `nothing to interest me on shore, I`: a comma ends an opening phrase unless a list goes on (`Flopsy,
  // Mopsy, and Cotton-tail`).
  // (A comma after the whole subject, before its verb, is no such end: `a single man …, must be`.)
  const lastComma = terms.findLastIndex((term, index) => /,/.test(term.post) && index < terms.length - 1);
  if (lastComma >= 0 && !/^(?:and|or)$/.test(terms[lastComma + 1]?.normal ?? '')) {
    const items = terms.slice(0, lastComma + 1);
    if (!items.every((term) => isNominal(term) || term.tags.has('Determiner') || term.tags.has('Adjective')))
      return false;
  }
  return !terms.some(
    (term, index) =>
      (term.tags.has('Verb') && terms[index - 1]?.normal !== 'to') ||
      BOUND_OPENERS.has(term.normal) ||
      (DROPPED_OPENERS.has(term.normal) && term.normal !== 'and'),
  );
}

/**
 * A participle as a finite verb in the tense of its clause (`penetrating` -> `penetrated`, or `brings` in the
 * present), by compromise's conjugation.
 */
function finiteFormOf(gerund: string, subject: string, past: boolean): string | undefined {
  if (!/^[a-z]+ing$/.test(gerund)) return undefined;
  const plain = /^(?:i|you|we|they)$/i.test(subject);
  const key = `${gerund} ${past ? 'past' : plain ? 'plain' : 'present'}`;
  if (finiteForms.has(key)) return finiteForms.get(key);
  const form = conjugate(gerund, past, plain);
  if (finiteForms.size > 2000) finiteForms.clear();
  finiteForms.set(key, form);
  return form;
}

// Conjugating with compromise is the slowest step of a cut: remember the forms.
const finiteForms = new Map<string, string | undefined>();

function conjugate(gerund: string, past: boolean, plain: boolean): string | undefined {
  const parsed = nlp(`they were ${gerund}`).verbs().json() as Array<{ verb?: { infinitive?: string } }>;
  const infinitive = parsed[0]?.verb?.infinitive;
  if (!infinitive || infinitive === 'be') return undefined;
  const forms = (nlp(infinitive).verbs().conjugate() as Array<Record<string, string>>)[0];
  const form = past ? forms?.PastTense : plain ? forms?.Infinitive : forms?.PresentTense;
  return form && /^[a-z]+$/.test(form) ? form : undefined;
}

/** The subject of a clause, to give to a clause that follows it without one of its own. */
export interface Subject {
  text: string;
  /** Whether the clause it comes from is in the past tense. */
  past: boolean;
  /** The clause's main verb as one finite word (`had been working` -> `worked`), when it has one. */
  verb?: string;
}

/**
 * The subject of a clause: the words before its first finite verb, when they hold a noun or pronoun and are
 * short enough to repeat (a list of several names becomes `they`).
 */
export function subjectOf(terms: readonly SentenceTerm[]): Subject | undefined {
  const clause = withoutOpeners(terms);
  const verb = firstFiniteVerb(clause);
  const text = subjectTextOf(clause, verb);
  if (text === undefined) return undefined;
  const past = clause
    .slice(verb)
    .some((term) => term.tags.has('PastTense') || /^(?:was|were|had|did)$/.test(term.normal));
  let last = verb;
  while (clause[last + 1]?.tags.has('Verb') && !clause[last + 1]?.tags.has('Particle')) last++;
  const lexical = clause[last];
  const form =
    lexical === undefined
      ? undefined
      : lexical.tags.has('Gerund')
        ? finiteFormOf(lexical.normal, text, past)
        : last === verb && !lexical.tags.has('Modal') && !lexical.tags.has('Auxiliary')
          ? lexical.normal
          : undefined;
  return form === undefined ? { text, past } : { text, past, verb: form };
}

const PRONOUN_SUBJECT = /^(?:i|you|he|she|it|we|they)$/i;

/** `be` agreeing with a subject, in the past or the present. */
function beFor(subject: string, past: boolean): string {
  const plural = /^(?:you|we|they)$/i.test(subject);
  if (past) return plural ? 'were' : 'was';
  return /^i$/i.test(subject) ? 'am' : plural ? 'are' : 'is';
}

/** Whether terms are only a noun phrase (`a tall, strong, nut-brown man`): no verb, no preposition. */
function isNounPhrase(terms: readonly SentenceTerm[]): boolean {
  return (
    terms.some((term) => term.tags.has('Noun')) &&
    terms.every(
      (term) =>
        term.tags.has('Determiner') ||
        term.tags.has('Adjective') ||
        term.tags.has('Noun') ||
        term.tags.has('Value') ||
        /^(?:and|or)$/.test(term.normal),
    ) &&
    !terms.some((term) => term.tags.has('Verb') || term.tags.has('Pronoun'))
  );
}

/**
 * A clause without a finite verb made whole, or `undefined`: an absolute phrase gets its participle as a verb
 * (`his sea-chest following him` -> `his sea-chest followed him`), a noun phrase after a pronoun's clause
 * gets `was` (`a tall man` -> `he was a tall man`), and a run of adverbials repeats the clause before
 * (`then on ladders` -> `then the Mole worked on ladders`).
 */
function completeClause(
  clause: readonly SentenceTerm[],
  adverbs: number,
  subject: Subject | undefined,
  betweenSemicolons: boolean,
): string | undefined {
  const lead = textOfTerms(clause.slice(0, adverbs));
  const rest = clause.slice(adverbs);
  const withLead = (text: string) => `${lead}${lead ? ' ' : ''}${text}`;
  const gerund = rest.findIndex((term) => term.tags.has('Gerund'));
  const phrase = rest.slice(0, gerund);
  const first = rest[0];
  if (
    gerund > 0 &&
    (first?.tags.has('Determiner') || first?.tags.has('Possessive')) &&
    phrase.some((term) => term.tags.has('Noun') && !term.tags.has('Pronoun')) &&
    phrase.every(
      (term, index) =>
        (index === 0 || term.tags.has('Adjective') || term.tags.has('Noun')) &&
        !term.tags.has('Verb') &&
        !/[,;]/.test(term.post),
    )
  ) {
    const participle = rest[gerund];
    const finite = participle && finiteFormOf(participle.normal, 'it', subject?.past ?? true);
    if (!participle || finite === undefined) return undefined;
    return withLead(
      `${textOfTerms(phrase)} ${finite}${participle.post}${textOfTerms(rest.slice(gerund + 1))}`,
    );
  }
  if (subject === undefined || !first) return undefined;
  if (betweenSemicolons && isNounPhrase(rest) && PRONOUN_SUBJECT.test(subject.text))
    return withLead(`${subject.text} ${beFor(subject.text, subject.past)} ${textOfTerms(rest)}`);
  if (first.tags.has('Preposition') && subject.verb !== undefined)
    return withLead(`${subject.text} ${subject.verb} ${textOfTerms(rest)}`);
  return undefined;
}

function subjectTextOf(clause: readonly SentenceTerm[], verb: number): string | undefined {
  if (verb <= 0) return undefined;
  let start = 0;
  while (start < verb && isLeadingAdverb(clause[start])) start++;
  let stop = verb;
  // `he suddenly flung`, `He at once let go`: an adverb or adverbial phrase stays with its own verb.
  while (
    stop > start &&
    (clause[stop - 1]?.tags.has('Adverb') || (stop < verb && clause[stop - 1]?.tags.has('Preposition')))
  )
    stop--;
  let subject = clause.slice(start, stop);
  // `…, and nothing particular to interest me on shore, I thought`: before a comma stands an opening phrase,
  // and the subject is what follows the last comma, unless that goes on a list (`Flopsy, Mopsy, and …`).
  const lastComma = subject.findLastIndex((term) => /,/.test(term.post));
  if (lastComma >= 0 && !/^(?:and|or)$/.test(subject[lastComma + 1]?.normal ?? ''))
    subject = subject.slice(lastComma + 1);
  if (subject.length === 0 || !isSubjectRun(subject) || subject[0]?.normal === 'there') return undefined;
  // A list of names or things (`Uncle Henry and Aunt Em`, `Flopsy, Mopsy, and Cotton-tail`) is `they`.
  if (subject.some((term) => term.normal === 'and' || /,/.test(term.post))) return 'they';
  if (subject.length > 5) return undefined;
  const text = textOfTerms(subject);
  const first = subject[0];
  // `The rabbit-hole` goes lower case after `Then`; names and `I` keep their capital.
  return first && !first.tags.has('ProperNoun') && first.normal !== 'i'
    ? text.replace(/^[A-Z]/, (letter) => letter.toLowerCase())
    : text;
}

/**
 * Makes a stand-alone sentence of a clause: drops its opening conjunction, gives it `subject` when it starts
 * with its verb, and ends it with `end`. `undefined` when the clause cannot stand alone.
 */
function asSentence(
  terms: readonly SentenceTerm[],
  subject: Subject | undefined,
  end: string,
  betweenSemicolons = false,
): string | undefined {
  const clause = withoutOpeners(terms);
  if (clause.length < 2 || BOUND_OPENERS.has(clause[0]?.normal ?? '')) return undefined;
  const last = clause[clause.length - 1];
  if (last && NO_END.test(last.normal)) return undefined;
  if (SUBORDINATE_OPENERS.test(clause[0]?.normal ?? '')) {
    // `When she was bored she took a ball.`: whole when its main clause is a sentence on its own.
    const main = mainClauseStart(clause);
    if (main < 2 || asSentence(clause.slice(main), undefined, end) === undefined) return undefined;
    return `${capitalise(
      textOfTerms(clause)
        .replace(/[\s,;:—–-]+$/, '')
        .replace(/[.!?]+["”’']?$/, ''),
    )}${end}`;
  }
  let adverbs = 0;
  while (adverbs < clause.length && isLeadingAdverb(clause[adverbs])) adverbs++;
  const lead = textOfTerms(clause.slice(0, adverbs));
  const withSubject = (rest: string) => `${lead}${lead ? ' ' : ''}${subject?.text} ${rest}`;
  const opening = clause[adverbs];
  let text: string | undefined;
  if (opening?.tags.has('Gerund') && subject !== undefined && firstFiniteVerb(clause) < 0) {
    // A participle after a comma (`…, penetrating his house`) becomes a clause of the same subject.
    const finite = finiteFormOf(opening.normal, subject.text, subject.past);
    if (finite === undefined) return undefined;
    const rest = clause.slice(adverbs + 1);
    text = withSubject(`${finite}${opening.post}${textOfTerms(rest)}`);
  } else {
    let verb = firstFiniteVerb(clause);
    // A present-tense `verb` after anything but its subject is a mis-tagged noun (`ladders and steps`).
    const candidate = clause[verb];
    const before = clause[verb - 1];
    if (
      candidate &&
      !isStrongVerb(candidate) &&
      (!before || !isNominal(before) || /[,;]/.test(before.post)) &&
      verb > adverbs
    )
      verb = -1;
    if (verb < 0) {
      const completed = completeClause(clause, adverbs, subject, betweenSemicolons);
      if (completed === undefined) return undefined;
      return `${capitalise(completed.replace(/[\s,;:—–-]+$/, '').replace(/[.!?]+["”’']?$/, ''))}${end}`;
    }
    const verbTerm = clause[verb];
    const beforeVerb = clause.slice(adverbs, verb);
    // `Once upon a time there were …`: an opening phrase before `there`.
    const existential =
      beforeVerb[beforeVerb.length - 1]?.normal === 'there' &&
      !beforeVerb.some((term) => term.tags.has('Verb'));
    if (beforeVerb.length > 0 && (existential || isSubjectRun(afterOpeningPhrase(beforeVerb)))) {
      // A bare present-tense verb (`reserve`, `eyes`) counts only right after its subject.
      const previous = clause[verb - 1];
      if (
        verbTerm &&
        !isStrongVerb(verbTerm) &&
        (!previous || !isNominal(previous) || /[,;]/.test(previous.post))
      )
        return undefined;
      text = textOfTerms(clause);
    } else if (
      beforeVerb.length === 0 &&
      subject !== undefined &&
      verbTerm &&
      isStrongVerb(verbTerm) &&
      !hasOwnClause(clause.slice(verb + 1))
    ) {
      text = withSubject(textOfTerms(clause.slice(adverbs)));
    } else {
      return undefined;
    }
  }
  const trimmed = text.replace(/[\s,;:—–-]+$/, '').replace(/[.!?]+["”’']?$/, '');
  return `${capitalise(trimmed)}${end}`;
}

/** Whether terms hold a clause of their own (`…, she could see`): a subject pronoun and its verb. */
function hasOwnClause(terms: readonly SentenceTerm[]): boolean {
  return terms.some(
    (term, index) =>
      PRONOUN_SUBJECT.test(term.normal) &&
      terms[index + 1] !== undefined &&
      isFiniteVerb(terms[index + 1] as SentenceTerm),
  );
}

/** The sentence's own end punctuation (`.` when it has none). */
export function endOf(sentence: string): string {
  return /([.!?])["”’']?\s*$/.exec(sentence)?.[1] ?? '.';
}

/**
 * An opening participle phrase made a sentence with the subject of the clause after it (`Some years ago
 * having no money, I thought…` -> `Some years ago I had no money.`). `undefined` when the head is not one.
 */
function introParticiple(head: readonly SentenceTerm[], subject: Subject): string | undefined {
  const [participleFirst, ...restOfHead] = head;
  // `Encased in the skin of a sheep, he pastured …` -> `He was encased in the skin of a sheep.`
  if (
    participleFirst &&
    /^[a-z]+ed$/.test(participleFirst.normal) &&
    (participleFirst.tags.has('PastTense') || participleFirst.tags.has('Participle')) &&
    firstFiniteVerb(restOfHead) < 0
  ) {
    const rest = textOfTerms(restOfHead).replace(/[\s,;:—–-]+$/, '');
    return `${capitalise(`${subject.text} ${beFor(subject.text, subject.past)} ${participleFirst.normal}${participleFirst.post}${rest}`)}.`;
  }
  const gerund = head.findIndex((term) => term.tags.has('Gerund'));
  if (gerund < 0 || firstFiniteVerb(head) >= 0) return undefined;
  const lead = head.slice(0, gerund);
  if (lead.some((term) => term.tags.has('Verb') || BOUND_OPENERS.has(term.normal) || /[,;]/.test(term.post)))
    return undefined;
  const participle = head[gerund];
  const finite = participle && finiteFormOf(participle.normal, subject.text, subject.past);
  if (!participle || finite === undefined) return undefined;
  const rest = textOfTerms(head.slice(gerund + 1)).replace(/[\s,;:—–-]+$/, '');
  const opening = lead.length > 0 ? `${textOfTerms(lead)} ` : '';
  return `${capitalise(`${opening}${subject.text} ${finite}${participle.post}${rest}`)}.`;
}

/** `a Dog` -> `the Dog`: a subject named a second time is definite. */
function definite(subject: string): string {
  return subject.replace(/^(?:an?)\s/i, (article) => (/^A/.test(article) ? 'The ' : 'the '));
}

/**
 * A participle phrase between commas after the subject made a sentence of its own: `But the shepherd,
 * returning to the fold …, caught up the Wolf` -> `The shepherd returned to the fold ….` `The shepherd caught
 * up the Wolf.` (`A Dog, crossing a bridge, saw …` -> `A Dog crossed a bridge.` `The Dog saw …`).
 */
function participleAsideCuts(terms: readonly SentenceTerm[], end: string): Cut[] {
  const clause = withoutOpeners(terms);
  const quoted = quotedTerms(clause);
  if (quoted.some(Boolean)) return [];
  const start = clause.findIndex((term) => /,/.test(term.post));
  const gerund = clause[start + 1];
  if (start < 0 || !gerund?.tags.has('Gerund')) return [];
  const subject = clause.slice(0, start + 1);
  if (subject.length > 5 || !isSubjectRun(subject) || subject.some((term) => term.tags.has('Gerund')))
    return [];
  let stop = start + 2;
  while (stop < clause.length - 1 && !/[,;:]/.test(clause[stop]?.post ?? '')) stop++;
  if (!/,/.test(clause[stop]?.post ?? '')) return [];
  const after = clause.slice(stop + 1);
  let verb = 0;
  while (verb < after.length && after[verb]?.tags.has('Adverb')) verb++;
  const main = after[verb];
  if (!main?.tags.has('Verb') || main.tags.has('Gerund') || !after.some(isFiniteVerb)) return [];
  const aside = clause.slice(start + 2, stop + 1);
  if (firstFiniteVerb(aside) >= 0) return [];
  const subjectText = textOfTerms(subject).replace(/,$/, '');
  const past = after.some((term) => term.tags.has('PastTense'));
  const finite = finiteFormOf(gerund.normal, subjectText, past);
  if (finite === undefined) return [];
  const first = `${capitalise(`${subjectText} ${finite}${gerund.post}${textOfTerms(aside)}`.replace(/[\s,;:—–-]+$/, ''))}.`;
  const second = `${capitalise(`${definite(subjectText)} ${textOfTerms(after)}`.replace(/[\s,;:—–-]+$/, '').replace(/[.!?]+["”’']?$/, ''))}${end}`;
  return [{ sentences: [first, second], score: 40 + stop }];
}

/** Which terms stand inside quotation marks (a cut never falls inside a quotation). */
export function quotedTerms(terms: readonly SentenceTerm[]): boolean[] {
  let inside = false;
  return terms.map((term) => {
    if (/["“]/.test(term.pre)) inside = true;
    const here = inside;
    if (/["”]/.test(term.post)) inside = false;
    return here;
  });
}

/**
 * Moves an aside (`(…)` or `—…—`) out of a sentence: its clauses that can stand alone follow as sentences
 * (`(…, for the hot day made her sleepy)` -> `The hot day made her sleepy.`), the rest of it is dropped.
 */
function liftAside(sentence: string, end: string): string[] | undefined {
  const match = /\s*\(([^()"“”]*)\)|\s*—([^—.!?"“”]*)—\s*/.exec(sentence);
  if (!match) return undefined;
  const aside = match[1] ?? match[2] ?? '';
  const main =
    `${sentence.slice(0, match.index)}${match[0].startsWith('—') || match[0].trim().startsWith('—') ? ' ' : ''}${sentence.slice(match.index + match[0].length)}`
      .replace(/\s+([,;:.!?])/g, '$1')
      .replace(/\s{2,}/g, ' ')
      .trim();
  const lifted = aside
    .split(/[,;:]\s*/)
    .map((piece) => asSentence(termsOf(piece), undefined, '.'))
    .filter((piece): piece is string => piece !== undefined);
  const mainSentence = /[.!?]["”’']?$/.test(main) ? main : `${main}${end}`;
  return [mainSentence, ...lifted];
}

/** Relative clauses (`Uncle Henry, who was a farmer,`) moved out into sentences of their own. */
function relativeCuts(terms: readonly SentenceTerm[], end: string): Cut[] {
  const cuts: Cut[] = [];
  const quoted = quotedTerms(terms);
  if (quoted.some(Boolean)) return cuts;
  for (let start = 1; start < terms.length - 2; start++) {
    const pronoun = terms[start];
    const before = terms[start - 1];
    if (!pronoun || !before) continue;
    const commaBefore = /,\s*$/.test(before.post);
    if (pronoun.normal !== 'who' && pronoun.normal !== 'which' && pronoun.normal !== 'whose') continue;
    // Without a comma the clause defines its noun (`the tunnel which answered…`): only after a common noun.
    const commonNoun =
      before.tags.has('Noun') && !before.tags.has('Pronoun') && !before.tags.has('ProperNoun');
    if (!commaBefore && (!commonNoun || before.post.trim() !== '')) continue;
    let stop = start + 1;
    while (stop < terms.length - 1 && !/[,;:—]/.test(terms[stop]?.post ?? '')) stop++;
    const clause = terms.slice(start + 1, stop + 1);
    if (pronoun.normal === 'whose') {
      // `animals whose homes are near` -> `Their homes are near.`, at the end of a sentence only.
      const owned = firstFiniteVerb(clause);
      if (stop !== terms.length - 1 || owned <= 0 || !clause[0]?.tags.has('Noun') || !commonNoun) continue;
      const main = [...terms.slice(0, start - 1), { ...before, post: '' }];
      const mainText = asSentence(main, undefined, end);
      const owner = before.tags.has('Plural') ? 'their' : 'its';
      const relative = asSentence(termsOf(`${owner} ${textOfTerms(clause)}`), undefined, '.');
      if (mainText !== undefined && relative !== undefined)
        cuts.push({ sentences: [mainText, relative], score: 60 + terms.length - start });
      continue;
    }
    if (firstFiniteVerb(clause) !== 0) continue;
    if (!commaBefore && clause.filter(isFiniteVerb).length > 1) continue;
    let antecedent: string | undefined;
    if (!commaBefore) antecedent = `the ${before.normal}`;
    else if (pronoun.normal === 'which') antecedent = 'this';
    else if (clause[0] && /^(?:were|are|have|do)$/.test(clause[0].normal)) antecedent = 'they';
    else {
      let first = start - 1;
      const extendsName = (term: SentenceTerm | undefined) =>
        term !== undefined && /^[A-Z]/.test(term.text) && isNominal(term) && !/[,;]/.test(term.post);
      while (first > 0 && extendsName(terms[first - 1])) first--;
      const name = terms.slice(first, start);
      if (name.length > 0 && name.every((term) => /^[A-Z]/.test(term.text) && isNominal(term)))
        antecedent = textOfTerms(name);
    }
    if (antecedent === undefined) continue;
    const atEnd = stop === terms.length - 1;
    const following = terms[stop + 1];
    const closing = terms[stop]?.post ?? '';
    // Two commas around the clause close up; `, and` after it loses its comma (`Uncle Henry and Aunt Em`).
    const joint = atEnd ? '' : /,/.test(closing) && commaBefore ? ' ' : closing;
    const main = [
      ...terms.slice(0, start - 1),
      { ...before, post: following && /^(?:and|or)$/.test(following.normal) ? ' ' : joint },
      ...(atEnd ? [] : terms.slice(stop + 1)),
    ];
    const mainText = asSentence(main, undefined, end);
    const relative = asSentence(clause, { text: antecedent, past: true }, '.');
    if (!commaBefore && !atEnd) continue;
    if (mainText === undefined || relative === undefined) continue;
    cuts.push({ sentences: [mainText, relative], score: 50 + terms.length - start });
  }
  return cuts;
}

/** `She found …` -> `Then she found …` (a name or `I` keeps its capital). */
function thenSentence(sentence: string | undefined): string | undefined {
  if (sentence === undefined) return undefined;
  const first = termsOf(sentence)[0];
  const keepCapital = first?.tags.has('ProperNoun') || first?.normal === 'i';
  return `Then ${keepCapital ? sentence : sentence.replace(/^[A-Z]/, (letter) => letter.toLowerCase())}`;
}

/** Cuts between clauses: at `;`, `:`, a comma or `and`/`but` before a clause. */
function clauseCuts(terms: readonly SentenceTerm[], end: string, context: Subject | undefined): Cut[] {
  const cuts: Cut[] = [];
  const quoted = quotedTerms(terms);
  for (let index = 1; index < terms.length - 2; index++) {
    const term = terms[index];
    const next = terms[index + 1];
    if (!term || !next || quoted[index] || quoted[index + 1]) continue;
    let priority: number;
    if (/[;:]/.test(term.post)) priority = 0;
    else if (/[,—]/.test(term.post) && DROPPED_OPENERS.has(next.normal)) priority = 1;
    else if (/^(?:and|but)$/.test(next.normal)) {
      // Without a comma, `and` joins clauses only before a pronoun or a past-tense verb (not `maps and pictures`).
      const after = terms[index + 2];
      if (!after || !((after.tags.has('Pronoun') && !after.tags.has('Possessive')) || isStrongVerb(after)))
        continue;
      // `he sat by the fire and drank`, never `his hands ragged and scarred`: a noun comes before the `and`.
      if (isStrongVerb(after) && !(term.tags.has('Noun') && !term.tags.has('Adjective'))) continue;
      priority = 2;
    } else if (/[,—]/.test(term.post)) priority = 3;
    else if (/^(?:before|till|until|when|while)$/.test(next.normal) && term.tags.has('Noun')) {
      // `… stopping herself before she found …`: a subordinate clause with its own subject and verb.
      const subject = terms[index + 2];
      const verb = terms[index + 3];
      if (!subject?.tags.has('Pronoun') || subject.tags.has('Possessive') || !verb || !isStrongVerb(verb))
        continue;
      priority = 2;
    } else continue;
    // `Either the well was deep, or she fell`: the two sides of `either … or` stay in one sentence.
    if (/^(?:or|nor)$/.test(next.normal) && /^(?:either|neither)$/.test(terms[0]?.normal ?? '')) continue;
    const head = terms.slice(0, index + 1);
    const tail = terms.slice(index + 1);
    const headSubject = subjectOf(head);
    const tailSubject = subjectOf(tail);
    const semicolon = priority === 0;
    // A head without a verb borrows the sentence before's only at a semicolon (`First with brooms, …;`).
    const headSentence =
      asSentence(head, headSubject === undefined && semicolon ? context : undefined, '.', semicolon) ??
      (tailSubject === undefined ? undefined : introParticiple(head, tailSubject));
    // `… stopping herself before she found …` -> `… stopping herself. Then she found …`: a `before` clause
    // alone is no sentence, but what it tells comes next.
    const tailSentence =
      next.normal === 'before'
        ? thenSentence(asSentence(tail.slice(1), undefined, end))
        : asSentence(tail, headSubject ?? (semicolon ? context : undefined), end, semicolon);
    if (headSentence === undefined || tailSentence === undefined) continue;
    const balance = Math.abs(head.length - tail.length);
    cuts.push({ sentences: [headSentence, tailSentence], score: priority * 100 + balance });
  }
  return cuts;
}

/**
 * Cuts one sentence in two at its most natural clause boundary, using compromise's part-of-speech tags: at a
 * semicolon or colon, before a conjunction that opens a clause, or by moving a relative clause out
 * (`Uncle Henry, who was a farmer,` -> `Uncle Henry was a farmer.`). Each new sentence has a subject and a finite
 * verb: a clause that starts with its verb gets the subject of the clause before (`…, and squeezed under the
 * gate!` -> `Peter squeezed under the gate!`). Asides (`(…)`, `—…—`) go first. Quotations are never cut. `undefined` when no cut keeps both parts
 * whole sentences.
 *
 * @example
 * ```ts
 * cutSentence('The hole went on like a tunnel, and then dipped down.');
 * // ['The hole went on like a tunnel.', 'Then the hole dipped down.']
 * ```
 */
export function cutSentence(sentence: string, previous?: string): string[] | undefined {
  const key = `${previous ?? ''}\u0000${sentence}`;
  if (cuts.has(key)) return cuts.get(key);
  const cut = findCut(sentence, previous);
  if (cuts.size > 2000) cuts.clear();
  cuts.set(key, cut);
  return cut;
}

// The refiner asks again for every sentence after each edit: remember the answers.
const cuts = new Map<string, string[] | undefined>();

function findCut(sentence: string, previous: string | undefined): string[] | undefined {
  const end = endOf(sentence);
  const lifted = liftAside(sentence, end);
  if (lifted) return lifted;
  const terms = termsOf(sentence);
  if (terms.length < 6) return undefined;
  // A sentence that goes on from the one before (`First with brooms, …`) borrows its subject and verb.
  const context = previous === undefined || /["“”]/.test(previous) ? undefined : subjectOf(termsOf(previous));
  const found = [
    ...participleAsideCuts(terms, end),
    ...clauseCuts(terms, end, context),
    ...relativeCuts(terms, end),
  ]
    // No part may be a fragment: a bare verb first or a subordinate clause alone (issue 19).
    .filter((cut) => cut.sentences.every((piece) => isWholeSentence(piece, sentence)))
    .sort((a, b) => a.score - b.score);
  return found[0]?.sentences;
}

/**
 * Drops the last verbless phrase a sentence ends with after a comma or semicolon (`…, with little cracks
 * running through it.` or `…; a tall, strong man.`), the last resort for a sentence nothing can cut: the
 * sentence keeps its subject, its verb and every name. `undefined` when no such phrase is there.
 *
 * @example
 * ```ts
 * dropTrailingPhrase('The sun baked the land, with little cracks in it.'); // 'The sun baked the land.'
 * ```
 */
export function dropTrailingPhrase(sentence: string): string | undefined {
  const terms = termsOf(sentence);
  const quoted = quotedTerms(terms);
  for (let index = terms.length - 2; index >= 2; index--) {
    const term = terms[index];
    if (!term || quoted[index] || !/[,;:]/.test(term.post)) continue;
    const phrase = terms.slice(index + 1);
    if (
      phrase.some((other) => isFiniteVerb(other) || other.tags.has('ProperNoun') || /^[A-Z]/.test(other.text))
    )
      return undefined;
    const rest = terms.slice(0, index + 1);
    if (firstFiniteVerb(rest) < 0 || rest.length < 4 || NO_END.test(term.normal)) continue;
    const trimmed = textOfTerms(rest).replace(/[\s,;:—–-]+$/, '');
    return `${capitalise(trimmed)}${endOf(sentence)}`;
  }
  return undefined;
}
