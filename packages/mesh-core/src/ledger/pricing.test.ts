import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { expectMeshError } from '../testing/index.js';
import {
  adviseTier,
  costOf,
  DEFAULT_PRICE_TABLE,
  DEFAULT_TIER_THRESHOLDS,
  resolveBudgetScopes,
} from './pricing.js';

const thrown = (run: () => unknown): MeshError => {
  try {
    run();
  } catch (error) {
    if (MeshError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a MeshError');
};

describe('costOf', () => {
  it('prices every default model from its list prices', () => {
    const table = DEFAULT_PRICE_TABLE;
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
  });

  it('charges per request and per second when priced, and takes an explicit costUsd as is', () => {
    const table = { video: { perSecondUsd: 0.05, perRequestUsd: 0.01 } };
    expect(costOf(table, { model: 'video', seconds: 5, requests: 2 })).toBeCloseTo(0.27, 12);
    expect(costOf({}, { model: 'runware:kling', costUsd: 0.3 })).toBe(0.3);
    expect(costOf(DEFAULT_PRICE_TABLE, { model: 'phi-4', requests: 4 })).toBe(0);
  });

  it('names an unknown model, an unpriced unit and a bad count', () => {
    const unknown = thrown(() => costOf(DEFAULT_PRICE_TABLE, { model: 'gpt-9', inputTokens: 1 }));
    expect(unknown.code).toBe('invalid_argument');
    expect(unknown.message).toContain('gpt-9');
    expect(unknown.details).toMatchObject({ field: 'model', model: 'gpt-9' });
    expect(thrown(() => costOf(DEFAULT_PRICE_TABLE, { model: 'toString' })).details.model).toBe('toString');
    const unpriced = thrown(() => costOf(DEFAULT_PRICE_TABLE, { model: 'dall-e-3', inputTokens: 10 }));
    expect(unpriced.details).toMatchObject({ field: 'inputTokens', model: 'dall-e-3' });
    // Units a model is not billed by are informational as long as one reported unit is priced.
    expect(
      costOf(DEFAULT_PRICE_TABLE, { model: 'tts-1-hd', characters: 1_000_000, seconds: 60 }),
    ).toBeCloseTo(30);
    // gpt-4o-mini-tts is billed in tokens: characters in (4 a token) and seconds of speech out (issue 12 item 8).
    expect(
      costOf(DEFAULT_PRICE_TABLE, { model: 'gpt-4o-mini-tts', characters: 4_000, seconds: 60 }),
    ).toBeCloseTo(0.0006 + 0.015, 12);
    expect(costOf(DEFAULT_PRICE_TABLE, { model: 'gpt-4o-mini-tts', characters: 1_000 })).toBeCloseTo(
      0.00015,
      12,
    );
    expect(
      costOf(DEFAULT_PRICE_TABLE, { model: 'omni-moderation-latest', characters: 900, requests: 1 }),
    ).toBe(0);
    expect(
      thrown(() => costOf(DEFAULT_PRICE_TABLE, { model: 'phi-4', outputTokens: -1 })).details.field,
    ).toBe('outputTokens');
    expect(thrown(() => costOf({}, { model: 'x', costUsd: Number.NaN })).details.field).toBe('costUsd');
    expect(thrown(() => costOf({}, { model: '' })).details.field).toBe('model');
  });
});

describe('adviseTier', () => {
  it('steps down through the default thresholds', () => {
    expect(DEFAULT_TIER_THRESHOLDS).toEqual({ premium: 0.5, standard: 0.25, economy: 0.05 });
    expect(adviseTier(1)).toBe('premium');
    expect(adviseTier(0.5)).toBe('premium');
    expect(adviseTier(0.49)).toBe('standard');
    expect(adviseTier(0.25)).toBe('standard');
    expect(adviseTier(0.2)).toBe('economy');
    expect(adviseTier(0.05)).toBe('economy');
    expect(adviseTier(0.049)).toBe('halt');
    expect(adviseTier(0)).toBe('halt');
    expect(adviseTier(-3)).toBe('halt');
    expect(adviseTier(Number.NaN)).toBe('halt');
    expect(adviseTier(7)).toBe('premium');
  });

  it('takes custom thresholds and rejects inconsistent ones', async () => {
    expect(adviseTier(0.6, { premium: 0.8, standard: 0.4, economy: 0 })).toBe('standard');
    expect(adviseTier(0.01, { premium: 0.8, standard: 0.4, economy: 0 })).toBe('economy');
    expect(adviseTier(0, { premium: 0.8, standard: 0.4, economy: 0 })).toBe('halt');
    await expectMeshError(
      Promise.resolve().then(() => adviseTier(0.5, { premium: 0.2, standard: 0.4, economy: 0 })),
      'invalid_argument',
    );
  });
});

describe('resolveBudgetScopes', () => {
  it('puts global first and drops duplicates', () => {
    expect(resolveBudgetScopes()).toEqual(['global']);
    expect(resolveBudgetScopes(['tool:a', 'global', 'tool:a', 'day'])).toEqual(['global', 'tool:a', 'day']);
    expect(thrown(() => resolveBudgetScopes([''])).details.field).toBe('scopes');
  });
});
