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

const WORD = /[A-Za-z]+(?:['’][A-Za-z]+)*/g;

/** The words of a text (letters with inner apostrophes), in order. */
export function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Syllables of one word (at least 1), by the `syllable` package's rules. */
export function syllablesOf(word: string): number {
  return Math.max(1, syllable(word));
}

/**
 * Splits text into sentences at `.`, `!` or `?` (with any closing quote), keeping the punctuation.
 * A trailing piece without end punctuation is a sentence too.
 */
export function splitSentences(text: string): string[] {
  const pieces = text.match(/[^.!?]*[.!?]+["”’']?|[^.!?]+$/g) ?? [];
  return pieces.map((piece) => piece.trim()).filter((piece) => wordsOf(piece).length > 0);
}

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
