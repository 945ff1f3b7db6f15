/**
 * The names closest to `name` by edit distance (Levenshtein), best first: for "did you mean" messages on
 * unknown tools. Names further than half the length of `name` (at least 3 edits) are left out, and names that
 * contain `name` or are contained in it always count as close.
 *
 * @example
 * ```ts
 * closestNames('generate_imag', ['generate_image', 'generate_audio']); // ['generate_image', 'generate_audio']
 * ```
 */
export function closestNames(name: string, candidates: readonly string[], limit = 3): string[] {
  const target = name.toLowerCase();
  const maxDistance = Math.max(3, Math.floor(target.length / 2));
  return candidates
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const contains = lower.includes(target) || target.includes(lower);
      return { candidate, distance: contains ? 0.5 : levenshtein(target, lower) };
    })
    .filter((entry) => entry.distance <= maxDistance)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((entry) => entry.candidate);
}

function levenshtein(a: string, b: string): number {
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
