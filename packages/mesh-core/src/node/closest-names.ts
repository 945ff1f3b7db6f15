/**
 * The edit (Levenshtein) distance between two strings, case-insensitive: how many single-character
 * insertions, deletions or substitutions turn one into the other.
 */
export function editDistance(left: string, right: string): number {
  const a = left.toLowerCase();
  const b = right.toLowerCase();
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Longest part of a name compared or echoed: MCP tool names are at most 64 characters. */
const MAX_COMPARED_CHARS = 128;

/**
 * `name` as an error message may echo it: unchanged up to 128 characters, else its first 128 characters and a
 * note of its length, so a hostile megabyte-long name is never sent back (or logged) in full.
 *
 * @example
 * ```ts
 * echoableName('x'.repeat(1_000_000)); // 'xxx…x… (1000000 characters)'
 * ```
 */
export function echoableName(name: string): string {
  return name.length <= MAX_COMPARED_CHARS
    ? name
    : `${name.slice(0, MAX_COMPARED_CHARS)}… (${name.length} characters)`;
}

/** Options for {@link closestNames}. */
export interface ClosestNamesOptions {
  /**
   * Most names returned.
   * @default 3
   */
  limit?: number;
}

/**
 * The candidates closest to `name`, nearest first (ties in alphabetical order): the names an "unknown tool"
 * error suggests. A candidate containing `name` (or contained in it) counts as distance 1, so a missing
 * prefix such as `media_` still finds the tool. Candidates further than half their length away are dropped
 * unless nothing is closer, so the answer is never empty while there are candidates.
 */
export function closestNames(
  name: string,
  candidates: Iterable<string>,
  options: ClosestNamesOptions = {},
): string[] {
  const limit = options.limit ?? 3;
  // Tool names are at most 64 characters: comparing more of a hostile name only burns CPU.
  const needle = name.slice(0, MAX_COMPARED_CHARS).toLowerCase();
  const scored = [...candidates].map((candidate) => {
    const lower = candidate.toLowerCase();
    const contains = needle.length > 0 && (lower.includes(needle) || needle.includes(lower));
    return {
      candidate,
      distance: contains ? Math.min(1, editDistance(needle, lower)) : editDistance(needle, lower),
    };
  });
  scored.sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate));
  const near = scored.filter((entry) => entry.distance <= Math.max(2, Math.ceil(entry.candidate.length / 2)));
  return (near.length > 0 ? near : scored).slice(0, limit).map((entry) => entry.candidate);
}
