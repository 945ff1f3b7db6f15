import { createSeededRandom } from '@kidsstories/kidsstories-tools';

/** A JSON Schema, as tools advertise it (only what the fuzzer reads). */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

/** Generates fuzzed tool arguments, deterministically from a seed. */
export interface JsonFuzzer {
  /** Arguments shaped by `schema` with one field mutated (or the whole object replaced now and then). */
  /**
   * Arguments shaped by `schema` (its required fields and some optional ones), with `fixed` set over them, then one
   * field mutated (`fixed` ones included).
   */
  argumentsFor(schema: unknown, fixed?: Record<string, unknown>): unknown;
}

const ODD_STRINGS = [
  '',
  ' ',
  'a',
  'x'.repeat(20_000),
  '\u0000\u0001\u001f',
  '\ud83e\udd8a fox 🦊 \u202e',
  '\ud800',
  '<script>alert(1)</script>',
  "'; DROP TABLE stories; --",
  '../../etc/passwd',
  '{"nested":"json"}',
  '1e309',
  'NaN',
  'null',
  '__proto__',
];
const ODD_NUMBERS = [0, -0, -1, 1, 0.5, -1e-9, 1e21, -1e21, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 1e308];

/** Creates a fuzzer seeded with `seed`. */
export function createJsonFuzzer(seed: number): JsonFuzzer {
  // The tools' own seeded generator (mulberry32): the same inputs on every machine.
  const seeded = createSeededRandom(seed);
  const random = seeded.next;
  const pick = seeded.pick;

  const nested = (depth: number): unknown => {
    let value: unknown = 'bottom';
    for (let level = 0; level < depth; level += 1) value = random() < 0.5 ? [value] : { a: value };
    return value;
  };

  const anyJson = (depth = 0): unknown => {
    const kind = Math.floor(random() * (depth > 2 ? 5 : 8));
    switch (kind) {
      case 0:
        return null;
      case 1:
        return random() < 0.5;
      case 2:
        return pick(ODD_NUMBERS);
      case 3:
      case 4:
        return pick(ODD_STRINGS);
      case 5:
        return Array.from({ length: Math.floor(random() * 4) }, () => anyJson(depth + 1));
      case 6:
        return { [pick(['__proto__', 'constructor', 'prototype', 'x', ''])]: anyJson(depth + 1) };
      default:
        // Deep, but under the edge's limit of 64 levels (the envelope takes 3): the gateway must serialise it.
        return nested(50 + Math.floor(random() * 10));
    }
  };

  const valid = (schema: Schema | undefined, depth: number): unknown => {
    if (!schema || depth > 6) return anyJson(depth);
    if (schema.enum?.length) return pick(schema.enum);
    const variants = schema.anyOf ?? schema.oneOf;
    if (variants?.length) return valid(pick(variants), depth + 1);
    const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
    switch (type) {
      case 'string': {
        const length = Math.max(schema.minLength ?? 1, Math.min(schema.maxLength ?? 24, 24));
        return 'fox '.repeat(Math.ceil(length / 4)).slice(0, length);
      }
      case 'integer':
      case 'number': {
        const low = schema.minimum ?? 1;
        const high = schema.maximum ?? low + 10;
        const value = low + (high - low) * random();
        return type === 'integer' ? Math.round(value) : value;
      }
      case 'boolean':
        return random() < 0.5;
      case 'array':
        return Array.from({ length: 1 + Math.floor(random() * 2) }, () => valid(schema.items, depth + 1));
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [key, property] of Object.entries(schema.properties ?? {})) {
          if (schema.required?.includes(key) || random() < 0.3) out[key] = valid(property, depth + 1);
        }
        return out;
      }
      default:
        return anyJson(depth);
    }
  };

  /** Mutates one field somewhere in `value` (in place), or returns a replacement. */
  const mutate = (value: unknown, depth = 0): unknown => {
    if (value === null || typeof value !== 'object' || depth > 4 || random() < 0.2) return anyJson();
    if (Array.isArray(value)) {
      if (value.length === 0 || random() < 0.25) return [...value, anyJson()];
      const index = Math.floor(random() * value.length);
      value[index] = mutate(value[index], depth + 1);
      return value;
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    const roll = random();
    if (keys.length === 0 || roll < 0.15)
      record[pick(['unexpected', '__proto__', 'constructor', ''])] = anyJson();
    else if (roll < 0.3) delete record[pick(keys)];
    else {
      const key = pick(keys);
      record[key] = mutate(record[key], depth + 1);
    }
    return record;
  };

  return {
    argumentsFor(schema, fixed = {}) {
      const roll = random();
      // Now and then not an object at all, or an empty one.
      if (roll < 0.08) return pick([null, [], 'text', 42, true]);
      if (roll < 0.12) return {};
      const base = valid(schema as Schema, 0);
      return mutate(
        base !== null && typeof base === 'object' && !Array.isArray(base)
          ? Object.assign(base, structuredClone(fixed))
          : base,
      );
    },
  };
}
