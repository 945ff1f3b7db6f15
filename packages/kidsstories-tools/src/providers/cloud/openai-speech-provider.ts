import { MeshError } from '@kidsstories/mesh-core';
import type { OpenAI } from 'openai';
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
      let mp3: Uint8Array;
      try {
        const response = await options.client.audio.speech.create(
          {
            model: options.deployment ?? model,
            input: request.text,
            voice: openAIVoiceOf(request.voice, options.defaultVoice),
            response_format: 'mp3',
            ...(request.speed === undefined ? {} : { speed: request.speed }),
            ...(acceptsInstructions && request.instructions ? { instructions: request.instructions } : {}),
          },
          { signal: callOptions.signal ?? null },
        );
        mp3 = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw meshErrorFromProvider(error, { provider: name });
      }
      const info = mp3InfoOf(mp3, name);
      return {
        mp3,
        durationSec: info.durationSec,
        sampleRate: info.sampleRate,
        usage: { model, characters: request.text.length, seconds: info.durationSec, requests: 1 },
      };
    },
  };
}
