// Types for `text-readability` 1.1.1 (a dev dependency without its own), as far as the refiner tests use it.
declare module 'text-readability' {
  /** The package's default export: one readability calculator. */
  const readability: {
    /** Flesch-Kincaid grade, with the syllables per word rounded to one decimal. */
    fleschKincaidGrade(text: string): number;
    /** Sentences of a text, by the package's own splitter. */
    sentenceCount(text: string): number;
    /** Words of a text, by the package's own tokenizer. */
    lexiconCount(text: string): number;
    /** Syllables of a text, by the package's own counter. */
    syllableCount(text: string): number;
  };
  export default readability;
}
