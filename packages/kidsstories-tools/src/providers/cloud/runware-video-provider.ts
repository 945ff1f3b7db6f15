import { MeshError } from '@kidsstories/mesh-core';
import type { VideoParameters } from '../../media/media-parameters-of.js';
import type { ProviderCallOptions, VideoProvider } from '../provider-types.js';
import { mp4InfoOf } from './mp4-info.js';
import { pngSizeOf } from './png-info.js';
import type { RunwareClient } from './runware-client.js';

/** Options for {@link createRunwareVideoProvider}. */
export interface RunwareVideoProviderOptions {
  /** The Runware client, from `createRunwareClient`. */
  client: RunwareClient;
  /** Provider name for errors. Default `runware`. */
  name?: string;
}

/**
 * A {@link VideoProvider} that animates a page picture with a Runware image-to-video model: the PNG goes as a
 * data URI first frame, the motion as the prompt; the finished MP4 is downloaded and measured (duration and
 * frame count from its video track). Usage reports the model and the seconds of video.
 *
 * @throws MeshError `invalid_argument` for a duration outside 1-20 s or an input that is not a PNG; Runware
 *   failures as mapped by `meshErrorFromProvider`.
 * @example
 * ```ts
 * const video = createRunwareVideoProvider({ client: createRunwareClient({ apiKey }) });
 * const { mp4 } = await video.animate({ png, motion: 'slow zoom in', durationSec: 5, model: 'klingai:5@3' });
 * ```
 */
export function createRunwareVideoProvider(options: RunwareVideoProviderOptions): VideoProvider {
  const name = options.name ?? 'runware';
  return {
    name,
    async animate(request, callOptions: ProviderCallOptions = {}) {
      if (!(request.durationSec >= 1 && request.durationSec <= 20)) {
        throw new MeshError(
          `durationSec must be between 1 and 20, got ${request.durationSec}`,
          'invalid_argument',
          {
            details: { field: 'durationSec' },
          },
        );
      }
      try {
        pngSizeOf(request.png, name);
      } catch {
        throw new MeshError('png must be a PNG image', 'invalid_argument', { details: { field: 'png' } });
      }
      const inputImage = `data:image/png;base64,${Buffer.from(request.png).toString('base64')}`;
      const parameters = request.parameters;
      const [sideWidth, sideHeight] = parameters?.video_resolution.split('x').map(Number) ?? [];
      const width = request.width ?? sideWidth;
      const height = request.height ?? (request.width === undefined ? sideHeight : request.width);
      const video = await options.client.videoInference(
        {
          model: request.model,
          positivePrompt: parameters ? motionPrompt(request.motion, parameters) : request.motion,
          durationSec: request.durationSec,
          inputImage,
          ...(width === undefined ? {} : { width }),
          ...(height === undefined ? {} : { height }),
          ...(callOptions.seed === undefined ? {} : { seed: callOptions.seed }),
          ...(parameters === undefined ? {} : { fps: parameters.fps }),
          // loop: the clip ends on the picture it starts from.
          ...(parameters?.loop ? { lastImage: inputImage } : {}),
        },
        callOptions.signal,
      );
      const mp4 = await options.client.download(video.videoURL, callOptions.signal);
      const info = mp4InfoOf(mp4, name);
      return {
        mp4,
        durationSec: info.durationSec,
        frameCount: info.frameCount,
        model: request.model,
        usage: { model: request.model, seconds: info.durationSec, requests: 1 },
      };
    },
  };
}

const EASING_WORDS = {
  linear: 'at an even speed',
  ease_in_out: 'easing in and out',
  ease_out: 'slowing to a gentle stop',
} as const;

/**
 * The `positivePrompt` of a clip: the motion (`motion_type` words or the call's own), its strength
 * (`motion_intensity`), its easing, the still start (`start_hold_ms`) and, with `loop`, the return.
 */
export function motionPrompt(motion: string, parameters: VideoParameters): string {
  const strength =
    parameters.motion_intensity < 0.34
      ? 'subtle'
      : parameters.motion_intensity < 0.67
        ? 'moderate'
        : 'strong';
  return [
    `${motion.replaceAll('_', ' ')} camera motion, ${strength} (${parameters.motion_intensity} on a 0 to 1 scale), ${EASING_WORDS[parameters.easing]}.`,
    parameters.start_hold_ms > 0 ? `Hold still for the first ${parameters.start_hold_ms} ms.` : undefined,
    parameters.loop ? 'End exactly where the clip starts, so it loops.' : undefined,
    "Gentle children's picture-book animation.",
  ]
    .filter((part): part is string => part !== undefined)
    .join(' ');
}
