import { MeshError } from '@kidsstories/mesh-core';
import type { OpenAI } from 'openai';
import type { defaultAudioParameters } from '../../media/media-parameters-of.js';
import { meshErrorFromProvider } from '../provider-errors.js';
import type { ProviderCallOptions, SpeechProvider } from '../provider-types.js';
import { mp3InfoOf } from './mp3-info.js';
import { providerNameOf } from './openai-story-provider.js';

/** Options for {@link createOpenAISpeechProvider}. */
export interface OpenAISpeechProviderOptions {
  /** An `openai` client (Azure OpenAI or OpenAI). */
  client: OpenAI;
  /** Model name, for pricing and as `model` on OpenAI: `gpt-4o-mini-tts` or `tts-1-hd`. Default `gpt-4o-mini-tts`. */
  model?: string;
  /** Azure deployment sent as `model` (path `/openai/deployments/{deployment}/audio/speech`). Default: `model`. */
  deployment?: string;
  /** Voice used when the requested voice is not an OpenAI voice and has no mapping. Default `coral`. */
  defaultVoice?: string;
  /** Provider name for errors. Default `azure-openai` or `openai` by client. */
  name?: string;
}

/** Built-in OpenAI voices. */
export const OPENAI_VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'nova',
  'onyx',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
] as const;

/** Offline (Flite) voice ids mapped to the closest OpenAI voice, so one `voice_id` works in both families. */
const OFFLINE_VOICE_MAP: Record<string, string> = { rms: 'onyx', slt: 'nova', awb: 'echo', kal: 'fable' };

/** Longest input the speech endpoint accepts, in characters. */
const MAX_INPUT_CHARS = 4096;

/** The OpenAI voice for a requested voice id: itself when built in, a mapped Flite voice, or the default. */
export function openAIVoiceOf(voice: string, defaultVoice = 'coral'): string {
  const lower = voice.trim().toLowerCase();
  if ((OPENAI_VOICES as readonly string[]).includes(lower)) return lower;
  return OFFLINE_VOICE_MAP[lower] ?? defaultVoice;
}

const STYLE_INSTRUCTIONS = {
  storyteller: 'Read like a warm storyteller reading a picture book aloud to a child.',
  calm_bedtime: 'Read softly and slowly, like a calm bedtime story.',
  playful: 'Read with a bright, playful voice.',
} as const;
const EMOTION_INSTRUCTIONS = {
  none: 'Keep an even tone whatever happens on the page.',
  auto: 'Let the tone follow the mood of the page.',
  expressive: 'Follow the mood of the page expressively.',
} as const;

/**
 * The delivery instructions of the audio parameters (`narration_style`, `emotion_mapping`,
 * `expression_intensity`), then the call's own instructions.
 */
export function speechInstructionsOf(
  parameters: ReturnType<typeof defaultAudioParameters>,
  extra?: string,
): string {
  const strength =
    parameters.expression_intensity < 0.34
      ? 'gentle'
      : parameters.expression_intensity < 0.67
        ? 'moderate'
        : 'strong';
  return [
    STYLE_INSTRUCTIONS[parameters.narration_style],
    EMOTION_INSTRUCTIONS[parameters.emotion_mapping],
    `Use ${strength} vocal expression (${parameters.expression_intensity} on a 0 to 1 scale).`,
    extra?.trim(),
  ]
    .filter((part): part is string => part !== undefined && part !== '')
    .join(' ');
}

/**
 * A {@link SpeechProvider} over audio/speech: `response_format: 'mp3'` (OpenAI answers 24 kHz mono MP3), the
 * voice mapped by {@link openAIVoiceOf}, `speed` when given and `instructions` (tone, pacing) for the
 * `gpt-4o-*-tts` models that accept them. Duration and sample rate are read from the MP3 frames; usage reports
 * characters and seconds.
 *
 * @throws MeshError `invalid_argument` for empty text or more than 4096 characters; provider failures through
 *   `meshErrorFromProvider`; a non-MP3 answer as `internal`.
 * @example
 * ```ts
 * const speech = createOpenAISpeechProvider({ client, deployment: 'tts-hd-prod', model: 'tts-1-hd' });
 * const { mp3, durationSec } = await speech.synthesize({ text: 'Once upon a time…', voice: 'nova' });
 * ```
 */
export function createOpenAISpeechProvider(options: OpenAISpeechProviderOptions): SpeechProvider {
  const model = options.model ?? 'gpt-4o-mini-tts';
  const name = options.name ?? providerNameOf(options.client);
  const acceptsInstructions = /gpt-4o.*tts/.test(model);
  return {
    name,
    async synthesize(request, callOptions: ProviderCallOptions = {}) {
      if (request.text.trim() === '' || request.text.length > MAX_INPUT_CHARS) {
        throw new MeshError(`text must have 1 to ${MAX_INPUT_CHARS} characters`, 'invalid_argument', {
          details: { field: 'text' },
        });
      }
      const parameters = request.parameters;
      const format = parameters?.audio_format ?? 'mp3';
      const speed = request.speed ?? parameters?.pacing_multiplier;
      const instructions = parameters
        ? speechInstructionsOf(parameters, request.instructions)
        : request.instructions;
      let mp3: Uint8Array;
      try {
        const response = await options.client.audio.speech.create(
          {
            model: options.deployment ?? model,
            input: request.text,
            voice: openAIVoiceOf(request.voice, options.defaultVoice),
            response_format: format,
            ...(speed === undefined ? {} : { speed }),
            ...(acceptsInstructions && instructions ? { instructions } : {}),
          },
          { signal: callOptions.signal ?? null },
        );
        mp3 = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw meshErrorFromProvider(error, { provider: name });
      }
      const info = format === 'mp3' ? mp3InfoOf(mp3, name) : audioInfoOf(mp3, format, name);
      return {
        mp3,
        format,
        durationSec: info.durationSec,
        sampleRate: info.sampleRate,
        channels: info.channels,
        usage: { model, characters: request.text.length, seconds: info.durationSec, requests: 1 },
      };
    },
  };
}

/**
 * Sample rate, channels and duration of a WAV (its `fmt ` and `data` chunks) or an Ogg Opus stream (its
 * `OpusHead` and the granule position of the last page, at Opus's 48 kHz clock).
 *
 * @throws MeshError `internal` when the bytes are not the format asked for.
 */
export function audioInfoOf(
  bytes: Uint8Array,
  format: 'wav' | 'opus',
  provider = 'provider',
): { sampleRate: number; channels: number; durationSec: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (format === 'wav' && bytes.byteLength >= 44 && tag(0) === 'RIFF' && tag(8) === 'WAVE') {
    let offset = 12;
    let sampleRate = 0;
    let channels = 0;
    let blockAlign = 0;
    while (offset + 8 <= bytes.byteLength) {
      const size = view.getUint32(offset + 4, true);
      if (tag(offset) === 'fmt ') {
        channels = view.getUint16(offset + 10, true);
        sampleRate = view.getUint32(offset + 12, true);
        blockAlign = view.getUint16(offset + 20, true);
      } else if (tag(offset) === 'data' && sampleRate > 0 && blockAlign > 0) {
        // Streamed WAVs may carry a placeholder size: count what is there.
        const dataBytes = Math.min(size, bytes.byteLength - offset - 8);
        return { sampleRate, channels, durationSec: dataBytes / blockAlign / sampleRate };
      }
      offset += 8 + size + (size % 2);
    }
  }
  if (format === 'opus' && tag(0) === 'OggS') {
    const head = Buffer.from(bytes).indexOf('OpusHead');
    const last = Buffer.from(bytes).lastIndexOf('OggS');
    if (head >= 0 && last >= 0 && last + 14 <= bytes.byteLength) {
      const channels = bytes[head + 9] ?? 1;
      const preSkip = view.getUint16(head + 10, true);
      const granule = Number(view.getBigUint64(last + 6, true));
      return { sampleRate: 48_000, channels, durationSec: Math.max(0, granule - preSkip) / 48_000 };
    }
  }
  throw new MeshError(`${provider}: the speech response is not ${format}`, 'internal', {
    details: { provider },
  });
}
