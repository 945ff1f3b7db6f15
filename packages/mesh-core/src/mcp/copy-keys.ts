/**
 * Copies the own enumerable keys of `source` onto `target`, except `skip`, and returns `target`. For the hot
 * paths of the edge and the links: a spread followed by more keys (`{ ...a, b }`) or an object rest makes V8 build
 * a new hidden class on every call, a microsecond or more each, while adding keys one by one follows transitions
 * V8 has cached. A `__proto__` key (JSON from a peer may hold one) is defined as a plain property, as a spread
 * would, never set as the prototype.
 *
 * @internal
 * @example
 * ```ts
 * copyKeys({}, { resultType: 'complete', content: [] }, 'resultType'); // { content: [] }
 * ```
 */
export function copyKeys(
  target: Record<string, unknown>,
  source: Readonly<Record<string, unknown>>,
  skip?: string,
): Record<string, unknown> {
  for (const key of Object.keys(source)) {
    if (key === skip) continue;
    if (key === '__proto__') {
      Object.defineProperty(target, key, {
        value: source[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else target[key] = source[key];
  }
  return target;
}
