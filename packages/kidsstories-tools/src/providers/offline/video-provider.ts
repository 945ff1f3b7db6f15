import { MeshError } from '@kidsstories/mesh-core';
import { renderAsync } from '@resvg/resvg-js';
import {
  type ConcurrencyLimiter,
  createConcurrencyLimiter,
  defaultMediaConcurrency,
} from '../../media/concurrency-limiter.js';
import { readPngSize } from '../../media/png-size.js';
import { runWorkerJob } from '../../media/run-worker-job.js';
import { throwIfCanceled } from '../../media/throw-if-canceled.js';
import type { ProviderCallOptions, VideoProvider } from '../provider-types.js';
import type { SceneRequest } from './image-scene.js';
import { readSceneRecipe } from './scene-recipe.js';
import { workerScriptPath } from './speech-provider.js';
import {
  type CharacterEntrance,
  characterEntranceOf,
  planCharacterPaths,
  type SpriteBox,
  spriteBoxAt,
} from './video-characters.js';
import { cameraMotionOf, planCameraPath } from './video-motion.js';
import { muxNarration, narrationDurationSec } from './video-mux.js';
import {
  composeLastFrame,
  meanFrameDifference,
  renderSceneLayers,
  type SceneFrameLayers,
} from './video-scene.js';

/**
 * Model name of the offline video provider: the local pan-and-zoom encoder (h264-mp4-encoder, muxed with
 * mediabunny). Clips report it as their model, priced at 0.
 */
export const OFFLINE_VIDEO_MODEL = 'offline-panzoom';

/** Options for {@link createOfflineVideoProvider}. */
export interface OfflineVideoProviderOptions {
  /** Largest accepted output side, in pixels; a call without a size gets the picture's size up to it. Default 1024. */
  maxSidePx?: number;
  /** Frames per second. Default 12 (see {@link DEFAULT_OFFLINE_VIDEO}). */
  fps?: number;
  /** Longest narration a clip carries, in seconds (the clip lasts as long as its narration). Default 40. */
  maxNarratedDurationSec?: number;
  /** Shortest accepted clip, in seconds. Default 1. */
  minDurationSec?: number;
  /** Longest accepted clip, in seconds. Default 10. */
  maxDurationSec?: number;
  /** Most clips encoding at once (one worker thread each). Default: the machine's available parallelism. */
  maxConcurrency?: number;
  /** H.264 quantizer, 10 (best) to 51 (smallest). Default 30. */
  quantizationParameter?: number;
  /** Encoder speed, 0 (best) to 10 (fastest). Default 10. */
  encoderSpeed?: number;
  /** Deadline of one clip, in milliseconds; the worker is terminated after it. Default 120 000. */
  clipTimeoutMs?: number;
  /** Called with each clip's render plan before it is encoded (for tests and logs). Default: none. */
  onRenderPlan?: (plan: OfflineRenderPlan) => void;
}

/** What an offline clip shows, frame by frame, in the pixels of the picture it is rendered from. */
export interface OfflineRenderPlan {
  /** Size of the picture the frames are cut from. */
  sourceWidth: number;
  sourceHeight: number;
  /** The camera's crop window per frame: `[x, y, width, height]`, flat. */
  rects: Float32Array;
  /**
   * The characters that move (from the picture's scene recipe), in drawing order, with their box on each frame;
   * empty when the picture has no recipe (or no longer matches it) and only the camera moves.
   */
  characters: Array<{ name: string; boxes: SpriteBox[] }>;
  /** How the characters come in (`enter` from outside the picture, `approach` a short way), when they move. */
  entrance?: CharacterEntrance;
}

/**
 * Defaults of the offline video provider. Clips come at the picture's resolution (1024 x 1024 for a page) and
 * last as long as their narration (10-20 s for a page), so the WASM H.264 encoder (about 50 ms a 1024 x 1024
 * frame on one core) runs at 12 fps: a slow camera move stays smooth, and two narrated clips encode in
 * parallel on a 2-core machine within the story benchmark's budget.
 */
export const DEFAULT_OFFLINE_VIDEO = {
  maxSidePx: 1024,
  fps: 12,
  maxNarratedDurationSec: 40,
  minDurationSec: 1,
  maxDurationSec: 10,
  quantizationParameter: 30,
  encoderSpeed: 10,
  clipTimeoutMs: 120_000,
} as const;

/**
 * The offline video provider: a pan-and-zoom over the page picture, at the picture's resolution unless a size
 * is given. The PNG is decoded with resvg, a seeded camera path is planned ({@link planCameraPath}; `motion` is
 * free text such as `zoom_in` or `"slow pan left"`, and a `focus` point, such as the named object
 * `generate_image` reports, is where the camera moves to), a worker thread renders the frames and encodes H.264
 * with `h264-mp4-encoder`, and with `audio` (the page's MP3 narration) `mediabunny` muxes the narration in as
 * the audio track, the clip lasting as long as the narration. Clips report {@link OFFLINE_VIDEO_MODEL} as their
 * model (`localModel`), never the catalogue model asked for.
 *
 * @example
 * ```ts
 * const video = createOfflineVideoProvider();
 * const clip = await video.animate({ png, motion: 'zoom_in', durationSec: 6, model: 'offline' });
 * ```
 */
export function createOfflineVideoProvider(options: OfflineVideoProviderOptions = {}): VideoProvider {
  const settings = { ...DEFAULT_OFFLINE_VIDEO, ...definedOnly(options) };
  const limiter: ConcurrencyLimiter = createConcurrencyLimiter(
    options.maxConcurrency ?? defaultMediaConcurrency(),
  );
  return {
    name: 'offline-video',
    localModel: OFFLINE_VIDEO_MODEL,
    async animate(request, callOptions: ProviderCallOptions = {}) {
      throwIfCanceled(callOptions.signal);
      const narrationSec = request.audio ? await narrationDurationSec(request.audio) : undefined;
      const durationSec = narrationSec ?? request.durationSec;
      const [shortest, longest] =
        narrationSec === undefined
          ? [settings.minDurationSec, settings.maxDurationSec]
          : [0.5, settings.maxNarratedDurationSec];
      if (!(durationSec >= shortest && durationSec <= longest)) {
        throw new MeshError(
          `${narrationSec === undefined ? 'durationSec' : 'the narration'} (${durationSec} s) is outside ${shortest} to ${longest} seconds`,
          'invalid_argument',
          { details: { field: narrationSec === undefined ? 'durationSec' : 'audio' } },
        );
      }
      const source = readPngSize(request.png);
      // With parameters, video_resolution, fps, motion_intensity, easing, loop and start_hold_ms apply;
      // without, the provider's own settings (the picture's size, 12 fps).
      const parameters = request.parameters;
      const [sideWidth, sideHeight] = parameters?.video_resolution.split('x').map(Number) ?? [];
      const askedWidth = request.width ?? sideWidth;
      const askedHeight = request.height ?? (request.width === undefined ? sideHeight : undefined);
      const fps = parameters?.fps ?? settings.fps;
      // The picture's own size (scaled to fit the largest side), unless the call asks for one.
      const fit = Math.min(1, settings.maxSidePx / Math.max(source.width, source.height));
      const width = evenSide(askedWidth ?? even(source.width * fit), 'width', settings.maxSidePx);
      const height = evenSide(
        askedHeight ?? (askedWidth === undefined ? even(source.height * fit) : askedWidth),
        'height',
        settings.maxSidePx,
      );
      // Work from a copy 1.5 times the output, so the strongest zoom still has a pixel per output pixel.
      const workingWidth = Math.min(
        source.width,
        Math.ceil(Math.max(width, height * (source.width / source.height)) * 1.5),
      );
      const rendered = await renderAsync(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${source.width}" height="${source.height}"><image href="data:image/png;base64,${Buffer.from(request.png).toString('base64')}" width="${source.width}" height="${source.height}"/></svg>`,
        { fitTo: { mode: 'width', value: workingWidth }, font: { loadSystemFonts: false }, logLevel: 'off' },
      );
      throwIfCanceled(callOptions.signal);
      // With a narration, enough frames to cover it; the video ends at most one frame after the voice.
      const frameCount =
        narrationSec === undefined ? Math.round(durationSec * fps) : Math.ceil(narrationSec * fps);
      const rects = planCameraPath({
        motion: cameraMotionOf(request.motion),
        frameCount,
        sourceWidth: rendered.width,
        sourceHeight: rendered.height,
        outputAspect: width / height,
        seed: callOptions.seed ?? 1,
        ...(request.focus === undefined ? {} : { focus: request.focus }),
        ...(parameters === undefined
          ? {}
          : {
              maxZoom: 1 + 0.75 * parameters.motion_intensity,
              easing: parameters.easing,
              loop: parameters.loop,
              holdFrames: Math.round((parameters.start_hold_ms / 1000) * fps),
            }),
      });
      const rgba = new Uint8Array(rendered.pixels);
      // With a scene recipe the characters walk in, rendered from the picture's own layers.
      const moving = await characterLayers(request.png, rendered.width, rgba);
      throwIfCanceled(callOptions.signal);
      const entrance = moving && characterEntranceOf(moving.recipe.sceneDescription);
      const offsets =
        moving &&
        planCharacterPaths({
          sprites: moving.layers.sprites,
          facingLeft: moving.layers.facingLeft,
          entrance: entrance ?? 'approach',
          frameCount,
          pictureWidth: moving.layers.width,
          spriteSizePx: moving.layers.spriteSizePx,
          // The same motion parameters as the camera's.
          ...(parameters === undefined
            ? {}
            : {
                intensity: parameters.motion_intensity,
                easing: parameters.easing,
                loop: parameters.loop,
                startHoldFrames: Math.round((parameters.start_hold_ms / 1000) * fps),
              }),
        });
      options.onRenderPlan?.({
        sourceWidth: rendered.width,
        sourceHeight: rendered.height,
        // A copy: the plan's own arrays go to the encoding worker.
        rects: rects.slice(),
        characters:
          moving && offsets
            ? moving.layers.sprites.map((sprite, index) => ({
                name: sprite.name,
                boxes: Array.from({ length: frameCount }, (_, frame) =>
                  spriteBoxAt(moving.layers.sprites, offsets, frame, index),
                ),
              }))
            : [],
        ...(entrance ? { entrance } : {}),
      });
      const silent = await limiter.run(
        () =>
          encodeInWorker(
            {
              rgba,
              sourceWidth: rendered.width,
              sourceHeight: rendered.height,
              width,
              height,
              fps,
              rects,
              quantizationParameter: settings.quantizationParameter,
              speed: settings.encoderSpeed,
              ...(moving && offsets ? { layers: workerLayers(moving.layers, offsets) } : {}),
            },
            settings.clipTimeoutMs,
            callOptions.signal,
          ),
        callOptions.signal,
      );
      throwIfCanceled(callOptions.signal);
      const mp4 = request.audio ? await muxNarration(silent, request.audio) : silent;
      const actualDuration = frameCount / fps;
      return {
        mp4,
        durationSec: actualDuration,
        frameCount,
        model: OFFLINE_VIDEO_MODEL,
        ...(narrationSec === undefined ? {} : { audioDurationSec: narrationSec }),
        usage: { model: OFFLINE_VIDEO_MODEL, seconds: actualDuration },
      };
    },
  };
}

/** Largest mean RGB difference (0-255) between the recomposed last frame and the picture still taken as a match. */
const MAX_RECIPE_DIFFERENCE = 2;

/**
 * The picture's layers when it carries a scene recipe with characters and the recipe still draws it (an edited
 * picture, or one from another layout version, gets the camera move only).
 */
async function characterLayers(
  png: Uint8Array,
  workingWidth: number,
  picture: Uint8Array,
): Promise<{ recipe: SceneRequest; layers: SceneFrameLayers } | undefined> {
  const recipe = readSceneRecipe(png);
  if (!recipe) return undefined;
  const layers = await renderSceneLayers(recipe, workingWidth);
  if (!layers || layers.under.length !== picture.length) return undefined;
  return meanFrameDifference(composeLastFrame(layers), picture) <= MAX_RECIPE_DIFFERENCE
    ? { recipe, layers }
    : undefined;
}

function workerLayers(layers: SceneFrameLayers, offsets: Float32Array) {
  return {
    under: layers.under,
    sprites: layers.sprites.map(({ x, y, width, height, rgba }) => ({ x, y, width, height, rgba })),
    overIndices: layers.over.indices,
    overRgba: layers.over.rgba,
    offsets,
  };
}

function evenSide(value: number, field: string, max: number): number {
  if (!Number.isInteger(value) || value < 64 || value > max || value % 2 !== 0) {
    throw new MeshError(
      `${field} ${value} must be an even number of pixels from 64 to ${max}`,
      'invalid_argument',
      {
        details: { field },
      },
    );
  }
  return value;
}

function even(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function encodeInWorker(
  job: {
    rgba: Uint8Array;
    sourceWidth: number;
    sourceHeight: number;
    width: number;
    height: number;
    fps: number;
    rects: Float32Array;
    quantizationParameter: number;
    speed: number;
    layers?: ReturnType<typeof workerLayers>;
  },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  return runWorkerJob({
    script: workerScriptPath('video-worker.mjs'),
    workerData: job,
    transferList: [
      job.rgba.buffer as ArrayBuffer,
      job.rects.buffer as ArrayBuffer,
      ...(job.layers
        ? [job.layers.under, job.layers.overIndices, job.layers.overRgba, job.layers.offsets].map(
            (array) => array.buffer as ArrayBuffer,
          )
        : []),
    ],
    label: 'video encoding',
    timeoutMs,
    signal,
  });
}
