/**
 * True when `value` (parsed JSON) nests objects and arrays deeper than `maxDepth` levels; the top-level value
 * is level 1 when it is an object or array. Walks iteratively and stops at the first level past the limit, so a
 * hostile body costs at most one pass and never the stack (`JSON.stringify`, schema validators and loggers
 * recurse, and overflow on a few thousand levels).
 *
 * @example
 * ```ts
 * exceedsJsonDepth(JSON.parse('{"a":[{"b":1}]}'), 2); // true: three levels
 * ```
 */
export function exceedsJsonDepth(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  let level: unknown[] = [value];
  for (let depth = 1; level.length > 0; depth += 1) {
    if (depth > maxDepth) return true;
    const next: unknown[] = [];
    for (const item of level) {
      if (Array.isArray(item)) {
        for (const child of item) if (child !== null && typeof child === 'object') next.push(child);
        continue;
      }
      const record = item as Record<string, unknown>;
      for (const key in record) {
        const child = record[key];
        if (child !== null && typeof child === 'object') next.push(child);
      }
    }
    level = next;
  }
  return false;
}
