import { createRequire } from 'node:module';
import { getIconData, iconToSVG } from '@iconify/utils';
import { escapeXml } from './image-character.js';

type IconifyJSON = Parameters<typeof getIconData>[0];

/**
 * The sprites of the offline illustrator: emoji of the Fluent Emoji Flat set (Microsoft, MIT licence) in
 * Iconify JSON (`@iconify-json/fluent-emoji-flat`), turned into SVG with `@iconify/utils` and rendered by resvg
 * as part of the page. Words of a scene (species, objects, weather) are mapped to sprite names here.
 */

/** Licence and attribution of the offline illustrations, for package docs and a bundle's manifest. */
export const OFFLINE_ILLUSTRATION_LICENSE = {
  set: 'Fluent Emoji Flat',
  author: 'Microsoft Corporation',
  license: 'MIT',
  licenseUrl: 'https://github.com/microsoft/fluentui-emoji/blob/main/LICENSE',
  source: 'https://github.com/microsoft/fluentui-emoji',
  npmPackage: '@iconify-json/fluent-emoji-flat',
  attribution: 'Illustrations use Fluent Emoji Flat by Microsoft Corporation (MIT licence).',
  /** The same, as an entry of a story bundle manifest's `credits` (`BundleCredit`). */
  credit: {
    work: 'Fluent Emoji Flat',
    author: 'Microsoft Corporation',
    licence: 'MIT',
    url: 'https://github.com/microsoft/fluentui-emoji',
  },
} as const;

// Word (or last word of a phrase) -> sprite, for words that are not sprite names themselves.
const LEXICON: Readonly<Record<string, string>> = {
  // Characters.
  cub: 'bear',
  kitten: 'cat',
  duckling: 'baby-chick',
  squirrel: 'chipmunk',
  dragon: 'dragon',
  robin: 'bird',
  ladybird: 'lady-beetle',
  bee: 'honeybee',
  crow: 'bird',
  // Landmarks and places.
  tree: 'deciduous-tree',
  oak: 'deciduous-tree',
  log: 'wood',
  brook: 'water-wave',
  stream: 'water-wave',
  water: 'water-wave',
  lake: 'canoe',
  mushrooms: 'mushroom',
  lighthouse: 'tokyo-tower',
  pool: 'rock',
  huts: 'hut',
  shed: 'hut',
  pier: 'bridge-at-night',
  bridge: 'bridge-at-night',
  square: 'convenience-store',
  bakery: 'bread',
  tower: 'mantelpiece-clock',
  barn: 'derelict-house',
  pond: 'lotus',
  pads: 'lotus',
  orchard: 'red-apple',
  loft: 'sheaf-of-rice',
  cave: 'hole',
  mouth: 'hole',
  waterfall: 'water-wave',
  meadow: 'blossom',
  beds: 'carrot',
  crater: 'hole',
  rocks: 'rock',
  library: 'books',
  playground: 'playground-slide',
  stop: 'bus-stop',
  hill: 'mountain',
  windmill: 'house-with-garden',
  fair: 'ferris-wheel',
  // Wanted things.
  button: 'coin',
  ball: 'red-circle',
  pebble: 'rock',
  apples: 'red-apple',
  wagon: 'shopping-cart',
  seeds: 'seedling',
  honey: 'honey-pot',
  whistle: 'musical-note',
  bike: 'bicycle',
  swim: 'person-swimming',
  arrows: 'left-right-arrow',
  footprints: 'footprints',
  stars: 'star',
  marks: 'pencil',
  crown: 'crown',
  card: 'love-letter',
  cup: 'teacup-without-handle',
  boat: 'sailboat',
  // Obstacles.
  signpost: 'left-right-arrow',
  path: 'footprints',
  hedge: 'evergreen-tree',
  hedges: 'evergreen-tree',
  brambles: 'rose',
  gate: 'door',
  wind: 'wind-face',
  snowdrift: 'snowman-without-snow',
  puddle: 'droplet',
  // Clothing.
  raincoat: 'coat',
  hat: 'billed-cap',
  boots: 'hiking-boot',
  vest: 't-shirt',
  tie: 'necktie',
  cape: 'coat',
};

let iconSet: IconifyJSON | undefined;

function icons(): IconifyJSON {
  iconSet ??= createRequire(import.meta.url)('@iconify-json/fluent-emoji-flat/icons.json') as IconifyJSON;
  return iconSet;
}

/** Whether the set has a sprite of this name. */
export function hasSprite(name: string): boolean {
  return getIconData(icons(), name) !== null;
}

/**
 * The sprite that shows a word or phrase (`bear cub` -> `bear`, `striped lighthouse` -> `tokyo-tower`):
 * the last word that names a sprite, directly or through the lexicon; `undefined` when none does.
 *
 * @example
 * ```ts
 * spriteFor('a blue kite'); // 'kite'
 * ```
 */
export function spriteFor(phrase: string): string | undefined {
  const words = phrase
    .toLowerCase()
    .replace(/[^a-z\s-]/g, ' ')
    .split(/\s+/)
    .filter((word) => word.length > 1);
  for (let index = words.length - 1; index >= 0; index--) {
    const word = words[index] as string;
    const candidate = LEXICON[word] ?? word;
    if (hasSprite(candidate)) return candidate;
    const singular = word.replace(/s$/, '');
    if (singular !== word && hasSprite(LEXICON[singular] ?? singular)) return LEXICON[singular] ?? singular;
  }
  return undefined;
}

/** Where and how big a sprite is drawn, in the scene's 1024-unit space. */
export interface SpritePlacement {
  /** Centre x. */
  x: number;
  /** Bottom y (where it stands). */
  y: number;
  /** Side of the square sprite. */
  size: number;
  /** Mirror horizontally (facing the other way). */
  flip?: boolean;
  /** Extra attributes of the group, such as `data-object`. */
  attributes?: Record<string, string>;
}

/**
 * The SVG markup of a sprite at a placement (a `<g>` with a nested `<svg>`), with ids prefixed by the sprite
 * and its place so several copies can share a page (deterministically).
 *
 * @throws Error when the set has no such sprite (a lexicon bug).
 */
export function spriteSvg(name: string, placement: SpritePlacement): string {
  const data = getIconData(icons(), name);
  if (!data) throw new Error(`the illustration set has no sprite "${name}"`);
  const built = iconToSVG(data, { height: 'auto' });
  const { size } = placement;
  const x = placement.x - size / 2;
  const y = placement.y - size;
  const body = prefixIds(built.body, `${name}-${Math.round(x)}-${Math.round(y)}-`);
  const flip = placement.flip ? ` transform="translate(${round(2 * placement.x)} 0) scale(-1 1)"` : '';
  const extra = Object.entries({ 'data-sprite': name, ...placement.attributes })
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  return `<g${extra}${flip}><svg x="${round(x)}" y="${round(y)}" width="${round(size)}" height="${round(size)}" viewBox="${built.attributes.viewBox}">${body}</svg></g>`;
}

// @iconify/utils' replaceIDs draws random suffixes; a fixed prefix per placement keeps pages deterministic.
function prefixIds(body: string, prefix: string): string {
  const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1] as string);
  let out = body;
  for (const id of ids) {
    const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(id="|#)${escaped}(?=["')])`, 'g'), `$1${prefix}${id}`);
  }
  return out;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
