import { costOf } from '@kidsstories/mesh-core/ports';
import { thrownMeshError } from '@kidsstories/mesh-core/testing';
import { describe, expect, it } from 'vitest';
import { KIDSSTORIES_PRICE_TABLE } from './kidsstories-price-table.js';

// Moved with the table from mesh-core's ledger/pricing.test.ts (issue 16 item 5): the same figures.

describe('KIDSSTORIES_PRICE_TABLE', () => {
  it('prices every model from its list prices', () => {
    const table = KIDSSTORIES_PRICE_TABLE;
    expect(costOf(table, { model: 'gpt-4o', inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBeCloseTo(
      12.5,
      12,
    );
    expect(costOf(table, { model: 'gpt-4o-mini', inputTokens: 1_000, outputTokens: 500 })).toBeCloseTo(
      0.00045,
      12,
    );
    expect(costOf(table, { model: 'phi-4', inputTokens: 2_000_000, outputTokens: 1_000_000 })).toBeCloseTo(
      0.75,
      12,
    );
    expect(costOf(table, { model: 'text-embedding-3-large', inputTokens: 1_000_000 })).toBeCloseTo(0.13, 12);
    expect(costOf(table, { model: 'dall-e-3', images: 3 })).toBeCloseTo(0.12, 12);
    expect(costOf(table, { model: 'dall-e-3-hd', images: 1 })).toBeCloseTo(0.08, 12);
    expect(costOf(table, { model: 'gpt-4o-mini-tts', inputTokens: 1_000, outputTokens: 10_000 })).toBeCloseTo(
      0.1206,
      12,
    );
    expect(costOf(table, { model: 'tts-1-hd', characters: 1_000 })).toBeCloseTo(0.03, 12);
    expect(costOf(table, { model: 'tts-1', characters: 1_000_000 })).toBeCloseTo(15, 12);
    expect(costOf(table, { model: 'phi-4', requests: 4 })).toBe(0);
  });

  it('names an unknown model and an unpriced unit, and prices speech by characters and seconds', () => {
    const unknown = thrownMeshError(() =>
      costOf(KIDSSTORIES_PRICE_TABLE, { model: 'gpt-9', inputTokens: 1 }),
    );
    expect(unknown.code).toBe('invalid_argument');
    expect(unknown.message).toContain('gpt-9');
    expect(unknown.details).toMatchObject({ field: 'model', model: 'gpt-9' });
    expect(thrownMeshError(() => costOf(KIDSSTORIES_PRICE_TABLE, { model: 'toString' })).details.model).toBe(
      'toString',
    );
    const unpriced = thrownMeshError(() =>
      costOf(KIDSSTORIES_PRICE_TABLE, { model: 'dall-e-3', inputTokens: 10 }),
    );
    expect(unpriced.details).toMatchObject({ field: 'inputTokens', model: 'dall-e-3' });
    // Units a model is not billed by are informational as long as one reported unit is priced.
    expect(
      costOf(KIDSSTORIES_PRICE_TABLE, { model: 'tts-1-hd', characters: 1_000_000, seconds: 60 }),
    ).toBeCloseTo(30);
    // gpt-4o-mini-tts is billed in tokens: characters in (4 a token) and seconds of speech out (issue 12 item 8).
    expect(
      costOf(KIDSSTORIES_PRICE_TABLE, { model: 'gpt-4o-mini-tts', characters: 4_000, seconds: 60 }),
    ).toBeCloseTo(0.0006 + 0.015, 12);
    expect(costOf(KIDSSTORIES_PRICE_TABLE, { model: 'gpt-4o-mini-tts', characters: 1_000 })).toBeCloseTo(
      0.00015,
      12,
    );
    expect(
      costOf(KIDSSTORIES_PRICE_TABLE, { model: 'omni-moderation-latest', characters: 900, requests: 1 }),
    ).toBe(0);
    expect(
      thrownMeshError(() => costOf(KIDSSTORIES_PRICE_TABLE, { model: 'phi-4', outputTokens: -1 })).details
        .field,
    ).toBe('outputTokens');
  });

  it('is frozen, model by model', () => {
    expect(Object.isFrozen(KIDSSTORIES_PRICE_TABLE)).toBe(true);
    for (const price of Object.values(KIDSSTORIES_PRICE_TABLE)) expect(Object.isFrozen(price)).toBe(true);
  });
});
