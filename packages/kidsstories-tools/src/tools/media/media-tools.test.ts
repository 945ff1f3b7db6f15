import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesOfResource } from '../../media/media-artifact.js';
import { readMp3Frames } from '../../media/mp3-frames.js';
import { createOfflineImageProvider } from '../../providers/offline/image-provider.js';
import { createOfflineSpeechProvider } from '../../providers/offline/speech-provider.js';
import type { ImageProvider } from '../../providers/provider-types.js';
import {
  callTool,
  createTestToolContext,
  createWordSafety,
  TEST_CHARACTERS,
  type TestToolContext,
} from '../../testing/test-tool-context.js';
import { createMediaTools } from './create-media-tools.js';

const image = createOfflineImageProvider();
const speech = createOfflineSpeechProvider({ maxConcurrency: 2 });
let harness: TestToolContext | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function tools(options: { image?: ImageProvider; safety?: ReturnType<typeof createWordSafety> } = {}) {
  const safety = options.safety ?? createWordSafety();
  const [generateImage, generateAudio, applyGuide] = createMediaTools({
    providers: { image: options.image ?? image, speech, safety },
    now: () => 1_000,
  });
  return { generateImage: generateImage!, generateAudio: generateAudio!, applyGuide: applyGuide!, safety };
}

function countColour(png: PNG, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
  let count = 0;
  for (let index = 0; index < png.data.length; index += 4) {
    if (png.data[index] === r && png.data[index + 1] === g && png.data[index + 2] === b) count++;
  }
  return count;
}

describe('media tools', () => {
  it('apply_character_guide stores the guide for 24 h and generate_image draws from it on every page', async () => {
    harness = createTestToolContext();
    const { ctx, events } = harness;
    const { applyGuide, generateImage } = tools();
    const applied = await callTool<{ storyId: string; key: string; ttlMs: number }>(
      applyGuide,
      { story: { id: 'story-1', title: 'The Blue Stone', characters: TEST_CHARACTERS, pages: [] } },
      ctx,
    );
    expect(applied.structuredContent).toMatchObject({
      storyId: 'story-1',
      key: 'character-guide:story-1',
      ttlMs: 86_400_000,
    });
    expect(await ctx.state.ttl('character-guide:story-1')).toBeGreaterThan(86_000_000);

    const scenes = ['a forest at dawn', 'a snowy night by the lake'];
    for (const [index, sceneDescription] of scenes.entries()) {
      const result = await callTool<{
        width: number;
        height: number;
        bytes: number;
        sha256: string;
        characters: string[];
        costUsd: number;
      }>(
        generateImage,
        {
          storyId: 'story-1',
          prompt: 'Pip and Mia follow the glowing stone.',
          sceneDescription,
          characters: ['Pip', 'Mia'],
          seed: index,
          page: index + 1,
        },
        ctx,
      );
      expect(result.structuredContent).toMatchObject({
        width: 1024,
        height: 1024,
        characters: ['Pip', 'Mia'],
        costUsd: 0,
        storyId: 'story-1',
      });
      const block = result.content?.find((entry) => entry.type === 'resource');
      expect(block).toMatchObject({ type: 'resource', resource: { mimeType: 'image/png' } });
      const png = PNG.sync.read(Buffer.from(bytesOfResource(block!)!));
      expect(png.width).toBe(1024);
      expect(png.data.length / 4).toBe(1024 * 1024);
      for (const colour of ['#e07a2f', '#2e6fd8', '#f2c6a0', '#f7d038'])
        expect(countColour(png, colour)).toBeGreaterThan(150);
      // Bolt is not on these pages.
      expect(countColour(png, '#9aa5b1')).toBe(0);
    }
    expect(events.filter(({ event }) => event.type === 'media.complete')).toHaveLength(2);
    expect(events[0]?.event.data).toMatchObject({ kind: 'image', storyId: 'story-1', page: 1 });
    const spent = await ctx.ledger.status('tool:generate_image');
    expect(spent).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  it('puts the guide in the image prompt, gates it for safety first, and charges the ledger', async () => {
    harness = createTestToolContext();
    const { ctx } = harness;
    const requests: Array<{ prompt: string; characters: string[] }> = [];
    const cloudLike: ImageProvider = {
      name: 'fake-cloud-image',
      async generateImage(request) {
        requests.push({
          prompt: request.prompt,
          characters: request.characters.map((look) => look.colorPalette.join(',')),
        });
        return { ...(await image.generateImage(request)), usage: { model: 'dall-e-3', images: 1 } };
      },
    };
    const { generateImage, safety } = tools({ image: cloudLike });
    const guide = { storyId: 's2', characters: TEST_CHARACTERS, createdAt: 1 };
    const ok = await callTool<{ costUsd: number; model: string }>(
      generateImage,
      {
        characterGuide: guide,
        prompt: 'Bolt waves hello.',
        sceneDescription: 'a town street',
        characters: ['Bolt'],
      },
      ctx,
    );
    expect(ok.structuredContent).toMatchObject({ costUsd: 0.04, model: 'dall-e-3' });
    expect(requests[0]?.characters).toEqual(['#9aa5b1,#4caf50,#ff7043']);
    expect(safety.calls[0]).toContain(
      'Bolt: a robot; features: square head; wearing green chest panel; colours exactly #9aa5b1, #4caf50, #ff7043',
    );
    expect(await ctx.ledger.status('server:media')).toMatchObject({ spentUsd: 0.04, reservedUsd: 0 });

    await expect(
      callTool(
        generateImage,
        { characterGuide: guide, prompt: 'Bolt finds a sword.', sceneDescription: 'a cave' },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'failed_precondition' });
    expect(requests).toHaveLength(1);
    await expect(
      callTool(generateImage, { storyId: 'missing', prompt: 'x', sceneDescription: 'y' }, ctx),
    ).rejects.toMatchObject({ code: 'failed_precondition', details: { field: 'storyId' } });
    await expect(
      callTool(
        generateImage,
        { characterGuide: guide, prompt: 'x', sceneDescription: 'y', characters: ['Zed'] },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'characters' } });
  });

  it('a budget rejection stops generate_image before the provider runs', async () => {
    harness = createTestToolContext({ budgets: { 'server:media': { limitUsd: 0.01 } } });
    const { ctx } = harness;
    let calls = 0;
    const priced: ImageProvider = {
      name: 'priced',
      async generateImage() {
        calls++;
        throw new Error('must not run');
      },
    };
    const { generateImage } = tools({ image: priced });
    await expect(
      callTool(generateImage, { prompt: 'A calm lake.', sceneDescription: 'a lake' }, ctx),
    ).rejects.toMatchObject({ code: 'resource_exhausted' });
    expect(calls).toBe(0);
  });

  it('generate_audio returns a 24 kHz mono MP3 resource with its duration', async () => {
    harness = createTestToolContext();
    const { ctx, events } = harness;
    const { generateAudio } = tools();
    const text = 'Pip held the blue stone and smiled at the moon.';
    const result = await callTool<{
      durationSec: number;
      sampleRate: number;
      voice: string;
      bytes: number;
      mimeType: string;
    }>(generateAudio, { text, voice: 'fable', storyId: 'story-1', page: 2 }, ctx);
    expect(result.structuredContent).toMatchObject({
      sampleRate: 24_000,
      voice: 'fable',
      mimeType: 'audio/mpeg',
      provider: 'offline-speech',
    });
    const mp3 = bytesOfResource(result.content!.find((entry) => entry.type === 'resource')!)!;
    expect(mp3.length).toBe(result.structuredContent?.bytes);
    const frames = readMp3Frames(mp3);
    expect(frames[0]).toMatchObject({ sampleRate: 24_000, channels: 1, bitrateKbps: 48 });
    expect((mp3[3]! >> 6) & 3).toBe(3);
    const seconds = result.structuredContent!.durationSec;
    expect(seconds).toBeGreaterThan(text.split(' ').length / 5);
    expect(seconds).toBeLessThan(text.split(' ').length / 1.2);
    expect(events.at(-1)?.event).toMatchObject({ type: 'media.complete', data: { kind: 'audio', page: 2 } });
    await expect(callTool(generateAudio, { text: '' }, ctx)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
