import { expectMeshError } from '@kidsstories/mesh-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestToolContext, type TestToolContext } from '../testing/test-tool-context.js';
import { KIDSSTORIES_PRICE_TABLE } from './kidsstories-price-table.js';
import {
  chargeProviderCall,
  isPriced,
  ledgerUsageOf,
  MEDIA_PRICE_TABLE,
  priceOf,
  recordProviderUsage,
} from './provider-charge.js';

describe('chargeProviderCall', () => {
  let harness: TestToolContext | undefined;
  afterEach(async () => {
    await harness?.close();
  });

  it('settles cloud narration priced by the ledger even though the usage also reports seconds', async () => {
    harness = createTestToolContext();
    const { ctx } = harness;
    const { costUsd } = await chargeProviderCall(
      ctx,
      {
        server: 'media',
        tool: 'generate_audio',
        prices: MEDIA_PRICE_TABLE,
        worstCase: { model: 'tts-1-hd', characters: 1_000 },
      },
      async () => ({ usage: { model: 'tts-1-hd', characters: 1_000, seconds: 12, requests: 1 } }),
    );
    expect(costUsd).toBeCloseTo(0.03, 9);
    const status = await ctx.ledger.status('tool:generate_audio');
    expect(status.spentUsd).toBeCloseTo(0.03, 9);
    expect(status.reservedUsd).toBe(0);
  });

  it('releases the reservation when the call fails', async () => {
    harness = createTestToolContext();
    const { ctx } = harness;
    await expect(
      chargeProviderCall(
        ctx,
        {
          server: 'text',
          tool: 'embed_content',
          prices: {},
          worstCase: { model: 'text-embedding-3-large', inputTokens: 10 },
        },
        async () => {
          throw new Error('provider down');
        },
      ),
    ).rejects.toThrow('provider down');
    expect((await ctx.ledger.status('tool:embed_content')).reservedUsd).toBe(0);
    expect(await recordProviderUsage(ctx, { server: 'text', tool: 'x', prices: {} }, undefined)).toBe(0);
  });

  it('refuses a model no table prices with failed_precondition naming it and its units; the call never runs', async () => {
    harness = createTestToolContext();
    const { ctx } = harness;
    let ran = false;
    const error = await expectMeshError(
      chargeProviderCall(
        ctx,
        {
          server: 'text',
          tool: 'embed_content',
          prices: {},
          worstCase: { model: 'my-deployment', inputTokens: 10 },
        },
        async () => {
          ran = true;
          return { usage: { model: 'my-deployment', inputTokens: 10 } };
        },
      ),
      'failed_precondition',
    );
    expect(ran).toBe(false);
    expect(error.message).toContain('"my-deployment"');
    expect(error.details).toMatchObject({ model: 'my-deployment', units: ['inputTokens'] });
    const unit = await expectMeshError(
      recordProviderUsage(
        ctx,
        { server: 'media', tool: 'generate_image', prices: {} },
        { model: 'dall-e-3', seconds: 3 },
      ),
      'failed_precondition',
    );
    expect(unit.details).toMatchObject({ reason: 'UNIT_NOT_PRICED', model: 'dall-e-3', units: ['seconds'] });
  });

  it('merges both tables per model, the tool table winning unit by unit, and matches names ignoring case', () => {
    expect(
      ledgerUsageOf({ model: 'dall-e-3', images: 1 }, KIDSSTORIES_PRICE_TABLE, MEDIA_PRICE_TABLE),
    ).toEqual({
      model: 'dall-e-3',
      images: 1,
      costUsd: 0.04,
    });
    expect(ledgerUsageOf({ model: 'gpt-image-1', images: 2 }, {}, MEDIA_PRICE_TABLE).costUsd).toBeCloseTo(
      0.084,
      9,
    );
    // The tool's own price for seconds wins; the ledger's per-character price stays.
    const merged = priceOf('gpt-4o-mini-tts', KIDSSTORIES_PRICE_TABLE, {
      'gpt-4o-mini-tts': { perSecondUsd: 0.001 },
    });
    expect(merged).toMatchObject({ perMillionCharactersUsd: 0.15, perSecondUsd: 0.001 });
    expect(
      ledgerUsageOf({ model: 'Phi-4', inputTokens: 1_000_000 }, KIDSSTORIES_PRICE_TABLE, {}).costUsd,
    ).toBe(0.125);
    expect(ledgerUsageOf({ model: 'offline:feature-hash-64', inputTokens: 9 }, {}, {}).costUsd).toBe(0);
  });

  it('takes list prices for a model the ledger does not price, and the ledger price when it does', () => {
    // mesh-core's ledgers price nothing unless given a table (issue 16 item 5): the list prices fill in.
    expect(priceOf('dall-e-3', {}, {})).toEqual(KIDSSTORIES_PRICE_TABLE['dall-e-3']);
    expect(ledgerUsageOf({ model: 'Phi-4', inputTokens: 1_000_000 }, {}, {}).costUsd).toBe(0.125);
    expect(isPriced('gpt-4o', {}, {})).toBe(true);
    // An operator's table wins whole: its entry is not merged with the list price.
    const operator = { 'dall-e-3': { perImageUsd: 0.03 } };
    expect(priceOf('dall-e-3', operator, {})).toEqual({ perImageUsd: 0.03 });
    expect(ledgerUsageOf({ model: 'dall-e-3', images: 2 }, operator, {}).costUsd).toBeCloseTo(0.06, 12);
    expect(isPriced('my-deployment', {}, {})).toBe(false);
  });
});
