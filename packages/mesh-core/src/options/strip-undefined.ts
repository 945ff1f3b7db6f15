/**
 * A copy of `value` without its `undefined` fields, typed as `T`: under `exactOptionalPropertyTypes` an optional
 * field must be absent rather than `undefined`, so options and wire objects built from optional inputs pass
 * through here.
 *
 * @example
 * ```ts
 * const info = stripUndefined<{ name: string; title?: string }>({ name: 'a', title: undefined }); // { name: 'a' }
 * ```
 */
export function stripUndefined<T extends object>(value: { [K in keyof T]?: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
