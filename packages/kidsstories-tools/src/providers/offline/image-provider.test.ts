import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { TEST_CHARACTERS } from '../../media/test-tool-context.js';
import { createOfflineImageProvider, parseImageSize } from './image-provider.js';
import { sceneLocationOf, sceneTimeOf, wrapText } from './image-scene.js';

const provider = createOfflineImageProvider();
const looks = TEST_CHARACTERS.map(({ traits: _traits, ...look }) => look);

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png));
}

/** Pixels whose RGB is exactly `hex`. */
function countColour(image: PNG, hex: string): number {
  const r = Number.parseInt(hex.slice(1, 3), 16);
  const g = Number.parseInt(hex.slice(3, 5), 16);
  const b = Number.parseInt(hex.slice(5, 7), 16);
  let count = 0;
  for (let index = 0; index < image.data.length; index += 4) {
    if (image.data[index] === r && image.data[index + 1] === g && image.data[index + 2] === b) count++;
  }
  return count;
}

function lumaVariance(image: PNG): number {
  let sum = 0;
  let squares = 0;
  const pixels = image.width * image.height;
  for (let index = 0; index < image.data.length; index += 4) {
    const luma =
      0.299 * (image.data[index] ?? 0) +
      0.587 * (image.data[index + 1] ?? 0) +
      0.114 * (image.data[index + 2] ?? 0);
    sum += luma;
    squares += luma * luma;
  }
  const mean = sum / pixels;
  return squares / pixels - mean * mean;
}

describe('offline image provider', () => {
  it('renders a 1024x1024 PNG that is not blank', async () => {
    const result = await provider.generateImage(
      {
        prompt: 'Pip found a shiny blue stone.',
        sceneDescription: 'a sunny forest',
        characters: looks,
        size: '1024x1024',
      },
      { seed: 3 },
    );
    const image = decode(result.png);
    expect([image.width, image.height, result.width, result.height]).toEqual([1024, 1024, 1024, 1024]);
    expect(lumaVariance(image)).toBeGreaterThan(200);
    expect(result.usage).toEqual({ model: 'offline-svg', images: 1 });
  });

  it("keeps every character's palette on every page, whatever the scene", async () => {
    const scenes = [
      'a sunny forest',
      'a beach at sunset',
      'a snowy mountain at night',
      'under the sea near a reef',
      'a busy town street',
    ];
    for (const [page, scene] of scenes.entries()) {
      const result = await provider.generateImage(
        {
          prompt: `Page ${page + 1}: the friends walk on.`,
          sceneDescription: scene,
          characters: looks,
          size: '1024x1024',
        },
        { seed: page },
      );
      const image = decode(result.png);
      for (const look of looks) {
        for (const colour of look.colorPalette.slice(0, 3)) {
          expect(countColour(image, colour), `${look.name} ${colour} on page ${page + 1}`).toBeGreaterThan(
            150,
          );
        }
      }
    }
  });

  it('is deterministic for a seed and varies with it', async () => {
    const request = {
      prompt: 'Mia waves.',
      sceneDescription: 'a meadow',
      characters: looks.slice(1, 2),
      size: '512x512',
    };
    const a = await provider.generateImage(request, { seed: 11 });
    const b = await provider.generateImage(request, { seed: 11 });
    const c = await provider.generateImage(request, { seed: 12 });
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(true);
    expect(Buffer.from(a.png).equals(Buffer.from(c.png))).toBe(false);
    expect(decode(a.png).width).toBe(512);
  });

  it('rejects a malformed or out-of-range size with invalid_argument naming size', async () => {
    await expect(
      provider.generateImage({ prompt: 'x', sceneDescription: 'y', characters: [], size: 'big' }),
    ).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'size' } });
    expect(() => parseImageSize('4096x4096')).toThrow(/256 to 2048/);
  });

  it('reads location and light from the scene description', () => {
    expect(sceneLocationOf('A walk by the river')).toBe('beach');
    expect(sceneLocationOf('deep in the woods')).toBe('forest');
    expect(sceneLocationOf('nowhere in particular')).toBe('meadow');
    expect(sceneTimeOf('a starry night')).toBe('night');
    expect(sceneTimeOf('at sunset')).toBe('sunset');
    expect(wrapText('one two three four five six', 9, 2)).toEqual(['one two', 'three…']);
  });
});

describe('offline image provider: text XML cannot hold', () => {
  it('draws a prompt with control characters and lone surrogates instead of failing (found by the fuzz test)', async () => {
    const result = await provider.generateImage(
      {
        prompt: 'Pip \u0000\u0001\u001f found \ud800 a stone & a <star>.',
        sceneDescription: 'a forest \u0007 at dusk',
        characters: looks,
        size: '256x256',
      },
      { seed: 1 },
    );
    expect(decode(result.png).width).toBe(256);
  });
});
