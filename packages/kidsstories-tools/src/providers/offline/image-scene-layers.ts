import { type RandomSource, randomBetween } from '../../random/seeded-random.js';
import type { CharacterLook } from '../provider-types.js';
import { drawCharacter, escapeXml, type FaceStyle } from './image-character.js';
import { spriteFor, spriteSvg } from './image-sprites.js';

/**
 * The layers of an offline page picture drawn from the openly licensed sprites: the weather, the objects the
 * page names and the characters as their species, dressed in the character guide's palette, clothing and marks.
 * Coordinates are in the scene's 1024-unit space; the horizon is at y = 600.
 */

/** The weather a scene shows. */
export type SceneWeather = 'sunny' | 'rainy' | 'snowy' | 'windy' | 'cloudy' | 'clear';

const WEATHER_WORDS: ReadonlyArray<[SceneWeather, RegExp]> = [
  ['rainy', /\b(rainy|rain|raining|drizzle|storm)\b/],
  ['snowy', /\b(snowy|snowing|snowfall|blizzard)\b/],
  ['windy', /\b(windy|wind|gusty|breezy)\b/],
  ['cloudy', /\b(cloudy|overcast|fog|foggy|grey sky)\b/],
  ['clear', /\b(clear weather|clear sky|clear night)\b/],
  ['sunny', /\b(sunny|sunshine|sunlit)\b/],
];

/** The weather a description names (`… rainy weather`); `sunny` when it names none. */
export function sceneWeatherOf(description: string): SceneWeather {
  const text = description.toLowerCase();
  const named = /(\w+) weather/.exec(text)?.[1];
  const direct = WEATHER_WORDS.find(([weather]) => weather === named)?.[0];
  return direct ?? WEATHER_WORDS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'sunny';
}

/** The objects a description lists after `Objects:` (the offline story writes them), else none. */
export function sceneObjectsOf(description: string): string[] {
  const list = /Objects:\s*([^.]+)/i.exec(description)?.[1] ?? '';
  return list
    .split(',')
    .map((object) => object.trim())
    .filter((object) => object.length > 0);
}

/** Weather over the scene: rain streaks, snowflakes, wind, clouds or nothing. */
export function weatherLayer(weather: SceneWeather, night: boolean, random: RandomSource): string {
  // The night sky (moon and stars) is drawn with the backdrop; the sun only shows by day.
  const out: string[] = [];
  if (weather === 'rainy' || weather === 'cloudy' || weather === 'snowy') {
    const cloud = weather === 'rainy' ? 'cloud-with-rain' : weather === 'snowy' ? 'cloud-with-snow' : 'cloud';
    for (let index = 0; index < 3; index++) {
      const x = 170 + index * 340 + randomBetween(random, -60, 60);
      out.push(
        spriteSvg(cloud, { x, y: randomBetween(random, 200, 300), size: randomBetween(random, 170, 230) }),
      );
    }
  }
  if (weather === 'rainy') {
    for (let index = 0; index < 70; index++) {
      const x = randomBetween(random, 0, 1024);
      const y = randomBetween(random, 250, 1000);
      out.push(
        `<line x1="${n(x)}" y1="${n(y)}" x2="${n(x - 8)}" y2="${n(y + 30)}" stroke="#9cc7f0" stroke-width="4" stroke-linecap="round" stroke-opacity="0.8"/>`,
      );
    }
  } else if (weather === 'snowy') {
    for (let index = 0; index < 14; index++) {
      out.push(
        spriteSvg('snowflake', {
          x: randomBetween(random, 20, 1000),
          y: randomBetween(random, 280, 1000),
          size: randomBetween(random, 26, 48),
        }),
      );
    }
  } else if (weather === 'windy') {
    out.push(spriteSvg('wind-face', { x: randomBetween(random, 120, 260), y: 300, size: 170 }));
    for (let index = 0; index < 5; index++) {
      out.push(
        spriteSvg('leaf-fluttering-in-wind', {
          x: randomBetween(random, 300, 1000),
          y: randomBetween(random, 250, 560),
          size: randomBetween(random, 50, 80),
        }),
      );
    }
  } else if (weather === 'sunny' && !night) {
    out.push(spriteSvg('sun', { x: randomBetween(random, 140, 880), y: 230, size: 150 }));
  }
  return out.join('');
}

/** A named object placed in the picture. */
export interface PlacedObject {
  object: string;
  sprite: string;
}

/** The objects a scene names that have a sprite, each once. */
export function objectSprites(objects: readonly string[]): PlacedObject[] {
  const placed: PlacedObject[] = [];
  for (const object of objects) {
    const sprite = spriteFor(object);
    if (sprite && !placed.some((entry) => entry.sprite === sprite)) placed.push({ object, sprite });
  }
  return placed;
}

/**
 * The named objects: the first large in the background, the rest in the middle ground, on seeded sides that
 * leave room for the characters. Each carries `data-object` so tests can find it in the SVG. `focus` is the
 * centre of the first object, as fractions of the picture (where a clip's camera goes).
 */
export function objectLayer(
  placed: readonly PlacedObject[],
  random: RandomSource,
): { svg: string; focus?: { x: number; y: number } } {
  const leftFirst = random() < 0.5;
  let focus: { x: number; y: number } | undefined;
  const svg = placed
    .map((entry, index) => {
      const side = (index % 2 === 0) === leftFirst ? -1 : 1;
      const x = 512 + side * randomBetween(random, 250, 380);
      const y = index === 0 ? randomBetween(random, 640, 700) : randomBetween(random, 820, 900);
      const size = index === 0 ? randomBetween(random, 250, 320) : randomBetween(random, 150, 200);
      if (index === 0)
        focus = {
          x: Math.round((x / 1024) * 1000) / 1000,
          y: Math.round(((y - size / 2) / 1024) * 1000) / 1000,
        };
      return spriteSvg(entry.sprite, { x, y, size, attributes: { 'data-object': entry.object } });
    })
    .join('');
  return focus ? { svg, focus } : { svg };
}

const CLOTHING_WORDS = [
  'scarf',
  'raincoat',
  'coat',
  'backpack',
  'hat',
  'boots',
  'vest',
  'tie',
  'cape',
  'dress',
];
const MARK_SPRITES: ReadonlyArray<[RegExp, string]> = [
  [/star/, 'glowing-star'],
  [/heart/, 'red-heart'],
  [/bell/, 'bell'],
  [/moon/, 'crescent-moon'],
];

// Sprites of the set that show an animal's head only (Unicode names them "... FACE", or draws them so).
const FACE_SPRITES: ReadonlySet<string> = new Set([
  'fox',
  'raccoon',
  'bear',
  'lion',
  'panda',
  'koala',
  'hamster',
  'frog',
  'wolf',
  'unicorn',
  'zebra',
  'giraffe',
  'cat-face',
  'dog-face',
  'rabbit-face',
  'mouse-face',
  'tiger-face',
  'pig-face',
  'cow-face',
  'monkey-face',
  'horse-face',
]);

/**
 * One character: its species' sprite standing on a disc of its body colour, a sash (a scarf, for a head-only
 * sprite) in its clothing colour with a badge in its accent colour, the first clothing item it wears and its mark. A species with no sprite is
 * drawn with the shape-built figure of `image-character.ts`.
 */
export function characterSvg(
  look: CharacterLook,
  x: number,
  baseY: number,
  size: number,
  flip: boolean,
  faceStyle: FaceStyle = 'round_friendly',
): string {
  // The emoji set's faces are the round, friendly ones; the other face styles use the shape-built figure.
  const sprite =
    faceStyle === 'round_friendly' ? (spriteFor(look.species ?? '') ?? spriteFor(look.name)) : undefined;
  if (!sprite) return drawCharacter(look, { x, baseY, scale: size / 300, label: false, faceStyle });
  const [body = '#999999', clothing = '#555555', accent = '#dddddd'] = look.colorPalette;
  // A sprite that is only a head wears the band as a scarf under its chin, not across its face; a whole
  // animal wears it as a sash across its body.
  const band = FACE_SPRITES.has(sprite) ? { top: 0.1, tilt: -4 } : { top: 0.38, tilt: -8 };
  const bandY = baseY - size * band.top;
  const parts = [
    `<ellipse cx="${n(x)}" cy="${n(baseY - 6)}" rx="${n(size * 0.42)}" ry="${n(size * 0.09)}" fill="${body}"/>`,
    spriteSvg(sprite, { x, y: baseY, size, flip, attributes: { 'data-character': look.name } }),
    `<rect x="${n(x - size * 0.34)}" y="${n(bandY)}" width="${n(size * 0.68)}" height="${n(size * 0.1)}" rx="${n(size * 0.05)}" fill="${clothing}" transform="rotate(${band.tilt} ${n(x)} ${n(bandY + size * 0.05)})"/>`,
    `<circle cx="${n(x + (flip ? -1 : 1) * size * 0.2)}" cy="${n(bandY + size * 0.04)}" r="${n(size * 0.07)}" fill="${accent}" stroke="#2b2b2b" stroke-width="3"/>`,
  ];
  const wearing = look.clothing.join(' ').toLowerCase();
  const item = CLOTHING_WORDS.find((word) => wearing.includes(word));
  const clothingSprite = item ? spriteFor(item) : undefined;
  if (clothingSprite) {
    parts.push(
      spriteSvg(clothingSprite, {
        x: x + (flip ? 1 : -1) * size * 0.32,
        y: baseY - size * 0.02,
        size: size * 0.34,
      }),
    );
  }
  const marks = look.distinctiveMarks.join(' ').toLowerCase();
  const mark = MARK_SPRITES.find(([pattern]) => pattern.test(marks))?.[1];
  if (mark)
    parts.push(
      spriteSvg(mark, { x: x + (flip ? -1 : 1) * size * 0.3, y: baseY - size * 0.72, size: size * 0.2 }),
    );
  return `<g data-look="${escapeXml(look.name)}">${parts.join('')}</g>`;
}

function n(value: number): number {
  return Math.round(value * 10) / 10;
}
