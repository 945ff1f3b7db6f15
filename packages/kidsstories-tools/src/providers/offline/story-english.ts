import indefinite from 'indefinite';
import pluralize from 'pluralize';

/**
 * English helpers of the offline story grammar, on well-kept libraries rather than hand-written rules:
 * `indefinite` chooses `a` or `an` by sound, `pluralize` forms plurals.
 */

/**
 * A noun phrase with its indefinite article (`an old map`, `a unicorn`); a phrase that already starts with an
 * article or `the` is returned unchanged.
 *
 * @example
 * ```ts
 * withIndefinite('otter'); // 'an otter'
 * ```
 */
export function withIndefinite(phrase: string): string {
  if (/^(a|an|the)\s/i.test(phrase)) return phrase;
  return indefinite(phrase);
}

/**
 * A noun phrase with `the` in place of a leading `a` / `an` (`a rock pool` becomes `the rock pool`).
 *
 * @example
 * ```ts
 * withDefinite('a striped lighthouse'); // 'the striped lighthouse'
 * ```
 */
export function withDefinite(phrase: string): string {
  if (/^the\s/i.test(phrase)) return phrase;
  return `the ${phrase.replace(/^(a|an)\s+/i, '')}`;
}

/**
 * The plural of the last word of a noun phrase (`old tortoise` becomes `old tortoises`).
 *
 * @example
 * ```ts
 * pluralOf('goose'); // 'geese'
 * ```
 */
export function pluralOf(phrase: string): string {
  const words = phrase.split(' ');
  const last = words.pop() ?? phrase;
  return [...words, pluralize(last)].join(' ');
}

/** Upper-cases the first letter of a sentence (after an opening quote). */
export function capitaliseFirst(text: string): string {
  return text.replace(/^(["“]?)([a-z])/, (_, quote: string, letter: string) => quote + letter.toUpperCase());
}
