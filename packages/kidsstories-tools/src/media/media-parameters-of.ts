import {
  type GenerationParameters,
  PARAMETER_NAMES,
  PARAMETER_TABLE,
  resolveParameters,
} from '../parameters/generation-parameters.js';
import type { AUDIO_PARAMETERS, IMAGE_PARAMETERS, VIDEO_PARAMETERS } from '../parameters/media-parameters.js';
import type { ParameterCategory, ParameterSpec } from '../parameters/parameter-spec.js';

/**
 * The media categories of the generation parameters as the media providers see them: each provider receives the
 * validated parameters of its category (and the tools read the tool-level ones), so one parameter set drives
 * every media tool.
 */

/** The image synthesis parameters, validated (every one present). */
export type ImageParameters = Pick<GenerationParameters, keyof typeof IMAGE_PARAMETERS>;
/** The audio production parameters, validated (every one present). */
export type AudioParameters = Pick<GenerationParameters, keyof typeof AUDIO_PARAMETERS>;
/** The video animation parameters, validated (every one present). */
export type VideoParameters = Pick<GenerationParameters, keyof typeof VIDEO_PARAMETERS>;

function pick<T>(parameters: GenerationParameters, category: ParameterCategory): T {
  return Object.fromEntries(
    PARAMETER_NAMES.filter((name) => (PARAMETER_TABLE[name] as ParameterSpec).category === category).map(
      (name) => [name, parameters[name]],
    ),
  ) as T;
}

/** The image parameters of a complete parameter set. */
export function imageParametersOf(parameters: GenerationParameters): ImageParameters {
  return pick<ImageParameters>(parameters, 'image_synthesis');
}

/** The audio parameters of a complete parameter set. */
export function audioParametersOf(parameters: GenerationParameters): AudioParameters {
  return pick<AudioParameters>(parameters, 'audio_production');
}

/** The video parameters of a complete parameter set. */
export function videoParametersOf(parameters: GenerationParameters): VideoParameters {
  return pick<VideoParameters>(parameters, 'video_animation');
}

/** The image parameters with every default, for providers called without any. */
export function defaultImageParameters(): ImageParameters {
  return imageParametersOf(resolveParameters());
}

/** The audio parameters with every default, for providers called without any. */
export function defaultAudioParameters(): AudioParameters {
  return audioParametersOf(resolveParameters());
}

/** The video parameters with every default, for providers called without any. */
export function defaultVideoParameters(): VideoParameters {
  return videoParametersOf(resolveParameters());
}
