// Types for `text-readability` 1.1.1 (a dev dependency without its own), as far as the refiner tests use it.
declare module 'text-readability' {
  /** The package's default export: one readability calculator. */
  const readability: {
    /** Flesch-Kincaid grade, rounded to one decimal. */
    fleschKincaidGrade(text: string): number;
  };
  export default readability;
}
