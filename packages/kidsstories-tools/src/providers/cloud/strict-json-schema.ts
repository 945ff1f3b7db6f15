/**
 * Structured outputs in strict mode accept a subset of JSON Schema: every object must list all its
 * properties in `required` and set `additionalProperties: false`; optional fields are expressed as a union with
 * `null`. These helpers convert a schema (as produced by `z.toJSONSchema`) into that form and turn the model's
 * `null`s back into absent fields.
 * See https://platform.openai.com/docs/guides/structured-outputs#supported-schemas.
 */

type JsonObject = Record<string, unknown>;

/** Keywords strict mode rejects or that carry no meaning for generation; dropped from the schema. */
const DROPPED_KEYWORDS = new Set([
  '$schema',
  '$id',
  'default',
  'examples',
  'format',
  'contentEncoding',
  'minLength',
  'maxLength',
]);

/**
 * Returns a copy of `schema` that strict structured outputs accept: objects get `additionalProperties: false`
 * and every property required, formerly optional properties become nullable, and unsupported keywords are
 * dropped. The input is not modified.
 *
 * @example
 * ```ts
 * strictJsonSchema({ type: 'object', properties: { a: { type: 'string' } } });
 * // { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false }
 * ```
 */
export function strictJsonSchema(schema: Record<string, unknown>): Record<string, unknown> {
  return convert(schema) as Record<string, unknown>;
}

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYWORDS.has(key)) continue;
    if (key === 'properties' && isObject(value)) continue;
    out[key] = isSchemaContainer(key) ? convertContainer(key, value) : value;
  }
  const properties = node.properties;
  if (isObject(properties)) {
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    const converted: JsonObject = {};
    for (const [name, child] of Object.entries(properties)) {
      const strictChild = convert(child);
      converted[name] = required.has(name) ? strictChild : nullable(strictChild);
    }
    out.properties = converted;
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  } else if (node.type === 'object' && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function convertContainer(key: string, value: unknown): unknown {
  if (key === '$defs' || key === 'definitions') {
    if (!isObject(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, convert(child)]));
  }
  return convert(value);
}

function isSchemaContainer(key: string): boolean {
  return ['items', 'anyOf', 'oneOf', 'allOf', '$defs', 'definitions', 'additionalProperties', 'not'].includes(
    key,
  );
}

function nullable(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  if (typeof schema.type === 'string' && schema.type !== 'null' && schema.enum === undefined) {
    return { ...schema, type: [schema.type, 'null'] };
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/**
 * Removes object properties whose value is `null`, recursively: strict mode made optional fields nullable, and
 * the story schema validates absent fields, not `null`s.
 */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null) continue;
    out[key] = dropNulls(child);
  }
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
