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
import { workerScriptPath } from './speech-provider.js';
import { cameraMotionOf, planCameraPath } from './video-motion.js';

/** Model name the offline video provider reports in its usage (priced at 0). */
export const OFFLINE_VIDEO_MODEL = 'offline-panzoom';

/** Options for {@link createOfflineVideoProvider}. */
export interface OfflineVideoProviderOptions {
  /** Output side when a call gives no size, in pixels (square). Default 512. */
  defaultSidePx?: number;
  /** Largest accepted output side, in pixels. Default 1024. */
  maxSidePx?: number;
  /** Frames per second. Default 24. */
  fps?: number;
  /** Shortest accepted clip, in seconds. Default 1. */
  minDurationSec?: number;
  /** Longest accepted clip, in seconds. Default 10. */
  maxDurationSec?: number;
  /** Most clips encoding at once (one worker thread each). Default: the machine's available parallelism. */
  maxConcurrency?: number;
  /** H.264 quantizer, 10 (best) to 51 (smallest). Default 28. */
  quantizationParameter?: number;
  /** Encoder speed, 0 (best) to 10 (fastest). Default 8. */
  encoderSpeed?: number;
  /** Deadline of one clip, in milliseconds; the worker is terminated after it. Default 120 000. */
  clipTimeoutMs?: number;
}

/**
 * Defaults of the offline video provider. 512 x 512 at 24 fps keeps a 6 s clip near 1 s of encoding and under
 * 100 MB per worker on one core (1024 x 1024 took ~6.6 s and ~1 GB RSS; 768 x 768 ~2-3.6 s), so two clips
 * encode in parallel on a 2-core machine within the story benchmark's budget.
 */
export const DEFAULT_OFFLINE_VIDEO = {
  defaultSidePx: 512,
  maxSidePx: 1024,
  fps: 24,
  minDurationSec: 1,
  maxDurationSec: 10,
  quantizationParameter: 28,
  encoderSpeed: 8,
  clipTimeoutMs: 120_000,
} as const;

/**
 * The offline video provider: a pan-and-zoom over the page picture. The PNG is decoded and downscaled with
 * resvg, a seeded camera path is planned ({@link planCameraPath}; `motion` is free text such as `zoom_in` or
 * `"slow pan left"`), and a worker thread renders the frames and encodes H.264 MP4 with `h264-mp4-encoder`.
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
    async animate(request, callOptions: ProviderCallOptions = {}) {
      throwIfCanceled(callOptions.signal);
      const { durationSec } = request;
      if (!(durationSec >= settings.minDurationSec && durationSec <= settings.maxDurationSec)) {
        throw new MeshError(
          `durationSec ${durationSec} is outside ${settings.minDurationSec} to ${settings.maxDurationSec} seconds`,
          'invalid_argument',
          { details: { field: 'durationSec' } },
        );
      }
      const width = evenSide(request.width ?? settings.defaultSidePx, 'width', settings.maxSidePx);
      const height = evenSide(
        request.height ?? request.width ?? settings.defaultSidePx,
        'height',
        settings.maxSidePx,
      );
      const source = readPngSize(request.png);
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
      const frameCount = Math.round(durationSec * settings.fps);
      const rects = planCameraPath({
        motion: cameraMotionOf(request.motion),
        frameCount,
        sourceWidth: rendered.width,
        sourceHeight: rendered.height,
        outputAspect: width / height,
        seed: callOptions.seed ?? 1,
      });
      const rgba = new Uint8Array(rendered.pixels);
      const mp4 = await limiter.run(
        () =>
          encodeInWorker(
            {
              rgba,
              sourceWidth: rendered.width,
              sourceHeight: rendered.height,
              width,
              height,
              fps: settings.fps,
              rects,
              quantizationParameter: settings.quantizationParameter,
              speed: settings.encoderSpeed,
            },
            settings.clipTimeoutMs,
            callOptions.signal,
          ),
        callOptions.signal,
      );
      const actualDuration = frameCount / settings.fps;
      return {
        mp4,
        durationSec: actualDuration,
        frameCount,
        model: request.model,
        usage: { model: OFFLINE_VIDEO_MODEL, seconds: actualDuration },
      };
    },
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
  },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  return runWorkerJob({
    script: workerScriptPath('video-worker.mjs'),
    workerData: job,
    transferList: [job.rgba.buffer as ArrayBuffer, job.rects.buffer as ArrayBuffer],
    label: 'video encoding',
    timeoutMs,
    signal,
  });
}
