import { syllable } from 'syllable';

/** Counts of a text and its Flesch-Kincaid grade. */
export interface ReadabilityStats {
  sentences: number;
  words: number;
  syllables: number;
  /** Average words per sentence. */
  wordsPerSentence: number;
  /** Average syllables per word. */
  syllablesPerWord: number;
  /** Flesch-Kincaid grade level: `0.39 * words/sentences + 11.8 * syllables/words - 15.59`. */
  fleschKincaidGrade: number;
}

// Hyphenated compounds (`spring-cleaning`) are one word, as readability formulas count them.
const WORD = /[A-Za-z]+(?:['’-][A-Za-z]+)*/g;

/** The words of a text (letters with inner apostrophes or hyphens), in order. */
export function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Syllables of one word (at least 1), by the `syllable` package's rules. */
export function syllablesOf(word: string): number {
  let count = syllableCounts.get(word);
  if (count === undefined) {
    count = Math.max(1, syllable(word));
    // The refiner measures the same words after every edit: remember a few thousand.
    if (syllableCounts.size > 10_000) syllableCounts.clear();
    syllableCounts.set(word, count);
  }
  return count;
}

const syllableCounts = new Map<string, number>();

/**
 * Splits text into sentences after `.`, `!` or `?` (with any closing quote) followed by a space and a capital
 * (or an opening quote), keeping the punctuation: `"Look!" said Pip.` is one sentence, and the full stop of a
 * title before a name (`Mr. Bennet`) ends none. A trailing piece without end punctuation is a sentence too.
 */
export function splitSentences(text: string): string[] {
  // A title's full stop (`Mr. McGregor`) ends no sentence: hide it while splitting.
  const masked = text.replace(TITLE_ABBREVIATION, (title) => title.replace('.', TITLE_DOT));
  // A sentence ends where the next one starts: end punctuation (and a closing quote), a space, a capital.
  const pieces = masked.split(/(?<=[.!?]+["”’']?)\s+(?=["“‘']?[A-Z0-9])/);
  return pieces
    .map((piece) => piece.trim().replaceAll(TITLE_DOT, '.'))
    .filter((piece) => wordsOf(piece).length > 0);
}

const TITLE_ABBREVIATION = /\b(?:Mr|Mrs|Ms|Dr|St)\.(?=\s+[A-Z])/g;
const TITLE_DOT = '\u2024';

/**
 * Readability statistics of a text. An empty text has grade 0.
 *
 * @example
 * ```ts
 * readabilityOf('The cat sat. It was warm.').fleschKincaidGrade; // about -1.5
 * ```
 */
export function readabilityOf(text: string): ReadabilityStats {
  const sentences = splitSentences(text).length;
  const words = wordsOf(text);
  const syllables = words.reduce((sum, word) => sum + syllablesOf(word), 0);
  if (sentences === 0 || words.length === 0) {
    return {
      sentences,
      words: 0,
      syllables: 0,
      wordsPerSentence: 0,
      syllablesPerWord: 0,
      fleschKincaidGrade: 0,
    };
  }
  const wordsPerSentence = words.length / sentences;
  const syllablesPerWord = syllables / words.length;
  return {
    sentences,
    words: words.length,
    syllables,
    wordsPerSentence,
    syllablesPerWord,
    fleschKincaidGrade: 0.39 * wordsPerSentence + 11.8 * syllablesPerWord - 15.59,
  };
}

/** The Flesch-Kincaid grade of a text (see {@link readabilityOf}). */
export function fleschKincaidGrade(text: string): number {
  return readabilityOf(text).fleschKincaidGrade;
}
