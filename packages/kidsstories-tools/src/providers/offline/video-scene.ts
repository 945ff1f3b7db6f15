import { renderAsync } from '@resvg/resvg-js';
import { defaultFontFile } from './image-provider.js';
import { composeScene, type SceneRequest, sceneSvgDocument } from './image-scene.js';
import type { SpriteBox } from './video-characters.js';

/**
 * The layers an offline clip is rendered from when its picture carries a scene recipe: the scene under the
 * characters (opaque), each character as a cropped sprite, and what is drawn over them (weather, caption), all
 * rendered by resvg from the same SVG parts as the picture, at the clip's working width.
 */

/** One character sprite: premultiplied RGBA of its box. */
export interface LayerSprite extends SpriteBox {
  rgba: Uint8Array;
}

/** The rendered layers of a page. */
export interface SceneFrameLayers {
  width: number;
  height: number;
  /** Opaque RGBA of everything under the characters. */
  under: Uint8Array;
  /** The characters in drawing order, boxes in pixels. */
  sprites: LayerSprite[];
  /** The pixels of the weather and caption layer that are not transparent: their indices and premultiplied RGBA. */
  over: { indices: Uint32Array; rgba: Uint8Array };
  /** Whether the characters face left (they walk the way they face). */
  facingLeft: boolean;
  /** Sprite size in pixels. */
  spriteSizePx: number;
}

/**
 * Renders the layers of `recipe` at `workingWidth`. Returns undefined when the page has no characters.
 *
 * @example
 * ```ts
 * const layers = await renderSceneLayers(readSceneRecipe(png)!, 1024);
 * ```
 */
export async function renderSceneLayers(
  recipe: SceneRequest,
  workingWidth: number,
): Promise<SceneFrameLayers | undefined> {
  const { layers } = composeScene(recipe);
  if (layers.characters.length === 0) return undefined;
  const fontFile = defaultFontFile();
  const render = (body: string) =>
    renderAsync(sceneSvgDocument(body, layers.width, layers.height), {
      fitTo: { mode: 'width', value: workingWidth },
      font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
      logLevel: 'off',
    });
  const [under, over, ...characters] = await Promise.all([
    render(layers.under),
    render(layers.over),
    ...layers.characters.map((character) => render(character.svg)),
  ]);
  if (!under || !over) throw new Error('resvg rendered no layer');
  const width = under.width;
  const height = under.height;
  const sprites = characters.map((rendered, index) =>
    cropSprite(
      new Uint8Array(rendered.pixels),
      width,
      height,
      layers.characters[index]?.name ?? `character ${index + 1}`,
    ),
  );
  const first = layers.characters[0];
  // Scene units to pixels, as `preserveAspectRatio="xMidYMid slice"` scales the 1024-unit scene.
  const scale = Math.max(width, height) / 1024;
  return {
    width,
    height,
    under: new Uint8Array(under.pixels),
    sprites,
    over: opaquePixels(new Uint8Array(over.pixels)),
    facingLeft: first?.facingLeft ?? false,
    spriteSizePx: (first?.size ?? 300) * scale,
  };
}

/**
 * The frame with every character at its place in the picture: what the clip's last frame shows. Used to check
 * that the recipe still draws the given picture.
 */
export function composeLastFrame(layers: SceneFrameLayers): Uint8Array {
  const frame = new Uint8Array(layers.under);
  for (const sprite of layers.sprites) blendSprite(frame, layers.width, layers.height, sprite, 0, 0);
  const { indices, rgba } = layers.over;
  for (let index = 0; index < indices.length; index++) {
    const at = (indices[index] as number) * 4;
    const keep = 255 - (rgba[index * 4 + 3] as number);
    for (let channel = 0; channel < 3; channel++) {
      frame[at + channel] =
        (rgba[index * 4 + channel] as number) + ((frame[at + channel] as number) * keep + 127) / 255;
    }
  }
  return frame;
}

/** Mean absolute difference of the RGB channels of two frames of the same size, 0 to 255 (every 3rd pixel). */
export function meanFrameDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return 255;
  let sum = 0;
  let samples = 0;
  for (let at = 0; at < a.length; at += 12) {
    sum +=
      Math.abs((a[at] as number) - (b[at] as number)) +
      Math.abs((a[at + 1] as number) - (b[at + 1] as number)) +
      Math.abs((a[at + 2] as number) - (b[at + 2] as number));
    samples += 3;
  }
  return sum / samples;
}

/** Premultiplied "over" of a sprite at its box moved by (dx, dy), clipped to the frame. */
function blendSprite(
  frame: Uint8Array,
  width: number,
  height: number,
  sprite: LayerSprite,
  dx: number,
  dy: number,
): void {
  const left = Math.round(sprite.x + dx);
  const top = Math.round(sprite.y + dy);
  for (let row = Math.max(0, -top); row < sprite.height && top + row < height; row++) {
    for (let column = Math.max(0, -left); column < sprite.width && left + column < width; column++) {
      const from = (row * sprite.width + column) * 4;
      const alpha = sprite.rgba[from + 3] as number;
      if (alpha === 0) continue;
      const to = ((top + row) * width + left + column) * 4;
      const keep = 255 - alpha;
      for (let channel = 0; channel < 3; channel++) {
        frame[to + channel] =
          (sprite.rgba[from + channel] as number) + ((frame[to + channel] as number) * keep + 127) / 255;
      }
    }
  }
}

/** The sprite cropped to its non-transparent pixels. */
function cropSprite(rgba: Uint8Array, width: number, height: number, name: string): LayerSprite {
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (rgba[(y * width + x) * 4 + 3] === 0) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return { name, x: 0, y: 0, width: 0, height: 0, rgba: new Uint8Array(0) };
  const boxWidth = maxX - minX + 1;
  const boxHeight = maxY - minY + 1;
  const cropped = new Uint8Array(boxWidth * boxHeight * 4);
  for (let row = 0; row < boxHeight; row++) {
    const start = ((minY + row) * width + minX) * 4;
    cropped.set(rgba.subarray(start, start + boxWidth * 4), row * boxWidth * 4);
  }
  return { name, x: minX, y: minY, width: boxWidth, height: boxHeight, rgba: cropped };
}

function opaquePixels(rgba: Uint8Array): { indices: Uint32Array; rgba: Uint8Array } {
  let count = 0;
  for (let at = 3; at < rgba.length; at += 4) if (rgba[at] !== 0) count++;
  const indices = new Uint32Array(count);
  const values = new Uint8Array(count * 4);
  let next = 0;
  for (let pixel = 0; pixel * 4 < rgba.length; pixel++) {
    if (rgba[pixel * 4 + 3] === 0) continue;
    indices[next] = pixel;
    values.set(rgba.subarray(pixel * 4, pixel * 4 + 4), next * 4);
    next++;
  }
  return { indices, rgba: values };
}
