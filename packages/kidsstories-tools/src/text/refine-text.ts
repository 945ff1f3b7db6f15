import { cutSentence, dropTrailingPhrase } from './clause-cut.js';
import { coordinationSplits } from './coordination-split.js';
import { pictureBookEdit } from './picture-book.js';
import { readabilityOf, splitSentences, wordsOf } from './readability.js';
import { isFiniteVerb, termsOf } from './sentence-terms.js';
import { RICHER_WORDS } from './simple-words.js';
import { isWholeSentence } from './whole-sentence.js';
import { simplifyHardestWord } from './word-simplifier.js';

/** Options for {@link refineTextToGrade}. */
export interface RefineTextOptions {
  /** Stop once the grade is this close to the target. Default 0.5 (grades). */
  toleranceGrades?: number;
  /** Most edits to make. Default 200. */
  maxEdits?: number;
  /** Whether sentences may be joined to raise the grade (false keeps every sentence simple). Default true. */
  joinSentences?: boolean;
  /**
   * Whether the text may be made a picture book (ages 3-5) when the lossless edits leave it above the target:
   * coordinations split into sentences of their own, optional modifiers dropped, compounds replaced by their
   * head, and last sentences summarised to subject, verb and object (see `pictureBookEdit`). Default: when the
   * target grade is below 2 (band 3-5's grade 1, or kindergarten).
   */
  pictureBook?: boolean;
}

/** What {@link refineTextToGrade} did. */
export interface RefineTextResult {
  text: string;
  gradeBefore: number;
  gradeAfter: number;
  /** Edits applied (sentence splits, merges, word swaps). */
  edits: number;
}

// Below this target grade (band 3-5's grade 1, kindergarten) the refiner may drop detail to reach it.
const PICTURE_BOOK_BELOW_GRADE = 2;

// The coarse fallbacks of the first refiner, used only once no clause cut, word edit or phrase drop is left:
// they reach the grade but may leave fragments (issue 19).
// Places where a long sentence can be cut in two without losing meaning, most natural first.
const SPLIT_POINTS = [
  /;\s+/,
  /:\s+/,
  /,\s+(?:and|but|so)\s+/,
  /\s+because\s+/,
  /,\s+(?:then|when|while)\s+/,
  /,\s+which\s+/,
  /\s+(?:and|but)\s+(?=(?:he|she|they|it|we|i|the)\b)/,
  /,\s+(?=(?:he|she|they|it|we|i|the|a|an|there|[A-Z][a-z]+\s+[a-z]+)\b)/,
  // Last resorts for long sentences: any comma, then any "and".
  /,\s+/,
  /\s+and\s+/,
];
// The split points at a bare comma (the last two but one): never after an introductory phrase.
const BARE_COMMA_POINTS = new Set([SPLIT_POINTS.length - 3, SPLIT_POINTS.length - 2]);
// A head starting like this is an introductory phrase, not a sentence: never cut it off at a comma.
const INTRODUCTORY =
  /^(?:["“]?)(?:in|on|at|under|over|by|with|from|once|when|after|before|if|as|while|then|just|at)\b/i;
const SPLIT_REPLACEMENTS = [
  '. ',
  '. ',
  '. ',
  '. That was because ',
  '. Then ',
  '. This ',
  '. ',
  '. ',
  '. ',
  '. ',
];
// Sentence openers that are lowercased when a sentence is joined onto the one before; anything else (names,
// places) keeps its capital.
const COMMON_OPENERS = new Set(
  'a an the they them their there then this that these those it its he she his her we our you your one each every everyone everybody soon next back even just but so slowly little some all what how when after before at in on by from with birds ferns waves gulls hens bees stars snowflakes fluffy soft sunlight neighbours flower sun sky clouds everything two being oh how where why'.split(
    ' ',
  ),
);

function capitalise(text: string): string {
  return text.replace(/^(["“]?)([a-z])/, (_, quote: string, letter: string) => quote + letter.toUpperCase());
}

function isDialogue(sentence: string): boolean {
  return /["“”]/.test(sentence);
}

/** Cuts the sentence with the most words at its most natural split point; `undefined` when none can be cut. */
function splitLongest(sentences: string[]): string[] | undefined {
  const order = sentences
    .map((sentence, index) => ({ index, words: wordsOf(sentence).length }))
    .filter(({ index }) => !isDialogue(sentences[index] ?? ''))
    .sort((a, b) => b.words - a.words);
  for (const { index, words } of order) {
    if (words < 8) break;
    const sentence = sentences[index] ?? '';
    for (const [pointIndex, point] of SPLIT_POINTS.entries()) {
      const match = point.exec(sentence);
      if (!match || match.index === undefined) continue;
      const head = sentence.slice(0, match.index);
      const tail = sentence.slice(match.index + match[0].length);
      if (wordsOf(head).length < 3 || wordsOf(tail).length < 3) continue;
      if (BARE_COMMA_POINTS.has(pointIndex) && INTRODUCTORY.test(head)) continue;
      const replacement = SPLIT_REPLACEMENTS[pointIndex] ?? '. ';
      const rest = replacement === '. ' ? capitalise(tail) : tail;
      const joined = `${head.replace(/[,;]$/, '')}${replacement}${rest}`;
      const pieces = splitSentences(joined);
      // Both parts keep a subject and a finite verb by compromise's tagging: a cut that leaves a fragment
      // (`Make out what she was coming to.`) is no cut.
      if (!pieces.every((piece) => isWholeClause(piece) && isWholeSentence(piece, sentence))) continue;
      return [...sentences.slice(0, index), ...pieces, ...sentences.slice(index + 1)];
    }
  }
  return undefined;
}

/** Whether a piece of a cut sentence is a clause: a finite verb, and no participle or preposition first. */
function isWholeClause(piece: string): boolean {
  const terms = termsOf(piece);
  const first = terms[0];
  if (!first || first.tags.has('Gerund') || first.tags.has('Preposition') || first.tags.has('Conjunction'))
    return false;
  return terms.some(isFiniteVerb);
}

/** Joins the pair of neighbouring narration sentences with the fewest words; `undefined` when none can be. */
function mergeShortest(sentences: string[]): string[] | undefined {
  let best: { index: number; words: number } | undefined;
  for (let index = 0; index + 1 < sentences.length; index++) {
    const first = sentences[index] ?? '';
    const second = sentences[index + 1] ?? '';
    if (isDialogue(first) || isDialogue(second) || !first.endsWith('.')) continue;
    const words = wordsOf(first).length + wordsOf(second).length;
    if (words > 40) continue;
    if (!best || words < best.words) best = { index, words };
  }
  if (!best) return undefined;
  const first = (sentences[best.index] ?? '').replace(/\.$/, '');
  const second = sentences[best.index + 1] ?? '';
  const opener = wordsOf(second)[0]?.toLowerCase() ?? '';
  const lowerElsewhere = new RegExp(`\\b${opener}\\b`).test(sentences.join(' '));
  const tail =
    COMMON_OPENERS.has(opener) || lowerElsewhere
      ? second.replace(/^([A-Z])/, (letter) => letter.toLowerCase())
      : second;
  const joiner = best.index % 3 === 2 ? ', so ' : ', and ';
  const merged = [...sentences];
  merged.splice(best.index, 2, `${first}${joiner}${tail}`);
  return merged;
}

/** Replaces the first word found in `table` (longest words first); `undefined` when no word is in it. */
function swapWord(
  text: string,
  table: Readonly<Record<string, string>>,
  harder: boolean,
): string | undefined {
  const candidates = [...new Set(wordsOf(text).map((word) => word.toLowerCase()))]
    .filter((word) => table[word] !== undefined)
    .sort((a, b) => (harder ? a.length - b.length : b.length - a.length));
  for (const word of candidates) {
    const swapped = swapOne(text, word, table[word] ?? word);
    if (swapped !== undefined) return swapped;
  }
  return undefined;
}

function swapOne(text: string, word: string, replacement: string): string | undefined {
  // Lowercase occurrences anywhere, capitalised ones only at a sentence start: `Brook Village` stays a name.
  const swapped = text
    .replace(new RegExp(`\\b${word}\\b`, 'g'), replacement)
    .replace(
      new RegExp(`(^|[.!?]["”’']?\\s+|["“])${capitalise(word)}\\b`, 'g'),
      (_, lead: string) => lead + capitalise(replacement),
    );
  // Keep `a` / `an` right after a swap (`an enormous` -> `a huge`).
  const articles = swapped.replace(/\b([Aa])n? (?=(\w))/g, (_, a: string, next: string) =>
    /[aeiouAEIOU]/.test(next) ? `${a}n ` : `${a} `,
  );
  return articles === text ? undefined : articles;
}

/** Cuts the longest sentence that has a clause boundary to cut at; `undefined` when none has. */
function cutLongest(sentences: readonly string[]): string[] | undefined {
  const order = sentences
    .map((sentence, index) => ({ index, words: wordsOf(sentence).length }))
    .sort((a, b) => b.words - a.words || a.index - b.index);
  for (const { index } of order) {
    const sentence = sentences[index] ?? '';
    const cut = cutSentence(sentence, sentences[index - 1]);
    if (cut?.every((piece) => isWholeSentence(piece, sentence)))
      return [...sentences.slice(0, index), ...cut, ...sentences.slice(index + 1)];
  }
  return undefined;
}

/**
 * Splits the longest sentence that has a coordination to split into sentences that each repeat its subject
 * and verb (`I had no money, and nothing to do.` -> `I had no money. I had nothing to do.`); `undefined` when
 * none has.
 */
function splitCoordination(sentences: readonly string[]): string[] | undefined {
  const order = sentences
    .map((sentence, index) => ({ index, words: wordsOf(sentence).length }))
    .filter(({ words }) => words >= 8)
    .sort((a, b) => b.words - a.words || a.index - b.index);
  for (const { index } of order) {
    const sentence = sentences[index] ?? '';
    for (const split of coordinationSplits(sentence)) {
      if (!split.every((piece) => isWholeSentence(piece, sentence))) continue;
      return [...sentences.slice(0, index), ...split, ...sentences.slice(index + 1)];
    }
  }
  return undefined;
}

/** Drops the trailing verbless phrase of the longest sentence that has one; `undefined` when none has. */
function shortenLongest(sentences: readonly string[]): string[] | undefined {
  const order = sentences
    .map((sentence, index) => ({ index, words: wordsOf(sentence).length }))
    .sort((a, b) => b.words - a.words || a.index - b.index);
  for (const { index } of order) {
    const shorter = dropTrailingPhrase(sentences[index] ?? '');
    if (shorter) return [...sentences.slice(0, index), shorter, ...sentences.slice(index + 1)];
  }
  return undefined;
}

/** Makes the word edit that saves the most syllables in any sentence; `undefined` when none is left. */
function simplifyWord(sentences: readonly string[]): string[] | undefined {
  let best: { index: number; sentence: string; saved: number } | undefined;
  for (const [index, sentence] of sentences.entries()) {
    const edit = simplifyHardestWord(sentence);
    if (edit && (!best || edit.syllablesSaved > best.saved))
      best = { index, sentence: edit.sentence, saved: edit.syllablesSaved };
  }
  if (!best) return undefined;
  const edited = [...sentences];
  edited[best.index] = best.sentence;
  return edited;
}

/**
 * Moves a text's Flesch-Kincaid grade toward `targetGrade`, deterministically, one edit at a time. To lower it:
 * cuts the longest sentence into whole sentences at a clause boundary (see `cutSentence`: each part keeps a
 * subject and a finite verb by compromise's tagging) and replaces the word whose simpler word saves the most
 * syllables (see `simplifyHardestWord`), cuts first while sentences average more than 8 words; when neither is
 * left, splits a coordination into sentences that repeat the subject and verb (see `coordinationSplits`), then
 * drops a trailing verbless phrase, then (for a picture book, below grade 2) makes the picture-book edits of
 * `pictureBookEdit`, and last cuts at a plain comma or `and`. Every sentence an edit makes must stand alone (see
 * `isWholeSentence`). To raise it: joins short neighbouring sentences and swaps simple words for richer ones.
 * Quotations are never cut, and dialogue sentences never joined. Stops within `toleranceGrades` of the target, or at the
 * edit that came closest when it runs out of edits.
 *
 * @example
 * ```ts
 * const { text, gradeAfter } = refineTextToGrade(pageText, 2);
 * ```
 */
export function refineTextToGrade(
  text: string,
  targetGrade: number,
  options: RefineTextOptions = {},
): RefineTextResult {
  const tolerance = options.toleranceGrades ?? 0.5;
  const maxEdits = options.maxEdits ?? 200;
  const pictureBook = options.pictureBook ?? targetGrade < PICTURE_BOOK_BELOW_GRADE;
  const gradeBefore = readabilityOf(text).fleschKincaidGrade;
  let current = text.trim();
  let grade = gradeBefore;
  let edits = 0;
  let bestText = current;
  let bestDistance = Math.abs(grade - targetGrade);
  while (edits < maxEdits && Math.abs(grade - targetGrade) > tolerance) {
    const tooHard = grade > targetGrade;
    const sentences = splitSentences(current);
    // Prefer word swaps while the words are the larger part of the gap, else sentence length.
    const stats = readabilityOf(current);
    const lengthFirst = tooHard ? stats.wordsPerSentence > 8 : stats.wordsPerSentence < 14;
    let next: string | undefined;
    if (tooHard) {
      const byCut = () => cutLongest(sentences)?.join(' ');
      const byWord = () => simplifyWord(sentences)?.join(' ');
      // Dropping a trailing phrase loses detail: only once no cut, no word edit and no split of a coordination
      // (which repeats the subject and verb and loses nothing) is left.
      next =
        (lengthFirst ? (byCut() ?? byWord()) : (byWord() ?? byCut())) ??
        splitCoordination(sentences)?.join(' ') ??
        shortenLongest(sentences)?.join(' ') ??
        (pictureBook ? pictureBookEdit(sentences)?.join(' ') : undefined) ??
        splitLongest(sentences)?.join(' ');
    } else {
      const byJoin = () =>
        options.joinSentences === false ? undefined : mergeShortest(sentences)?.join(' ');
      const byWord = () => swapWord(current, RICHER_WORDS, true);
      next = lengthFirst ? (byJoin() ?? byWord()) : (byWord() ?? byJoin());
    }
    if (next === undefined || next === current) break;
    current = next;
    edits++;
    grade = readabilityOf(current).fleschKincaidGrade;
    const distance = Math.abs(grade - targetGrade);
    if (distance < bestDistance) {
      bestDistance = distance;
      bestText = current;
    }
    // Overshooting past the target by more than the tolerance means the last edit was too coarse: stop there.
    if ((tooHard && grade < targetGrade - tolerance) || (!tooHard && grade > targetGrade + tolerance)) break;
  }
  return { text: bestText, gradeBefore, gradeAfter: readabilityOf(bestText).fleschKincaidGrade, edits };
}
