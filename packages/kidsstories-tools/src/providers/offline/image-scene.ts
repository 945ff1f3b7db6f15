import type { ImageParameters } from '../../media/media-parameters-of.js';
import { createRandomSource, type RandomSource, randomBetween } from '../../random/seeded-random.js';
import type { CharacterLook } from '../provider-types.js';
import { escapeXml } from './image-character.js';
import {
  characterSvg,
  objectLayer,
  objectSprites,
  type SceneWeather,
  sceneObjectsOf,
  sceneWeatherOf,
  weatherLayer,
} from './image-scene-layers.js';
import {
  cameraTransformOf,
  DEFAULT_SCENE_STYLE,
  type SceneStyle,
  sceneStyleOf,
  styleLayers,
  styleSvg,
  throughCamera,
} from './image-style.js';

/**
 * Composes a page picture as SVG: a sky and ground chosen from the scene's location words, its light and
 * weather, the objects the scene names and the page's characters as their species (emoji sprites of an openly
 * licensed set, see `image-sprites.ts`) in the character guide's colours, and an optional caption. Drawn in a
 * 1024 x 1024 unit space and scaled to the requested size.
 */

/** The kinds of place the offline renderer can paint. */
export type SceneLocation =
  | 'forest'
  | 'beach'
  | 'waterside'
  | 'mountain'
  | 'town'
  | 'snow'
  | 'desert'
  | 'underwater'
  | 'space'
  | 'castle'
  | 'meadow';

/** Light of the scene. */
export type SceneTime = 'day' | 'sunset' | 'night';

/** What a scene is drawn from. */
export interface SceneRequest {
  /**
   * The scene description (where, when, what happens); location, time of day, weather (`rainy weather`) and
   * the objects to draw (`Objects: kite, lighthouse.`) are read from it.
   */
  sceneDescription: string;
  /** Caption text drawn under the picture (wrapped to at most six lines). Empty (the default) for none. */
  caption?: string;
  /** Characters on the page, drawn left to right in this order. */
  characters: readonly CharacterLook[];
  /** Seed for decorations and positions. */
  seed: number;
  /** Output width in pixels. */
  width: number;
  /** Output height in pixels. */
  height: number;
  /**
   * The image parameters that change the drawing (detail, depth, faces, placement, camera, colours, light,
   * texture, outlines, frame; see `image-style.ts`). Default: none applied, the illustrator's plain drawing.
   */
  parameters?: ImageParameters;
}

const LOCATION_WORDS: ReadonlyArray<[SceneLocation, RegExp]> = [
  ['underwater', /\b(underwater|under the sea|coral|reef|seabed|sea floor)\b/],
  ['space', /\b(space|planet|rocket|galaxy|outer space|spaceship|moon base)\b/],
  ['castle', /\b(castle|palace|kingdom|tower)\b/],
  ['beach', /\b(beach|sea|seaside|ocean|shore|island|harbou?r)\b/],
  ['waterside', /\b(lake|river|pond|brook|stream|creek|canal|riverbank|boat)\b/],
  ['snow', /\b(snow|snowy|winter|ice|icy|frozen|arctic|igloo)\b/],
  ['desert', /\b(desert|dune|cactus|sand dunes)\b/],
  ['mountain', /\b(mountains?|hills?|cliffs?|valley|cave)\b/],
  ['town', /\b(town|city|village|street|market|school|house|library|bakery|shop)\b/],
  ['forest', /\b(forest|woods|woodland|jungle|trees?|grove)\b/],
  ['meadow', /\b(meadow|field|garden|park|farm|backyard|picnic)\b/],
];

/** The location a description names, `meadow` when it names none. */
export function sceneLocationOf(description: string): SceneLocation {
  const text = description.toLowerCase();
  return LOCATION_WORDS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'meadow';
}

/** The light a description names, `day` when it names none. */
export function sceneTimeOf(description: string): SceneTime {
  const text = description.toLowerCase();
  if (/\b(night|midnight|bedtime|moonlight|starry|dark)\b/.test(text)) return 'night';
  if (/\b(sunset|dusk|evening|twilight|sunrise|dawn)\b/.test(text)) return 'sunset';
  return 'day';
}

interface Palette {
  skyTop: string;
  skyBottom: string;
  ground: string;
  groundEdge: string;
}

const GROUNDS: Record<SceneLocation, { ground: string; groundEdge: string }> = {
  forest: { ground: '#4f9a4a', groundEdge: '#3d7f39' },
  beach: { ground: '#f1d596', groundEdge: '#e0bd73' },
  waterside: { ground: '#78bf62', groundEdge: '#5fa34f' },
  mountain: { ground: '#79b065', groundEdge: '#5f9450' },
  town: { ground: '#a7a7a7', groundEdge: '#8c8c8c' },
  snow: { ground: '#f3f7fb', groundEdge: '#d6e2ee' },
  desert: { ground: '#e7bf79', groundEdge: '#cfa15a' },
  underwater: { ground: '#e9d39a', groundEdge: '#cdb378' },
  space: { ground: '#9ea3b0', groundEdge: '#7d8290' },
  castle: { ground: '#7cc068', groundEdge: '#64a352' },
  meadow: { ground: '#80c56c', groundEdge: '#66aa55' },
};

function paletteOf(location: SceneLocation, time: SceneTime, weather: SceneWeather): Palette {
  const ground = GROUNDS[location];
  if (time === 'day' && (weather === 'rainy' || weather === 'cloudy'))
    return { skyTop: '#8e9eab', skyBottom: '#cfd8dc', ...ground };
  if (location === 'underwater') return { skyTop: '#0d4f8b', skyBottom: '#3fa4d8', ...ground };
  if (location === 'space') return { skyTop: '#070b26', skyBottom: '#1f2a5c', ...ground };
  if (time === 'night') return { skyTop: '#111a44', skyBottom: '#34457f', ...ground };
  if (time === 'sunset') return { skyTop: '#ff8a65', skyBottom: '#ffd59a', ...ground };
  return { skyTop: '#7cc4f4', skyBottom: '#d8f0ff', ...ground };
}

const HORIZON = 600;

/**
 * Builds the SVG of a page. Deterministic: the same request gives the same markup.
 *
 * @example
 * ```ts
 * const svg = buildSceneSvg({ sceneDescription: 'a sunny forest', caption: 'Pip runs.', characters, seed: 1, width: 1024, height: 1024 });
 * ```
 */
export function buildSceneSvg(request: SceneRequest): string {
  return composeScene(request).svg;
}

/** A composed page: its SVG and the point a clip's camera moves to (the first named object), if any. */
export interface ComposedScene {
  svg: string;
  /** Centre of the page's first named object, as fractions of the picture. */
  focus?: { x: number; y: number };
  /**
   * The picture's SVG in three parts, for clips that move the characters: composited in order (`under`, each
   * character, `over`) they draw `svg` (the colour filter applied to each part, which equals filtering the
   * whole, up to edge antialiasing). `under` is the sky, ground and named objects; `characters` the page's
   * characters in drawing order; `over` the weather, then the light wash, texture, caption and frame.
   */
  layers: SceneLayers;
}

/** The parts of a page picture (see {@link ComposedScene.layers}); markup without the outer `<svg>`. */
export interface SceneLayers {
  under: string;
  characters: PlacedCharacter[];
  over: string;
  /** The outer `<svg>` element's attributes, shared by every part so each renders in the picture's place. */
  width: number;
  height: number;
}

/**
 * One character as drawn on the page, in the picture's 1024-unit space: through the camera (`camera_angle`,
 * `shot_type`), so where it shows in the picture.
 */
export interface PlacedCharacter {
  name: string;
  /** The character's markup, camera and styling applied (a part of {@link SceneLayers}). */
  svg: string;
  /** Centre of the feet. */
  x: number;
  baseY: number;
  /** Sprite size, scaled by the camera. */
  size: number;
  /** Whether the character faces (and so walks) left. */
  facingLeft: boolean;
}

/** An SVG document of the page's size holding `body` (scene units, scaled like the picture). */
export function sceneSvgDocument(body: string, width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 1024 1024" preserveAspectRatio="xMidYMid slice">${body}</svg>`;
}

/** Composes a page ({@link buildSceneSvg}) and reports where its first named object is. */
export function composeScene(request: SceneRequest): ComposedScene {
  // The layout follows the seed and the page: two pages with one seed (seed_lock) still differ.
  const random = createRandomSource(request.seed ^ hashOf(request.sceneDescription));
  const location = sceneLocationOf(request.sceneDescription);
  const time = sceneTimeOf(request.sceneDescription);
  const weather = sceneWeatherOf(request.sceneDescription);
  const palette = paletteOf(location, time, weather);
  const placed = objectSprites(sceneObjectsOf(request.sceneDescription));
  const objects = objectLayer(placed, random);
  const style = request.parameters ? sceneStyleOf(request.parameters) : DEFAULT_SCENE_STYLE;
  // minimal scenery draws no backdrop or decorations, rich draws them twice.
  const repeat = style.backgroundDetail === 'minimal' ? 0 : style.backgroundDetail === 'rich' ? 2 : 1;
  const times = (draw: () => string) => Array.from({ length: repeat }, draw).join('');
  const cameraTransform = cameraTransformOf(style.camera);
  const under: string[] = [
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${palette.skyTop}"/><stop offset="1" stop-color="${palette.skyBottom}"/></linearGradient></defs>`,
    // A moved or scaled camera sees past the page's edges: sky and ground go on beyond them.
    cameraTransform
      ? `<rect x="-1024" y="-1024" width="3072" height="${HORIZON + 1024}" fill="${palette.skyTop}"/><rect x="-1024" y="${HORIZON}" width="3072" height="2048" fill="${palette.ground}"/>`
      : '',
    // Wider when the camera moves, so the sky and the ground line run past the page's edges.
    `<rect x="${cameraTransform ? -1024 : 0}" y="0" width="${cameraTransform ? 3072 : 1024}" height="1024" fill="url(#sky)"/>`,
    times(() => skyDecorations(location, time, weather, random)),
    times(() => backdrop(location, random)),
    style.perspectiveDepth === 'deep'
      ? `<rect x="-1024" y="0" width="3072" height="${HORIZON + 20}" fill="#ffffff" fill-opacity="0.3"/>`
      : '',
    `<path d="M0 ${HORIZON} Q256 ${HORIZON - 30} 512 ${HORIZON} T1024 ${HORIZON} L1024 1024 L0 1024 Z" fill="${palette.ground}"/>`,
    style.perspectiveDepth === 'flat'
      ? ''
      : `<rect x="${cameraTransform ? -1024 : 0}" y="${HORIZON + 40}" width="${cameraTransform ? 3072 : 1024}" height="6" fill="${palette.groundEdge}" fill-opacity="0.6"/>`,
    times(() => groundDecorations(location, random)),
    objects.svg,
  ];
  // Drawn in this order: the seeded layout takes its random numbers in it.
  const characters = characterLayer(request.characters, random, style);
  const weatherSvg = weatherLayer(weather, time === 'night', random);
  const throughLens = (markup: string) =>
    cameraTransform ? `<g transform="${cameraTransform}">${markup}</g>` : markup;
  const scene = throughLens(
    under.join('') + characters.map((character) => character.svg).join('') + weatherSvg,
  );
  const caption = captionLayer(request.caption ?? '');
  const body = request.parameters ? styleSvg(scene, caption, request.parameters) : scene + caption;
  const svg = sceneSvgDocument(body, request.width, request.height);
  // The same picture in parts, each through the camera and (with parameters) styled as styleSvg styles the whole.
  const styling = request.parameters
    ? styleLayers(request.parameters)
    : { filtered: (part: string) => part, top: (text: string) => text };
  const part = (markup: string) => styling.filtered(throughLens(markup));
  const layers: SceneLayers = {
    under: part(under.join('')),
    characters: characters.map((character) => {
      const seen = throughCamera(style.camera, character.x, character.baseY);
      return {
        ...character,
        svg: part(character.svg),
        x: seen.x,
        baseY: seen.y,
        size: character.size * style.camera.scale,
      };
    }),
    over: (weatherSvg === '' ? '' : part(weatherSvg)) + styling.top(caption),
    width: request.width,
    height: request.height,
  };
  if (!objects.focus) return { svg, layers };
  const seen = throughCamera(style.camera, objects.focus.x * 1024, objects.focus.y * 1024);
  const focus = {
    x: Math.round(Math.min(1, Math.max(0, seen.x / 1024)) * 1000) / 1000,
    y: Math.round(Math.min(1, Math.max(0, seen.y / 1024)) * 1000) / 1000,
  };
  return { svg, focus, layers };
}

function skyDecorations(
  location: SceneLocation,
  time: SceneTime,
  weather: SceneWeather,
  random: RandomSource,
): string {
  const out: string[] = [];
  if (location === 'underwater') {
    for (let index = 0; index < 14; index++) {
      out.push(
        `<circle cx="${n(randomBetween(random, 20, 1000))}" cy="${n(randomBetween(random, 40, 560))}" r="${n(randomBetween(random, 6, 18))}" fill="none" stroke="#d6f1ff" stroke-width="3" stroke-opacity="0.8"/>`,
      );
    }
    return out.join('');
  }
  if (weather === 'rainy' || weather === 'cloudy') return '';
  if (location === 'space' || time === 'night') {
    for (let index = 0; index < 40; index++) {
      out.push(
        `<circle cx="${n(randomBetween(random, 0, 1024))}" cy="${n(randomBetween(random, 0, 520))}" r="${n(randomBetween(random, 1.5, 4))}" fill="#fff7d6"/>`,
      );
    }
    const moonX = n(randomBetween(random, 700, 900));
    out.push(`<circle cx="${moonX}" cy="130" r="60" fill="#fff3b0"/>`);
    if (location === 'space') {
      out.push(`<circle cx="${n(randomBetween(random, 120, 360))}" cy="220" r="80" fill="#e57373"/>`);
      out.push('<ellipse cx="240" cy="220" rx="130" ry="22" fill="none" stroke="#ffcc80" stroke-width="8"/>');
    }
    return out.join('');
  }
  if (time === 'sunset')
    out.push(`<circle cx="${n(randomBetween(random, 120, 900))}" cy="470" r="70" fill="#ff7043"/>`);
  const clouds = 2 + Math.floor(random() * 3);
  for (let index = 0; index < clouds; index++) {
    const x = randomBetween(random, 60, 960);
    const y = randomBetween(random, 80, 320);
    out.push(
      `<g fill="#ffffff" fill-opacity="0.92"><ellipse cx="${n(x)}" cy="${n(y)}" rx="70" ry="30"/><ellipse cx="${n(x - 45)}" cy="${n(y + 8)}" rx="45" ry="24"/><ellipse cx="${n(x + 48)}" cy="${n(y + 6)}" rx="50" ry="26"/></g>`,
    );
  }
  return out.join('');
}

function backdrop(location: SceneLocation, random: RandomSource): string {
  const out: string[] = [];
  switch (location) {
    case 'forest':
      for (let index = 0; index < 7; index++) {
        const x = n(randomBetween(random, 0, 1024));
        const height = n(randomBetween(random, 180, 280));
        out.push(
          `<rect x="${x - 14}" y="${HORIZON - 80}" width="28" height="110" fill="#7a5230"/><ellipse cx="${x}" cy="${n(HORIZON - 80 - height / 3)}" rx="${n(height / 2.6)}" ry="${n(height / 2)}" fill="${index % 2 === 0 ? '#2f7d32' : '#388e3c'}"/>`,
        );
      }
      break;
    case 'mountain':
    case 'snow':
      for (let index = 0; index < 4; index++) {
        const x = randomBetween(random, -100, 1000);
        const peak = randomBetween(random, 260, 400);
        out.push(
          `<path d="M${n(x - 260)} ${HORIZON + 10} L${n(x)} ${n(peak)} L${n(x + 260)} ${HORIZON + 10} Z" fill="#8d8fb8"/><path d="M${n(x - 60)} ${n(peak + 55)} L${n(x)} ${n(peak)} L${n(x + 60)} ${n(peak + 55)} Z" fill="#ffffff"/>`,
        );
      }
      break;
    case 'beach':
      out.push(`<rect x="0" y="${HORIZON - 90}" width="1024" height="110" fill="#3f8fd2"/>`);
      for (let index = 0; index < 6; index++) {
        const x = n(randomBetween(random, 0, 1000));
        out.push(
          `<path d="M${x} ${HORIZON - 50} q20 -14 40 0 t40 0" fill="none" stroke="#e3f2fd" stroke-width="4"/>`,
        );
      }
      break;
    case 'waterside':
      // The far bank: reeds along the horizon (the water itself is drawn on the ground, in front).
      for (let index = 0; index < 9; index++) {
        const x = n(index < 5 ? randomBetween(random, 0, 220) : randomBetween(random, 800, 1024));
        out.push(
          `<path d="M${x} ${HORIZON + 20} q-6 -60 4 -110" fill="none" stroke="#558b2f" stroke-width="6" stroke-linecap="round"/><rect x="${n(x - 3)}" y="${HORIZON - 80}" width="12" height="34" rx="6" fill="#795548"/>`,
        );
      }
      break;
    case 'town':
      for (let index = 0; index < 6; index++) {
        const x = index * 175 + n(randomBetween(random, -10, 20));
        const height = n(randomBetween(random, 160, 300));
        const colour = ['#ef9a9a', '#90caf9', '#ffe082', '#a5d6a7', '#ce93d8', '#ffcc80'][index] as string;
        out.push(
          `<rect x="${x}" y="${HORIZON - height}" width="150" height="${height + 20}" fill="${colour}" stroke="#6d6d6d" stroke-width="3"/>`,
        );
        for (let row = 0; row < Math.floor(height / 70); row++) {
          out.push(
            `<rect x="${x + 25}" y="${HORIZON - height + 25 + row * 70}" width="36" height="36" fill="#fffde7"/><rect x="${x + 88}" y="${HORIZON - height + 25 + row * 70}" width="36" height="36" fill="#fffde7"/>`,
          );
        }
      }
      break;
    case 'castle': {
      const x = n(randomBetween(random, 300, 600));
      out.push(
        `<g fill="#b0a8c8" stroke="#6d6788" stroke-width="3"><rect x="${x}" y="${HORIZON - 230}" width="260" height="250"/><rect x="${x - 50}" y="${HORIZON - 320}" width="80" height="340"/><rect x="${x + 230}" y="${HORIZON - 320}" width="80" height="340"/></g><path d="M${x - 60} ${HORIZON - 320} L${x - 10} ${HORIZON - 400} L${x + 40} ${HORIZON - 320} Z M${x + 220} ${HORIZON - 320} L${x + 270} ${HORIZON - 400} L${x + 320} ${HORIZON - 320} Z" fill="#7e57c2"/><path d="M${x + 100} ${HORIZON + 20} L${x + 100} ${HORIZON - 60} Q${x + 130} ${HORIZON - 100} ${x + 160} ${HORIZON - 60} L${x + 160} ${HORIZON + 20} Z" fill="#5d4037"/>`,
      );
      break;
    }
    case 'desert':
      for (let index = 0; index < 3; index++) {
        const x = n(randomBetween(random, 0, 1024));
        out.push(`<ellipse cx="${x}" cy="${HORIZON + 10}" rx="260" ry="70" fill="#f0cd8a"/>`);
      }
      break;
    case 'underwater':
      for (let index = 0; index < 8; index++) {
        const x = n(randomBetween(random, 0, 1024));
        out.push(
          `<path d="M${x} ${HORIZON + 30} q-25 -60 0 -120 q25 -60 0 -120" fill="none" stroke="#2e7d32" stroke-width="12" stroke-linecap="round"/>`,
        );
      }
      break;
    default:
      break;
  }
  return out.join('');
}

function groundDecorations(location: SceneLocation, random: RandomSource): string {
  const out: string[] = [];
  if (location === 'meadow' || location === 'castle' || location === 'forest' || location === 'waterside') {
    for (let index = 0; index < 14; index++) {
      const x = n(randomBetween(random, 0, 1024));
      const y = n(randomBetween(random, HORIZON + 60, 1000));
      const colour = ['#f06292', '#ffd54f', '#ba68c8', '#ffffff'][index % 4] as string;
      out.push(
        `<circle cx="${x}" cy="${y}" r="9" fill="${colour}"/><circle cx="${x}" cy="${y}" r="3.5" fill="#ff8f00"/>`,
      );
    }
  }
  if (location === 'waterside') {
    // Fresh water on grass: a pond across the middle ground with lily pads, no sand or sea.
    out.push(
      `<ellipse cx="512" cy="${HORIZON + 105}" rx="500" ry="66" fill="#3f8fd2"/><ellipse cx="512" cy="${HORIZON + 98}" rx="450" ry="46" fill="#64b5f6"/>`,
    );
    for (let index = 0; index < 5; index++) {
      const x = n(randomBetween(random, 150, 870));
      out.push(
        `<ellipse cx="${x}" cy="${n(randomBetween(random, HORIZON + 80, HORIZON + 125))}" rx="28" ry="10" fill="#43a047"/>`,
      );
    }
  } else if (location === 'desert') {
    for (let index = 0; index < 3; index++) {
      const x = n(randomBetween(random, 40, 980));
      out.push(
        `<g fill="#43a047"><rect x="${x}" y="${HORIZON + 20}" width="26" height="120" rx="12"/><rect x="${x - 30}" y="${HORIZON + 60}" width="22" height="50" rx="10"/><rect x="${x + 34}" y="${HORIZON + 45}" width="22" height="50" rx="10"/></g>`,
      );
    }
  } else if (location === 'snow') {
    for (let index = 0; index < 30; index++) {
      out.push(
        `<circle cx="${n(randomBetween(random, 0, 1024))}" cy="${n(randomBetween(random, 0, 1000))}" r="4" fill="#ffffff"/>`,
      );
    }
  } else if (location === 'beach') {
    for (let index = 0; index < 5; index++) {
      out.push(
        `<ellipse cx="${n(randomBetween(random, 0, 1024))}" cy="${n(randomBetween(random, HORIZON + 80, 990))}" rx="14" ry="9" fill="#ffab91"/>`,
      );
    }
  }
  return out.join('');
}

function characterLayer(
  characters: readonly CharacterLook[],
  random: RandomSource,
  style: SceneStyle,
): PlacedCharacter[] {
  if (characters.length === 0) return [];
  const count = characters.length;
  const size = count <= 2 ? 300 : count === 3 ? 250 : Math.max(150, 820 / count);
  // The group stands left, centre or right of the page (seeded, or as the composition rules say), facing where
  // it is going.
  const seeded = 512 + randomBetween(random, -180, 180);
  const centre =
    style.placement === 'centered' ? 512 : style.placement === 'thirds' ? (seeded < 512 ? 341 : 683) : seeded;
  const spacing = Math.min(size * 0.95, 900 / count);
  // The set's side-view sprites face left as drawn (image-sprites.ts): mirrored, they face right.
  const flip = random() < 0.5;
  return characters.map((look, index) => {
    const x = Math.min(1024 - size / 2, Math.max(size / 2, centre + (index - (count - 1) / 2) * spacing));
    const baseY = 930 + randomBetween(random, -25, 10);
    return {
      name: look.name,
      svg: characterSvg(look, x, baseY, size, flip, style.faceStyle),
      x,
      baseY,
      size,
      facingLeft: !flip,
    };
  });
}

/** A 31-bit FNV-1a hash of a text, mixed into the layout seed. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 1) & 0x3fffffff;
}

function captionLayer(caption: string): string {
  const lines = wrapText(caption.replace(/\s+/g, ' ').trim(), 64, 6);
  if (lines.length === 0) return '';
  const height = 22 + lines.length * 32;
  const top = 1014 - height;
  const text = lines
    .map(
      (line, index) =>
        `<text x="512" y="${top + 36 + index * 32}" text-anchor="middle" font-family="DejaVu Sans" font-size="25" fill="#263238">${escapeXml(line)}</text>`,
    )
    .join('');
  return `<rect x="24" y="${top}" width="976" height="${height}" rx="18" fill="#ffffff" fill-opacity="0.86"/>${text}`;
}

/** Greedy word wrap; the last line ends with an ellipsis when text is cut. */
export function wrapText(text: string, maxChars: number, maxLines: number): string[] {
  if (text === '') return [];
  const lines: string[] = [];
  let current = '';
  const words = text.split(' ');
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    const next = current === '' ? word : `${current} ${word}`;
    if (next.length <= maxChars) {
      current = next;
      continue;
    }
    if (current !== '') lines.push(current);
    current = word.length > maxChars ? `${word.slice(0, maxChars - 1)}…` : word;
    if (lines.length === maxLines) {
      const last = lines[maxLines - 1] as string;
      lines[maxLines - 1] = `${last.slice(0, maxChars - 1)}…`;
      return lines;
    }
  }
  if (current !== '') lines.push(current);
  return lines.slice(0, maxLines);
}

function n(value: number): number {
  return Math.round(value * 10) / 10;
}
