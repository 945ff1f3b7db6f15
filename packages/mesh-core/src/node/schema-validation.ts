import type { StandardSchemaV1 } from '@modelcontextprotocol/server';

/** The outcome of {@link validateWithSchema}. */
export type SchemaValidation<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /** Dotted path of the first failing field (`pages.2.text`); empty for the value as a whole. */
      field: string;
      /** The schema library's message for that field. */
      message: string;
      /** How many issues the schema reported in all. */
      issueCount: number;
    };

/** Turns a Standard Schema issue path into a dotted path: `['pages', 2, { key: 'text' }]` → `pages.2.text`. */
export function formatIssuePath(path: StandardSchemaV1.Issue['path']): string {
  if (!path) return '';
  return path
    .map((segment) => {
      const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
      return typeof key === 'symbol' ? (key.description ?? 'symbol') : String(key);
    })
    .join('.');
}

/**
 * Validates `value` through a Standard Schema (`~standard.validate`, sync or async) and reports the first
 * failing field. A schema that throws is reported as a failure of the value as a whole.
 */
export async function validateWithSchema<T>(
  schema: StandardSchemaV1<T, T>,
  value: unknown,
): Promise<SchemaValidation<T>> {
  let result: StandardSchemaV1.Result<T>;
  try {
    result = await schema['~standard'].validate(value);
  } catch (error) {
    return {
      ok: false,
      field: '',
      message: error instanceof Error ? error.message : String(error),
      issueCount: 1,
    };
  }
  if (result.issues === undefined) return { ok: true, value: result.value };
  const first = result.issues[0];
  return {
    ok: false,
    field: formatIssuePath(first?.path),
    message: first?.message ?? 'invalid value',
    issueCount: result.issues.length,
  };
}
