import { createRequire } from 'node:module';
import { MeshError } from '@kidsstories/mesh-core';
import { renderAsync } from '@resvg/resvg-js';
import { throwIfCanceled } from '../../media/throw-if-canceled.js';
import type { ImageProvider, ProviderCallOptions } from '../provider-types.js';
import { composeScene, type SceneRequest } from './image-scene.js';
import { OFFLINE_ILLUSTRATION_LICENSE } from './image-sprites.js';
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
 * request asks for a `caption` (DejaVu Sans). Deterministic for a seed and the scene; results carry the
 * illustration set's `attribution`.
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
      const scene: SceneRequest = {
        sceneDescription: `${request.sceneDescription} ${request.prompt}`,
        ...(request.caption === undefined ? {} : { caption: request.caption }),
        characters: request.characters,
        seed: callOptions.seed ?? defaultSeed,
        width,
        height,
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
      // The picture carries its scene recipe, so an offline clip can move the characters (scene-recipe.ts).
      const png = writeSceneRecipe(new Uint8Array(rendered.asPng()), scene);
      return {
        png,
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
