import { DEFAULT_PRICE_TABLE } from '@kidsstories/mesh-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestToolContext, type TestToolContext } from '../media/test-tool-context.js';
import {
  chargeProviderCall,
  ledgerUsageOf,
  MEDIA_PRICE_TABLE,
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

  it('releases the reservation when the call fails, and prices unknown models at 0 with a warning', async () => {
    harness = createTestToolContext();
    const warnings: string[] = [];
    const ctx = {
      ...harness.ctx,
      logger: { ...harness.ctx.logger, warn: (message: string) => warnings.push(message) },
    };
    await expect(
      chargeProviderCall(
        ctx,
        {
          server: 'text',
          tool: 'embed_content',
          prices: {},
          worstCase: { model: 'my-deployment', inputTokens: 10 },
        },
        async () => {
          throw new Error('provider down');
        },
      ),
    ).rejects.toThrow('provider down');
    expect((await ctx.ledger.status('tool:embed_content')).reservedUsd).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(await recordProviderUsage(ctx, { server: 'text', tool: 'x', prices: {} }, undefined)).toBe(0);
  });

  it('leaves models the ledger prices to the ledger and prices the rest from the fallback table', () => {
    expect(ledgerUsageOf({ model: 'dall-e-3', images: 1 }, DEFAULT_PRICE_TABLE, MEDIA_PRICE_TABLE)).toEqual({
      model: 'dall-e-3',
      images: 1,
    });
    expect(ledgerUsageOf({ model: 'gpt-image-1', images: 2 }, {}, MEDIA_PRICE_TABLE).costUsd).toBeCloseTo(
      0.084,
      9,
    );
  });
});
