import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { findSchemaPortabilityIssues, portableJsonSchema } from './portable-json-schema.js';

describe('portableJsonSchema', () => {
  it("turns zod's nullable type arrays into anyOf branches with their type's keywords", () => {
    const schema = z.toJSONSchema(
      z.object({ remainingUsd: z.number().min(0).nullable().describe('left to spend') }),
      { target: 'draft-2020-12' },
    ) as Record<string, unknown>;
    const portable = portableJsonSchema(schema);
    expect(portable.properties).toEqual({
      remainingUsd: expect.objectContaining({ description: 'left to spend' }),
    });
    const remaining = (portable.properties as Record<string, Record<string, unknown>>).remainingUsd;
    expect(remaining?.type).toBeUndefined();
    expect(JSON.stringify(remaining)).toContain('"minimum":0');
    expect(findSchemaPortabilityIssues(portable)).toEqual([]);
  });

  it('rewrites type arrays nested in items, anyOf and $defs, and leaves the input unchanged', () => {
    const input = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: ['string', 'null'], maxLength: 4 } },
        either: { anyOf: [{ type: ['integer', 'null'], maximum: 3 }] },
      },
      $defs: { named: { type: ['object', 'null'], properties: { a: { type: 'string' } } } },
    };
    const copy = structuredClone(input);
    const portable = portableJsonSchema(input);
    expect(input).toEqual(copy);
    expect(portable).toEqual({
      type: 'object',
      properties: {
        list: { type: 'array', items: { anyOf: [{ type: 'string', maxLength: 4 }, { type: 'null' }] } },
        either: { anyOf: [{ anyOf: [{ type: 'integer', maximum: 3 }, { type: 'null' }] }] },
      },
      $defs: {
        named: { anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'null' }] },
      },
    });
  });
});

describe('findSchemaPortabilityIssues', () => {
  it('names tuples, bare booleans, type arrays, unknown keywords and a non-object root', () => {
    const tuple = z.toJSONSchema(z.object({ range: z.tuple([z.number(), z.number()]) }), {
      target: 'draft-2020-12',
    });
    expect(findSchemaPortabilityIssues(tuple)).toEqual([
      '$.properties.range.prefixItems: keyword "prefixItems" is not portable',
      '$.properties.range.items: bare `false` where a schema object is expected',
    ]);
    expect(
      findSchemaPortabilityIssues({
        type: 'object',
        properties: { a: { type: ['number', 'null'] }, b: { allOf: [{ type: 'string' }] } },
      }),
    ).toEqual([
      '$.properties.a.type: must be one type, not ["number","null"]',
      '$.properties.b.allOf: keyword "allOf" is not portable',
    ]);
    expect(findSchemaPortabilityIssues({ type: 'string' }, 'inputSchema')).toEqual([
      'inputSchema: the root must be { type: "object" }',
    ]);
  });
});
