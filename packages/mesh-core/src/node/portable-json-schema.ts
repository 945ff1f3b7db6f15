// Tool schemas are read by MCP clients and by LLM function-calling layers, which accept less than JSON Schema
// allows: the MCP Inspector's `tools/list --strict` lint, Gemini's single-`type` OpenAPI dialect and OpenAI's
// strict function calling (issue 19). This module rewrites what zod emits into a form they all read, and names
// what cannot be rewritten.

type JsonObject = Record<string, unknown>;

// Keywords that constrain one JSON type only: on a `type: [a, b]` node they move into that type's branch.
const KEYWORDS_BY_TYPE: Record<string, readonly string[]> = {
  string: ['minLength', 'maxLength', 'pattern', 'format', 'contentEncoding', 'contentMediaType'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  array: ['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'],
  object: [
    'properties',
    'required',
    'additionalProperties',
    'propertyNames',
    'minProperties',
    'maxProperties',
  ],
};
const TYPED_KEYWORDS = new Set(Object.values(KEYWORDS_BY_TYPE).flat());

// Where a keyword's value is a schema, a map of schemas or a list of schemas.
const SCHEMA_KEYWORDS = new Set(['items', 'additionalProperties', 'not', 'contains', 'propertyNames']);
const SCHEMA_MAP_KEYWORDS = new Set(['properties', '$defs', 'definitions', 'patternProperties']);
const SCHEMA_LIST_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);

/**
 * The keywords a portable tool schema may use: what OpenAI-style strict function calling and the Inspector's
 * strict lint both accept (plus the length bounds and `$schema`, which strict-mode clients drop themselves).
 */
export const PORTABLE_SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema',
  '$defs',
  '$ref',
  'type',
  'description',
  'title',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'default',
]);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns a copy of a JSON Schema in portable form: a `type` array (zod's nullable) becomes `anyOf` branches of
 * one type each, each branch taking the keywords of its type; everything else is kept. The input is not changed.
 *
 * @example
 * ```ts
 * portableJsonSchema({ type: ['number', 'null'], minimum: 0 });
 * // { anyOf: [{ type: 'number', minimum: 0 }, { type: 'null' }] }
 * ```
 */
export function portableJsonSchema(schema: JsonObject): JsonObject {
  return convert(schema) as JsonObject;
}

function convert(node: unknown): unknown {
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (SCHEMA_KEYWORDS.has(key)) out[key] = convert(value);
    else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, convert(child)]));
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) out[key] = value.map(convert);
    else out[key] = value;
  }
  if (!Array.isArray(out.type)) return out;
  const types = out.type.filter((type): type is string => typeof type === 'string');
  if (types.length === 1) return { ...out, type: types[0] };
  const shared: JsonObject = {};
  for (const [key, value] of Object.entries(out)) {
    if (key !== 'type' && !TYPED_KEYWORDS.has(key)) shared[key] = value;
  }
  const branches = types.map((type) => {
    const branch: JsonObject = { type };
    for (const key of KEYWORDS_BY_TYPE[type] ?? []) if (key in out) branch[key] = out[key];
    return branch;
  });
  return { ...shared, anyOf: branches };
}

/**
 * What keeps a tool schema from being portable, one line each with its JSON path: a `type` array, a bare
 * boolean where a schema is expected, a tuple (`prefixItems`), a keyword outside
 * {@link PORTABLE_SCHEMA_KEYWORDS}, or a root that is not `type: "object"`. Empty when it is portable.
 *
 * @example
 * ```ts
 * findSchemaPortabilityIssues(tool.inputSchema, 'inputSchema'); // []
 * ```
 */
export function findSchemaPortabilityIssues(schema: unknown, path = '$'): string[] {
  const issues: string[] = [];
  if (!isObject(schema) || schema.type !== 'object')
    issues.push(`${path}: the root must be { type: "object" }`);
  walk(schema, path, issues);
  return issues;
}

function walk(node: unknown, path: string, issues: string[]): void {
  if (typeof node === 'boolean') {
    issues.push(`${path}: bare \`${node}\` where a schema object is expected`);
    return;
  }
  if (!isObject(node)) {
    issues.push(`${path}: not a schema object`);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    const at = `${path}.${key}`;
    if (!PORTABLE_SCHEMA_KEYWORDS.has(key)) issues.push(`${at}: keyword "${key}" is not portable`);
    if (key === 'type' && typeof value !== 'string')
      issues.push(`${at}: must be one type, not ${JSON.stringify(value)}`);
    if (key === 'additionalProperties' && typeof value === 'boolean') continue;
    if (SCHEMA_KEYWORDS.has(key)) walk(value, at, issues);
    else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      for (const [name, child] of Object.entries(value)) walk(child, `${at}.${name}`, issues);
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      for (const [index, child] of value.entries()) walk(child, `${at}[${index}]`, issues);
    }
  }
}
