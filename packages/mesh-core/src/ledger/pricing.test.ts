import { describe, expect, it } from 'vitest';
import { expectMeshError, thrownMeshError } from '../testing/index.js';
import {
  adviseTier,
  costOf,
  DEFAULT_TIER_THRESHOLDS,
  EMPTY_PRICE_TABLE,
  resolveBudgetScopes,
} from './pricing.js';

// The KidsStories list prices and their figures are tested with the table, in kidsstories-tools
// (src/providers/kidsstories-price-table.test.ts).
const TABLE = {
  'text-model': { inputPerMillionTokensUsd: 0.125, outputPerMillionTokensUsd: 0.5 },
  'image-model': { perImageUsd: 0.04 },
  'speech-model': { perMillionCharactersUsd: 30 },
  'free-model': { perMillionCharactersUsd: 0, perRequestUsd: 0 },
};

describe('costOf', () => {
  it('prices each unit a usage reports by its price per million or per item', () => {
    expect(
      costOf(TABLE, { model: 'text-model', inputTokens: 2_000_000, outputTokens: 1_000_000 }),
    ).toBeCloseTo(0.75, 12);
    expect(costOf(TABLE, { model: 'image-model', images: 3 })).toBeCloseTo(0.12, 12);
    expect(costOf(TABLE, { model: 'speech-model', characters: 1_000 })).toBeCloseTo(0.03, 12);
  });

  it('charges per request and per second when priced, and takes an explicit costUsd as is', () => {
    const table = { video: { perSecondUsd: 0.05, perRequestUsd: 0.01 } };
    expect(costOf(table, { model: 'video', seconds: 5, requests: 2 })).toBeCloseTo(0.27, 12);
    expect(costOf({}, { model: 'runware:kling', costUsd: 0.3 })).toBe(0.3);
    expect(costOf(TABLE, { model: 'text-model', requests: 4 })).toBe(0);
  });

  it('names an unknown model, an unpriced unit and a bad count', () => {
    const unknown = thrownMeshError(() => costOf(TABLE, { model: 'gpt-9', inputTokens: 1 }));
    expect(unknown.code).toBe('invalid_argument');
    expect(unknown.message).toContain('gpt-9');
    expect(unknown.message).toContain('not in the price table');
    expect(unknown.details).toMatchObject({ field: 'model', model: 'gpt-9' });
    expect(thrownMeshError(() => costOf(TABLE, { model: 'toString' })).details.model).toBe('toString');
    const unpriced = thrownMeshError(() => costOf(TABLE, { model: 'image-model', inputTokens: 10 }));
    expect(unpriced.details).toMatchObject({ field: 'inputTokens', model: 'image-model' });
    // Units a model is not billed by are informational as long as one reported unit is priced.
    expect(costOf(TABLE, { model: 'speech-model', characters: 1_000_000, seconds: 60 })).toBeCloseTo(30);
    expect(costOf(TABLE, { model: 'free-model', characters: 900, requests: 1 })).toBe(0);
    expect(
      thrownMeshError(() => costOf(TABLE, { model: 'text-model', outputTokens: -1 })).details.field,
    ).toBe('outputTokens');
    expect(thrownMeshError(() => costOf({}, { model: 'x', costUsd: Number.NaN })).details.field).toBe(
      'costUsd',
    );
    expect(thrownMeshError(() => costOf({}, { model: '' })).details.field).toBe('model');
  });

  it('knows no model without a table, and says the table is empty', () => {
    expect(Object.isFrozen(EMPTY_PRICE_TABLE)).toBe(true);
    expect(Object.keys(EMPTY_PRICE_TABLE)).toEqual([]);
    const error = thrownMeshError(() => costOf(EMPTY_PRICE_TABLE, { model: 'gpt-4o', inputTokens: 1 }));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe(
      'unknown model "gpt-4o": the price table is empty (give the ledger a `prices` table, or the usage its costUsd)',
    );
    expect(error.details).toMatchObject({ field: 'model', model: 'gpt-4o' });
    expect(costOf(EMPTY_PRICE_TABLE, { model: 'gpt-4o', costUsd: 0.3 })).toBe(0.3);
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
    expect(thrownMeshError(() => resolveBudgetScopes([''])).details.field).toBe('scopes');
  });
});
