import { createRequire } from 'node:module';
import { MeshError } from '@kidsstories/mesh-core';
import { renderAsync } from '@resvg/resvg-js';
import { encodeImage } from '../../media/image-encoding.js';
import { throwIfCanceled } from '../../media/throw-if-canceled.js';
import type { ImageProvider, ProviderCallOptions } from '../provider-types.js';
import { composeScene, type SceneRequest } from './image-scene.js';
import { OFFLINE_ILLUSTRATION_LICENSE } from './image-sprites.js';
import { styledLooks } from './image-style.js';
import { writeSceneRecipe } from './scene-recipe.js';

/** Model name the offline image provider reports in its usage (priced at 0). */
export const OFFLINE_IMAGE_MODEL = 'offline-svg';

/** Options for {@link createOfflineImageProvider}. */
export interface OfflineImageProviderOptions {
  /** Path of the TTF used for captions and names. Default: DejaVu Sans from `dejavu-fonts-ttf`. */
  fontFile?: string;
  /** Seed used when a call passes none. Default 1. */
  defaultSeed?: number;
  /** Smallest accepted side, in pixels. Default 256. */
  minSidePx?: number;
  /** Largest accepted side, in pixels. Default 2048. */
  maxSidePx?: number;
}

const DEFAULT_OFFLINE_IMAGE = { defaultSeed: 1, minSidePx: 256, maxSidePx: 2048 } as const;

/**
 * The offline image provider: composes the page as an SVG scene (sky and ground from the scene's location, its
 * time of day and weather, the objects it names and each character as its species, from the Fluent Emoji Flat
 * set (MIT, see {@link OFFLINE_ILLUSTRATION_LICENSE}), in its character-guide colours, clothing and marks) and
 * renders it to PNG with `@resvg/resvg-js` off the main thread (`renderAsync`). No text is drawn unless the
 * request asks for a `caption` or `text_in_image` is true (DejaVu Sans). The image parameters change the drawing
 * (see `image-style.ts` and docs/parameters.md); `output_format` webp or jpeg is encoded with `sharp`.
 * Deterministic for a seed, the scene and the parameters; results carry the illustration set's `attribution`.
 *
 * @example
 * ```ts
 * const image = createOfflineImageProvider();
 * const { png } = await image.generateImage(
 *   { prompt: 'Pip finds a stone.', sceneDescription: 'a sunny forest', characters: looks, size: '1024x1024' },
 *   { seed: 7 },
 * );
 * ```
 */
export function createOfflineImageProvider(options: OfflineImageProviderOptions = {}): ImageProvider {
  const fontFile = options.fontFile ?? defaultFontFile();
  const defaultSeed = options.defaultSeed ?? DEFAULT_OFFLINE_IMAGE.defaultSeed;
  const minSide = options.minSidePx ?? DEFAULT_OFFLINE_IMAGE.minSidePx;
  const maxSide = options.maxSidePx ?? DEFAULT_OFFLINE_IMAGE.maxSidePx;
  return {
    name: 'offline-image',
    async generateImage(request, callOptions: ProviderCallOptions = {}) {
      throwIfCanceled(callOptions.signal);
      const { width, height } = parseImageSize(request.size, minSide, maxSide);
      // Without parameters the illustrator draws plainly (no texture, no filters), as a PNG.
      const parameters = request.parameters;
      // text_in_image lets the page text appear as lettering: the illustrator draws it as a caption.
      const caption = request.caption ?? (parameters?.text_in_image ? request.prompt : undefined);
      // Everything the picture is drawn from (styled looks and parameters included): the scene recipe a PNG
      // carries must rebuild exactly this picture.
      const scene: SceneRequest = {
        sceneDescription: `${request.sceneDescription} ${request.prompt}`,
        ...(caption === undefined ? {} : { caption }),
        characters: parameters ? styledLooks(request.characters, parameters) : request.characters,
        seed: callOptions.seed ?? defaultSeed,
        width,
        height,
        ...(parameters === undefined ? {} : { parameters }),
      };
      const { svg, focus } = composeScene(scene);
      let rendered: Awaited<ReturnType<typeof renderAsync>>;
      try {
        rendered = await renderAsync(svg, {
          fitTo: { mode: 'width', value: width },
          font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
          logLevel: 'off',
        });
      } catch (error) {
        throwIfCanceled(callOptions.signal);
        throw new MeshError(`offline image rendering failed: ${(error as Error).message}`, 'internal', {
          cause: error,
        });
      }
      // resvg's renderAsync only accepts its own napi AbortSignal, so cancellation is checked around it.
      throwIfCanceled(callOptions.signal);
      const format = parameters?.output_format ?? 'png';
      // A PNG carries its scene recipe, so an offline clip can move the characters (scene-recipe.ts); WebP and
      // JPEG pictures carry none and get the camera move only.
      const renderedPng = new Uint8Array(rendered.asPng());
      const png =
        format === 'png'
          ? writeSceneRecipe(renderedPng, scene)
          : await encodeImage(renderedPng, format, {
              quality: parameters?.image_quality === 'hd' ? 95 : 85,
            });
      return {
        png,
        format,
        width: rendered.width,
        height: rendered.height,
        attribution: OFFLINE_ILLUSTRATION_LICENSE.attribution,
        ...(focus === undefined ? {} : { focus }),
        usage: { model: OFFLINE_IMAGE_MODEL, images: 1 },
      };
    },
  };
}

/**
 * Parses `WIDTHxHEIGHT` (`1024x1024`).
 *
 * @throws MeshError `invalid_argument` (field `size`) when malformed or a side is outside `[minSide, maxSide]`.
 */
export function parseImageSize(
  size: string,
  minSide = 256,
  maxSide = 2048,
): { width: number; height: number } {
  const match = /^(\d{2,5})x(\d{2,5})$/.exec(size.trim());
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < minSide || height < minSide || width > maxSide || height > maxSide) {
    throw new MeshError(
      `size "${size}" must be WIDTHxHEIGHT with each side from ${minSide} to ${maxSide} pixels`,
      'invalid_argument',
      { details: { field: 'size' } },
    );
  }
  return { width, height };
}

let cachedFontFile: string | undefined;

/** Path of DejaVu Sans from the `dejavu-fonts-ttf` package. */
export function defaultFontFile(): string {
  cachedFontFile ??= createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  return cachedFontFile;
}
