import { MeshError } from '@kidsstories/mesh-core';
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
      const video = await options.client.videoInference(
        {
          model: request.model,
          positivePrompt: request.motion,
          durationSec: request.durationSec,
          inputImage,
          ...(request.width === undefined ? {} : { width: request.width }),
          ...(request.height === undefined ? {} : { height: request.height }),
          ...(callOptions.seed === undefined ? {} : { seed: callOptions.seed }),
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
