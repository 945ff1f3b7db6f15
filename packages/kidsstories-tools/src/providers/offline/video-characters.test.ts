import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { TEST_CHARACTERS } from '../../testing/test-tool-context.js';
import { createOfflineImageProvider } from './image-provider.js';
import { readSceneRecipe, withoutSceneRecipe } from './scene-recipe.js';
import {
  type CharacterPathOptions,
  characterEntranceOf,
  planCharacterPaths,
  spriteBoxAt,
} from './video-characters.js';

const sprites = [
  { name: 'Pip', x: 200, y: 620, width: 260, height: 300 },
  { name: 'Mia', x: 480, y: 630, width: 240, height: 290 },
];
const base: CharacterPathOptions = {
  sprites,
  facingLeft: false,
  entrance: 'enter',
  frameCount: 100,
  pictureWidth: 1024,
  spriteSizePx: 300,
};

function xs(offsets: Float32Array, index: number, options = base): number[] {
  return Array.from(
    { length: options.frameCount },
    (_, frame) => spriteBoxAt(options.sprites, offsets, frame, index).x,
  );
}

describe('character paths', () => {
  it('walks every character in from outside the picture, front one first, ending at its place', () => {
    const offsets = planCharacterPaths(base);
    for (const [index, sprite] of sprites.entries()) {
      const path = xs(offsets, index);
      // Walking right, each starts wholly left of the picture and ends where the picture shows it.
      expect(path[0]! + sprite.width).toBeLessThanOrEqual(0);
      expect(path.at(-1)).toBe(sprite.x);
      // Along the path: never backwards.
      for (let frame = 1; frame < path.length; frame++)
        expect(path[frame]).toBeGreaterThanOrEqual(path[frame - 1]!);
      // It bobs while walking and stands on its place at the end.
      const lifts = Array.from({ length: 100 }, (_, frame) => offsets[(frame * 2 + index) * 2 + 1]!);
      expect(Math.min(...lifts)).toBeLessThan(-5);
      expect(lifts.at(-1)).toBe(0);
    }
    // Mia stands in front (to the right): she sets off first and Pip follows.
    const firstMove = (index: number) => xs(offsets, index).findIndex((x, _frame, all) => x !== all[0]);
    expect(firstMove(1)).toBeLessThan(firstMove(0));
    // Facing left they come from the right.
    const leftward = planCharacterPaths({ ...base, facingLeft: true });
    expect(xs(leftward, 0)[0]).toBeGreaterThanOrEqual(1024);
    expect(xs(leftward, 0).at(-1)).toBe(200);
  });

  it('lets intensity, easing, start hold and loop change the walk', () => {
    const plain = planCharacterPaths(base);
    expect(planCharacterPaths({ ...base, intensity: 0 }).every((value) => value === 0)).toBe(true);
    const approach = planCharacterPaths({ ...base, entrance: 'approach' });
    expect(xs(approach, 0)[0]).toBeCloseTo(200 - 256);
    const stronger = planCharacterPaths({ ...base, entrance: 'approach', intensity: 0.8 });
    expect(xs(stronger, 0)[0]).toBeLessThan(xs(approach, 0)[0]!);
    expect(xs(planCharacterPaths({ ...base, easing: 'linear' }), 0)[30]).not.toBeCloseTo(xs(plain, 0)[30]!);
    expect(xs(planCharacterPaths({ ...base, easing: 'ease_out' }), 0)[30]).not.toBeCloseTo(xs(plain, 0)[30]!);
    const held = planCharacterPaths({ ...base, startHoldFrames: 20 });
    expect(
      xs(held, 1)
        .slice(0, 21)
        .every((x) => x === xs(held, 1)[0]),
    ).toBe(true);
    expect(xs(plain, 1)[20]).not.toBe(xs(plain, 1)[0]);
    const looped = planCharacterPaths({ ...base, loop: true });
    expect(xs(looped, 0).every((x) => x === 200)).toBe(true);
    expect(looped.subarray(0, 4).every((value) => value === 0)).toBe(true);
    expect(looped.subarray(-4).every((value) => value === 0)).toBe(true);
    expect(Math.min(...looped)).toBeLessThan(-5);
  });

  it('reads the entrance from the page', () => {
    expect(characterEntranceOf('Pip ran to the lighthouse, and Mia followed.')).toBe('enter');
    expect(characterEntranceOf('Otis arrived at the rock pool.')).toBe('enter');
    expect(characterEntranceOf('Mia looked at the kite and smiled.')).toBe('approach');
  });
});

describe('scene recipe', () => {
  it('travels in the offline picture and reads back as the request it was drawn from', async () => {
    const characters = TEST_CHARACTERS.map(({ traits: _traits, ...look }) => ({
      ...look,
      name: `${look.name} é`,
    }));
    const { png } = await createOfflineImageProvider().generateImage(
      { prompt: 'Pip waves.', sceneDescription: 'a beach', characters, size: '512x512' },
      { seed: 9 },
    );
    expect(readSceneRecipe(png)).toEqual({
      sceneDescription: 'a beach Pip waves.',
      characters,
      seed: 9,
      width: 512,
      height: 512,
    });
    const stripped = withoutSceneRecipe(png);
    expect(readSceneRecipe(stripped)).toBeUndefined();
    expect(PNG.sync.read(Buffer.from(stripped)).data.equals(PNG.sync.read(Buffer.from(png)).data)).toBe(true);
    expect(stripped.length).toBeLessThan(png.length);
    const broken = Buffer.from(png).toString('latin1').replace('"seed":9', '"seed":x');
    expect(() => readSceneRecipe(new Uint8Array(Buffer.from(broken, 'latin1')))).toThrow(
      expect.objectContaining({ code: 'invalid_argument', details: { field: 'png' } }),
    );
  });
});
