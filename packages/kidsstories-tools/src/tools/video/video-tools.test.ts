import { MeshError } from '@kidsstories/mesh-core';
import type { ToolProgress } from '@kidsstories/mesh-core/host';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesOfResource } from '../../media/media-artifact.js';
import { inspectMp4 } from '../../media/mp4-inspect.js';
import { createOfflineImageProvider } from '../../providers/offline/image-provider.js';
import { createOfflineSpeechProvider } from '../../providers/offline/speech-provider.js';
import { createOfflineVideoProvider } from '../../providers/offline/video-provider.js';
import type { VideoProvider } from '../../providers/provider-types.js';
import {
  callTool,
  createTestToolContext,
  TEST_CHARACTERS,
  type TestToolContext,
} from '../../testing/test-tool-context.js';
import { createVideoTools } from './create-video-tools.js';

const offlineVideo = createOfflineVideoProvider({ maxConcurrency: 2 });
let harness: TestToolContext | undefined;
let pngBase64: string | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function page(): Promise<string> {
  if (pngBase64) return pngBase64;
  const looks = TEST_CHARACTERS.map(({ traits: _traits, ...look }) => look);
  const { png } = await createOfflineImageProvider().generateImage(
    { prompt: 'The friends wave.', sceneDescription: 'a meadow', characters: looks, size: '512x512' },
    { seed: 4 },
  );
  pngBase64 = Buffer.from(png).toString('base64');
  return pngBase64;
}

function tools(video: VideoProvider = offlineVideo) {
  const [selectModel, animateImage, batchRender] = createVideoTools({ providers: { video } });
  return { selectModel: selectModel!, animateImage: animateImage!, batchRender: batchRender! };
}

describe('video tools', () => {
  it('select_model picks the cheapest fitting model and honours the budget', async () => {
    harness = createTestToolContext({ budgets: { 'server:video': { limitUsd: 0.3 } } });
    const { selectModel } = tools();
    const result = await callTool<{
      modelId: string;
      estimatedCostUsd: number;
      remainingUsd: number;
      fallbacks: unknown[];
    }>(selectModel, { quality: 'standard', durationSec: 5 }, harness.ctx);
    expect(result.structuredContent).toMatchObject({
      modelId: 'pixverse:1@3',
      estimatedCostUsd: 0.2,
      remainingUsd: 0.3,
    });
    await expect(
      callTool(selectModel, { quality: 'premium', durationSec: 10, allowDowngrade: false }, harness.ctx),
    ).rejects.toMatchObject({ code: 'resource_exhausted' });
    await expect(callTool(selectModel, { durationSec: 60 }, harness.ctx)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('animate_image reports progress at the start, while the clip renders and when it is done', async () => {
    harness = createTestToolContext();
    const slow: VideoProvider = {
      name: 'slow-offline',
      async animate(request, options) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return offlineVideo.animate(request, options);
      },
    };
    const [, animateImage] = createVideoTools({ providers: { video: slow }, progressIntervalMs: 40 });
    const progress: ToolProgress[] = [];
    const ctx = { ...harness.ctx, reportProgress: (item: ToolProgress) => progress.push(item) };
    await callTool(animateImage!, { png: await page(), durationSec: 1, width: 64, height: 64 }, ctx);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.map((item) => item.progress)).toEqual(progress.map((_, index) => index + 1));
    expect(progress.some((item) => item.message?.startsWith('rendering,'))).toBe(true);
    const last = progress.at(-1);
    expect(last).toMatchObject({ total: last?.progress, message: expect.stringMatching(/^rendered with /) });
  });

  it('animate_image renders an MP4 resource and falls back to a cheaper model on 429', async () => {
    harness = createTestToolContext();
    const { ctx, events } = harness;
    const tried: string[] = [];
    const flaky: VideoProvider = {
      name: 'flaky-runware',
      async animate(request, options) {
        tried.push(request.model);
        if (request.model === 'vidu:3@1') {
          throw new MeshError('429 Too Many Requests', 'resource_exhausted', {
            details: { retryAfterMs: 20_000 },
          });
        }
        const clip = await offlineVideo.animate(request, options);
        return { ...clip, usage: { model: request.model, seconds: clip.durationSec } };
      },
    };
    const { animateImage } = tools(flaky);
    const result = await callTool<{
      modelId: string;
      costUsd: number;
      durationSec: number;
      frameCount: number;
      rateLimitedModels: string[];
    }>(
      animateImage,
      {
        png: await page(),
        quality: 'premium',
        durationSec: 5,
        motion: 'zoom_in',
        width: 256,
        height: 256,
        page: 3,
      },
      ctx,
    );
    expect(tried[0]).toBe('vidu:3@1');
    expect(result.structuredContent?.rateLimitedModels).toEqual(['vidu:3@1']);
    // The fallback is cheaper than Vidu Q1's 0.40 USD for 5 s.
    expect(result.structuredContent!.costUsd).toBeLessThan(0.4);
    expect(result.structuredContent).toMatchObject({ durationSec: 5, frameCount: 60 });
    const mp4 = bytesOfResource(result.content!.find((block) => block.type === 'resource')!)!;
    const facts = await inspectMp4(mp4);
    expect(facts).toMatchObject({ frameCount: 60, width: 256, height: 256 });
    expect(facts.codec).toMatch(/^avc1/);
    expect(await ctx.ledger.status('tool:animate_image')).toMatchObject({
      spentUsd: result.structuredContent!.costUsd,
      reservedUsd: 0,
    });
    expect(events.at(-1)?.event).toMatchObject({ type: 'media.complete', data: { kind: 'video', page: 3 } });
    // The model that answered 429 is cooling down: the next selection skips it.
    const next = await callTool<{ verdicts: Array<{ modelId: string; reason?: string }> }>(
      tools(flaky).selectModel,
      { quality: 'premium', durationSec: 5 },
      ctx,
    );
    expect(next.structuredContent?.verdicts.find((verdict) => verdict.modelId === 'vidu:3@1')?.reason).toBe(
      'cooling_down',
    );
  });

  it('animate_image with the offline provider reports the local encoder at cost 0 and speaks the narration', async () => {
    harness = createTestToolContext();
    const { mp3, durationSec } = await createOfflineSpeechProvider({ maxConcurrency: 1 }).synthesize({
      text: 'The friends wave hello.',
      voice: 'slt',
    });
    const { animateImage } = tools();
    const result = await callTool<{
      modelId: string;
      costUsd: number;
      estimatedCostUsd: number;
      durationSec: number;
      audioDurationSec?: number;
    }>(
      animateImage,
      {
        png: await page(),
        quality: 'premium',
        model: 'vidu:3@1',
        audio: Buffer.from(mp3).toString('base64'),
        focus: { x: 0.3, y: 0.6 },
        width: 256,
        height: 256,
      },
      harness.ctx,
    );
    expect(result.structuredContent).toMatchObject({
      modelId: 'offline-panzoom',
      costUsd: 0,
      estimatedCostUsd: 0,
    });
    expect(Math.abs((result.structuredContent?.durationSec ?? 0) - durationSec)).toBeLessThan(0.5);
    expect(result.structuredContent?.audioDurationSec).toBeGreaterThan(0);
    const facts = await inspectMp4(
      bytesOfResource(result.content!.find((block) => block.type === 'resource')!)!,
    );
    expect(facts.tracks).toEqual({ video: 1, audio: 1 });
    await expect(
      callTool(animateImage, { png: await page(), audio: 'not base64 at all!' }, harness.ctx),
    ).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'audio' } });
  });

  it('batch_render renders several clips with bounded parallelism', async () => {
    harness = createTestToolContext();
    let running = 0;
    let peak = 0;
    const counting: VideoProvider = {
      name: 'counting',
      async animate(request, options) {
        running++;
        peak = Math.max(peak, running);
        try {
          return await offlineVideo.animate(request, options);
        } finally {
          running--;
        }
      },
    };
    const { batchRender } = tools(counting);
    const png = await page();
    const result = await callTool<{
      rendered: number;
      failed: number;
      maxParallel: number;
      clips: Array<{ ok: boolean; clip?: { durationSec: number }; error?: { code: string } }>;
    }>(
      batchRender,
      {
        maxParallel: 2,
        clips: [
          { png, durationSec: 5, width: 128, height: 128, motion: 'pan_left' },
          { png, durationSec: 6, width: 128, height: 128, motion: 'pan_right' },
          { png, durationSec: 5, width: 128, height: 128 },
          { png: Buffer.from('not a png at all').toString('base64'), durationSec: 5 },
        ],
      },
      harness.ctx,
    );
    expect(result.structuredContent).toMatchObject({ rendered: 3, failed: 1, maxParallel: 2 });
    expect(result.structuredContent?.clips[3]).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument' },
    });
    expect(result.structuredContent?.clips[1]?.clip?.durationSec).toBe(6);
    expect(peak).toBe(2);
    const resources = result.content!.filter((block) => block.type === 'resource');
    expect(resources).toHaveLength(3);
    for (const block of resources) expect((await inspectMp4(bytesOfResource(block)!)).codec).toMatch(/^avc1/);
  });
});
