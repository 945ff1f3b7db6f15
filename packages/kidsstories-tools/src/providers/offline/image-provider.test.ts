import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { bundleCreditSchema } from '../../bundle/index.js';
import { resolveParameters } from '../../parameters/generation-parameters.js';
import { TEST_CHARACTERS } from '../../testing/test-tool-context.js';
import { createOfflineImageProvider, parseImageSize } from './image-provider.js';
import { buildSceneSvg, sceneLocationOf, sceneTimeOf, wrapText } from './image-scene.js';
import { characterSvg, sceneObjectsOf, sceneWeatherOf } from './image-scene-layers.js';
import { OFFLINE_ILLUSTRATION_LICENSE, spriteFor } from './image-sprites.js';
import { HELPERS } from './story-beats.js';
import { generateTemplateStory } from './story-generator.js';
import { GOAL_PLANS, OBSTACLE_PLANS } from './story-plot-banks.js';
import { SETTINGS, SPECIES } from './story-word-banks.js';

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
    expect(sceneLocationOf('A walk by the river')).toBe('waterside');
    expect(sceneLocationOf('near the duck pond in Clover Farm')).toBe('waterside');
    expect(sceneLocationOf('a sandy beach by the sea')).toBe('beach');
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

describe('offline pictures that show the page (issue 13)', () => {
  const parameters = resolveParameters({ page_count: 6 });
  const story = generateTemplateStory(parameters, 7, () => new Date('2026-12-06T12:00:00Z'));
  const looksOf = (names: readonly string[]) =>
    story.characters.filter((character) => names.includes(character.name));

  it('draws six pairwise different pictures for the six pages of a story', async () => {
    const images = await Promise.all(
      story.pages.map(async (page) =>
        decode(
          (
            await provider.generateImage(
              {
                prompt: page.text,
                sceneDescription: page.sceneDescription,
                characters: looksOf(page.charactersPresent),
                size: '512x512',
              },
              { seed: 1 },
            )
          ).png,
        ),
      ),
    );
    for (let first = 0; first < images.length; first++) {
      for (let second = first + 1; second < images.length; second++) {
        const a = images[first]?.data as Buffer;
        const b = images[second]?.data as Buffer;
        let differing = 0;
        for (let index = 0; index < a.length; index += 4) {
          if (
            Math.abs((a[index] ?? 0) - (b[index] ?? 0)) +
              Math.abs((a[index + 1] ?? 0) - (b[index + 1] ?? 0)) >
            24
          )
            differing++;
        }
        expect(differing / (a.length / 4), `pages ${first + 1} and ${second + 1}`).toBeGreaterThan(0.02);
      }
    }
  });

  it('puts a sprite of every object a page names into the SVG, and no text unless asked', () => {
    for (const page of story.pages) {
      const svg = buildSceneSvg({
        sceneDescription: page.sceneDescription,
        characters: looksOf(page.charactersPresent),
        seed: 1,
        width: 1024,
        height: 1024,
      });
      const objects = sceneObjectsOf(page.sceneDescription);
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) {
        expect(svg, object).toMatch(new RegExp(`data-sprite="${spriteFor(object)}" data-object="${object}"`));
      }
      for (const name of page.charactersPresent) expect(svg).toContain(`data-character="${name}"`);
      expect(svg).not.toContain('<text');
    }
    const captioned = buildSceneSvg({
      sceneDescription: 'a meadow',
      caption: 'Pip runs home.',
      characters: [],
      seed: 1,
      width: 512,
      height: 512,
    });
    expect(captioned).toContain('Pip runs home.');
  });

  it('has a sprite for every species, helper, landmark, wanted thing and obstacle the story can name', () => {
    const named = [
      ...Object.values(SPECIES).flatMap((entries) => entries.map((entry) => entry.species)),
      ...HELPERS,
      ...Object.values(SETTINGS).flatMap((setting) => setting.landmarks),
      ...Object.values(GOAL_PLANS).flatMap((goal) => goal.items),
      ...Object.values(OBSTACLE_PLANS).flatMap((plans) => plans.map((plan) => plan.sprite)),
    ];
    expect(named.filter((phrase) => spriteFor(phrase) === undefined)).toEqual([]);
    // An otter is not a turtle: each species has its own sprite.
    expect(spriteFor('otter')).toBe('otter');
    expect(spriteFor('turtle')).toBe('turtle');
    expect(spriteFor('bear cub')).toBe('bear');
  });

  it('shows the weather and light the scene names', () => {
    const svg = (weather: string) =>
      buildSceneSvg({
        sceneDescription: `a forest, morning light, ${weather} weather. Objects: kite.`,
        characters: [],
        seed: 2,
        width: 512,
        height: 512,
      });
    expect(sceneWeatherOf('in the woods, night light, rainy weather.')).toBe('rainy');
    expect(svg('rainy')).toContain('data-sprite="cloud-with-rain"');
    expect(svg('snowy')).toContain('data-sprite="snowflake"');
    expect(svg('windy')).toContain('data-sprite="wind-face"');
    expect(svg('sunny')).toContain('data-sprite="sun"');
    expect(svg('rainy')).not.toContain('data-sprite="sun"');
  });

  it('records the licence and attribution of the illustration set', async () => {
    expect(OFFLINE_ILLUSTRATION_LICENSE).toMatchObject({
      license: 'MIT',
      npmPackage: '@iconify-json/fluent-emoji-flat',
    });
    const result = await provider.generateImage({
      prompt: 'x',
      sceneDescription: 'a meadow',
      characters: [],
      size: '256x256',
    });
    expect(result.attribution).toBe(OFFLINE_ILLUSTRATION_LICENSE.attribution);
    // Ready for a story bundle's manifest.
    expect(bundleCreditSchema.parse(OFFLINE_ILLUSTRATION_LICENSE.credit)).toMatchObject({ licence: 'MIT' });
  });
});

describe('character clothing', () => {
  const look = (species: string) => ({
    ...(TEST_CHARACTERS[0] as (typeof TEST_CHARACTERS)[number]),
    species,
  });
  // The band is the first <rect> of a sprite character: its top, as a share of the sprite's size above its feet.
  const bandTop = (species: string) => {
    const y = Number(
      /<rect x="[^"]+" y="([^"]+)"/.exec(characterSvg(look(species), 500, 900, 300, false))?.[1],
    );
    return (900 - y) / 300;
  };

  it('puts the sash of a head-only sprite under its chin, and across the body of a whole animal', () => {
    for (const face of ['fox', 'raccoon', 'bear', 'lion', 'panda'])
      expect(bandTop(face)).toBeLessThanOrEqual(0.15);
    for (const whole of ['owl', 'turtle', 'rabbit', 'hedgehog']) expect(bandTop(whole)).toBeGreaterThan(0.3);
  });
});
