// Types for `synonyms` 1.0.1 (a synonym dictionary by part of speech, in WordNet's codes; the package ships no types), as far as the
// refiner uses it.
declare module 'synonyms' {
  /** Synonyms of one word by part of speech (`n`, `v`, `a`, `s`, `r`), the word itself first. */
  type SynonymEntry = Partial<Record<'n' | 'v' | 'a' | 's' | 'r', string[]>>;
  /** Looks a word up (and scans every entry for it when it has none of its own: slow). */
  const synonyms: ((word: string, partOfSpeech?: string) => SynonymEntry | string[] | undefined) & {
    /** The dictionary itself, by lower-case word. */
    dictionary: Readonly<Record<string, SynonymEntry>>;
  };
  export default synonyms;
}
