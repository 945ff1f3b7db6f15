import { readFileSync } from 'node:fs';
import { createManualClock, createMemoryStateStore } from '@kidsstories/mesh-core/testing';
import { describe, expect, it } from 'vitest';
import {
  billedDurationSec,
  DEFAULT_VIDEO_MODELS,
  type QualityTier,
  tierRank,
  type VideoModel,
  validateCatalogue,
} from './model-catalogue.js';
import { createVideoModelSelector } from './model-selector.js';

const OPEN_BUDGET = { remainingUsd: Number.POSITIVE_INFINITY, advice: 'premium' } as const;

function setup() {
  const clock = createManualClock();
  const state = createMemoryStateStore({ now: clock.now });
  const selector = createVideoModelSelector({ catalogue: DEFAULT_VIDEO_MODELS, state, now: clock.now });
  return { clock, state, selector };
}

describe('video model catalogue', () => {
  it('holds 8 valid models across Vidu, Kling and PixVerse', () => {
    expect(DEFAULT_VIDEO_MODELS).toHaveLength(8);
    expect(new Set(DEFAULT_VIDEO_MODELS.map((model) => model.family))).toEqual(
      new Set(['vidu', 'kling', 'pixverse']),
    );
    expect(validateCatalogue(DEFAULT_VIDEO_MODELS)).toBe(DEFAULT_VIDEO_MODELS);
    const duplicate = [...DEFAULT_VIDEO_MODELS, DEFAULT_VIDEO_MODELS[0] as VideoModel];
    expect(() => validateCatalogue(duplicate)).toThrow(/appears twice/);
    expect(billedDurationSec(DEFAULT_VIDEO_MODELS[0] as VideoModel, 6)).toBe(8);
  });
});

describe('video model selector', () => {
  it('picks the cheapest model meeting quality and duration', async () => {
    const { selector } = setup();
    const economy = await selector.select({ quality: 'economy', durationSec: 5 }, OPEN_BUDGET);
    expect(economy.model.id).toBe('pixverse:1@2');
    expect(economy.estimatedCostUsd).toBeCloseTo(0.1);
    // 9 s: PixVerse and Vidu stop at 8 s, Kling bills 10 s.
    const long = await selector.select({ quality: 'economy', durationSec: 9 }, OPEN_BUDGET);
    expect(long.model.id).toBe('klingai:4@3');
    expect(long.billedDurationSec).toBe(10);
    const premium = await selector.select({ quality: 'premium', durationSec: 5 }, OPEN_BUDGET);
    expect(premium.model.id).toBe('vidu:3@1');
    // Fallbacks start with cheaper models (one tier down is allowed by default).
    expect(premium.fallbacks[0]?.estimatedCostUsd).toBeLessThanOrEqual(premium.estimatedCostUsd);
  });

  it('honours the remaining budget and the tier advice', async () => {
    const { selector } = setup();
    const tight = await selector.select(
      { quality: 'premium', durationSec: 10, allowDowngrade: false },
      { remainingUsd: 1.5, advice: 'premium' },
    );
    expect(tight.model.id).toBe('klingai:5@3');
    await expect(
      selector.select(
        { quality: 'premium', durationSec: 10, allowDowngrade: false },
        { remainingUsd: 0.5, advice: 'premium' },
      ),
    ).rejects.toMatchObject({ code: 'resource_exhausted' });
    const advised = await selector.select(
      { quality: 'premium', durationSec: 5 },
      { remainingUsd: 10, advice: 'economy' },
    );
    expect(advised.appliedQuality).toBe('economy');
    expect(advised.model.quality).toBe('economy');
    await expect(
      selector.select({ quality: 'economy', durationSec: 5 }, { remainingUsd: 10, advice: 'halt' }),
    ).rejects.toMatchObject({
      code: 'resource_exhausted',
    });
    await expect(selector.select({ quality: 'economy', durationSec: 30 }, OPEN_BUDGET)).rejects.toMatchObject(
      {
        code: 'invalid_argument',
        details: { field: 'durationSec' },
      },
    );
  });

  it('keeps rate-limit headroom and skips models cooling down after a 429', async () => {
    const { selector, clock } = setup();
    // PixVerse v4.5 allows 30 a minute; with 10% headroom the selector stops at 27.
    for (let index = 0; index < 27; index++) await selector.recordRequest('pixverse:1@2');
    const next = await selector.select({ quality: 'economy', durationSec: 5 }, OPEN_BUDGET);
    // Vidu 1.5 bills 8 s (0.20 USD) like PixVerse v5 bills 5 s: on a tie the higher tier wins.
    expect(next.model.id).toBe('pixverse:1@3');
    expect(next.verdicts.find((verdict) => verdict.modelId === 'pixverse:1@2')?.reason).toBe('rate_limit');
    clock.advance(61_000);
    expect((await selector.select({ quality: 'economy', durationSec: 5 }, OPEN_BUDGET)).model.id).toBe(
      'pixverse:1@2',
    );
    await selector.recordRateLimited('pixverse:1@2', 30_000);
    expect((await selector.select({ quality: 'economy', durationSec: 5 }, OPEN_BUDGET)).model.id).toBe(
      'pixverse:1@3',
    );
    clock.advance(31_000);
    expect((await selector.select({ quality: 'economy', durationSec: 5 }, OPEN_BUDGET)).model.id).toBe(
      'pixverse:1@2',
    );
  });

  it('answers a request no model can serve with failed_precondition, a wait that helps with retryAfterMs', async () => {
    const { selector } = setup();
    const everything = DEFAULT_VIDEO_MODELS.map((model) => model.id);
    await expect(
      selector.select({ quality: 'economy', durationSec: 5, excludeModels: everything }, OPEN_BUDGET),
    ).rejects.toMatchObject({
      code: 'failed_precondition',
      message: expect.stringContaining(`${everything.length} excluded`),
      details: { field: 'excludeModels' },
    });
    // Only the cooling-down model is left: waiting for its cooldown helps, and the error says how long.
    const cooling = 'pixverse:1@2';
    await selector.recordRateLimited(cooling, 20_000);
    const error = await selector
      .select(
        { quality: 'economy', durationSec: 5, excludeModels: everything.filter((id) => id !== cooling) },
        OPEN_BUDGET,
      )
      .catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'resource_exhausted', details: { retryAfterMs: 20_000 } });
  });

  it('saves money against a fixed model on a recorded 30-day workload', async () => {
    const workload = JSON.parse(
      readFileSync(new URL('./fixtures/video-workload-30d.json', import.meta.url), 'utf8'),
    ) as {
      start: string;
      requests: Array<[number, 'e' | 's' | 'p', number]>;
    };
    const tiers: Record<string, QualityTier> = { e: 'economy', s: 'standard', p: 'premium' };
    const start = Date.parse(workload.start);
    const fixed = DEFAULT_VIDEO_MODELS.find((model) => model.id === 'klingai:5@3') as VideoModel;
    const { selector, clock } = setup();
    // Runware's side: a model answers 429 beyond its per-minute limit.
    const sent = new Map<string, number[]>();
    const runware = (model: VideoModel, at: number): boolean => {
      const recent = (sent.get(model.id) ?? []).filter((time) => time > at - 60_000);
      if (recent.length >= model.rateLimitPerMinute) return false;
      sent.set(model.id, [...recent, at]);
      return true;
    };
    let selectedUsd = 0;
    let fixedUsd = 0;
    let fallbacks = 0;
    let fixedWaits = 0;
    for (const [offsetSec, tier, durationSec] of workload.requests) {
      const at = start + offsetSec * 1000;
      clock.set(at);
      const quality = tiers[tier] as QualityTier;
      const selection = await selector.select({ quality, durationSec }, OPEN_BUDGET);
      let done = false;
      for (const candidate of [selection, ...selection.fallbacks]) {
        await selector.recordRequest(candidate.model.id);
        if (runware(candidate.model, at)) {
          selectedUsd += candidate.estimatedCostUsd;
          expect(tierRank(candidate.model.quality)).toBeGreaterThanOrEqual(tierRank(quality) - 1);
          done = true;
          break;
        }
        fallbacks++;
        await selector.recordRateLimited(candidate.model.id, 60_000);
      }
      expect(done).toBe(true);
      // The fixed strategy always uses Kling 1.6 Pro (premium, up to 10 s) and waits out its 429s.
      let fixedAt = at + 30 * 24 * 3600 * 1000;
      while (!runware(fixed, fixedAt)) {
        fixedWaits++;
        fixedAt += 10_000;
      }
      fixedUsd += (billedDurationSec(fixed, durationSec) as number) * fixed.costPerSecondUsd;
    }
    const saving = 1 - selectedUsd / fixedUsd;
    console.log(
      `video model selection over ${workload.requests.length} requests / 30 days: $${selectedUsd.toFixed(2)} vs $${fixedUsd.toFixed(2)} with ${fixed.id} always -> saving ${(saving * 100).toFixed(1)}% (brief claims 40%); ${fallbacks} fallbacks after 429, fixed model waited ${fixedWaits} times`,
    );
    expect(workload.requests.length).toBeGreaterThan(500);
    expect(saving).toBeGreaterThan(0);
  });
});
