import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { MeshError } from '@kidsstories/mesh-core';
import { createEncoder } from 'wasm-media-encoders';
import { type CompiledWasmModule, compileWasm } from '../../media/compile-wasm.js';

/**
 * Audio plumbing of the offline speech provider: read Flite's PCM WAV, resample it to the narration rate and
 * encode MP3 with LAME (WASM, `wasm-media-encoders`).
 */

/** Mono PCM samples in `[-1, 1]` at `sampleRate` Hz. */
export interface PcmAudio {
  samples: Float32Array;
  sampleRate: number;
}

/**
 * Decodes a 16-bit PCM WAV (RIFF) to mono float samples; several channels are averaged.
 *
 * @throws MeshError `internal` when the bytes are not a 16-bit PCM WAV.
 */
export function decodeWav(bytes: Uint8Array): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.byteLength < 44 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new MeshError('speech synthesis produced no WAV data', 'internal');
  }
  let offset = 12;
  let channels = 0;
  let sampleRate = 0;
  let bitsPerSample = 0;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bitsPerSample = view.getUint16(body + 14, true);
      if (format !== 1 || bitsPerSample !== 16 || channels < 1) {
        throw new MeshError(`unsupported WAV format ${format} with ${bitsPerSample} bits`, 'internal');
      }
    } else if (id === 'data') {
      if (sampleRate === 0) throw new MeshError('WAV data chunk before fmt chunk', 'internal');
      const end = Math.min(bytes.byteLength, body + size);
      const frames = Math.floor((end - body) / (2 * channels));
      const samples = new Float32Array(frames);
      for (let frame = 0; frame < frames; frame++) {
        let sum = 0;
        for (let channel = 0; channel < channels; channel++) {
          sum += view.getInt16(body + (frame * channels + channel) * 2, true);
        }
        samples[frame] = sum / channels / 32768;
      }
      return { samples, sampleRate };
    }
    offset = body + size + (size % 2);
  }
  throw new MeshError('WAV has no data chunk', 'internal');
}

/**
 * Resamples with cubic (Catmull-Rom) interpolation. Meant for upsampling speech (16 to 24 kHz), where no
 * anti-alias filter is needed.
 */
export function resample(audio: PcmAudio, targetRate: number): PcmAudio {
  if (audio.sampleRate === targetRate) return audio;
  const input = audio.samples;
  const length = Math.max(1, Math.round((input.length * targetRate) / audio.sampleRate));
  const output = new Float32Array(length);
  const step = audio.sampleRate / targetRate;
  const at = (index: number) => input[Math.min(input.length - 1, Math.max(0, index))] ?? 0;
  for (let index = 0; index < length; index++) {
    const position = index * step;
    const base = Math.floor(position);
    const t = position - base;
    const p0 = at(base - 1);
    const p1 = at(base);
    const p2 = at(base + 1);
    const p3 = at(base + 2);
    const value =
      p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 + t * (3 * (p1 - p2) + p3 - p0)));
    output[index] = Math.max(-1, Math.min(1, value));
  }
  return { samples: output, sampleRate: targetRate };
}

let mp3Module: Promise<CompiledWasmModule> | undefined;

function loadMp3Module(): Promise<CompiledWasmModule> {
  mp3Module ??= (async () => {
    const path = createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3');
    return compileWasm(await readFile(path));
  })();
  return mp3Module;
}

/** LAME's supported MP3 output rates, in Hz. */
type Mp3Rate = 8000 | 11025 | 12000 | 16000 | 22050 | 24000 | 32000 | 44100 | 48000;
/** LAME's constant bitrates, in kbps. */
export type Mp3Bitrate = 8 | 16 | 24 | 32 | 40 | 48 | 64 | 80 | 96 | 112 | 128 | 160 | 192 | 224 | 256 | 320;

const MP3_BITRATES: readonly Mp3Bitrate[] = [
  8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];

/**
 * The LAME bit rate nearest to `kbps` that the MP3 of `sampleRate` can carry: MPEG-2 (rates below 32 kHz)
 * tops out at 160 kbps.
 */
export function mp3BitrateFor(kbps: number, sampleRate: number): Mp3Bitrate {
  const highest = sampleRate < 32_000 ? 160 : 320;
  const allowed = MP3_BITRATES.filter((rate) => rate <= highest && (sampleRate < 32_000 || rate >= 32));
  return allowed.reduce((best, rate) => (Math.abs(rate - kbps) < Math.abs(best - kbps) ? rate : best));
}

/**
 * Encodes mono PCM to a constant-bitrate MP3 at the audio's own rate (no resampling inside LAME), on one
 * channel or, with `channels: 2`, the same voice on both. The WASM module is compiled once per process; each
 * call gets its own encoder instance.
 */
export async function encodeMp3(
  audio: PcmAudio,
  bitrateKbps: Mp3Bitrate = 48,
  channels: 1 | 2 = 1,
): Promise<Uint8Array> {
  const encoder = await createEncoder('audio/mpeg', await loadMp3Module());
  encoder.configure({
    channels,
    sampleRate: audio.sampleRate,
    bitrate: bitrateKbps,
    outputSampleRate: audio.sampleRate as Mp3Rate,
  });
  const chunks: Uint8Array[] = [];
  const blockSize = 24_000;
  // The encoder returns views into its WASM memory that the next call overwrites: copy each one.
  for (let start = 0; start < audio.samples.length; start += blockSize) {
    const block = audio.samples.subarray(start, start + blockSize);
    chunks.push(encoder.encode(channels === 2 ? [block, block] : [block]).slice());
  }
  chunks.push(encoder.finalize().slice());
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const mp3 = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    mp3.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return mp3;
}

/**
 * Encodes mono PCM as a 16-bit PCM WAV (RIFF, WAVE format 1) on one channel or, with `channels: 2`, the same
 * voice on both.
 */
export function encodeWav(audio: PcmAudio, channels: 1 | 2 = 1): Uint8Array {
  const frames = audio.samples.length;
  const dataBytes = frames * channels * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const text = (offset: number, value: string) => {
    for (let index = 0; index < value.length; index++) bytes[offset + index] = value.charCodeAt(index);
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  let offset = 44;
  for (let frame = 0; frame < frames; frame++) {
    const value = Math.round(Math.max(-1, Math.min(1, audio.samples[frame] ?? 0)) * 32767);
    for (let channel = 0; channel < channels; channel++) {
      view.setInt16(offset, value, true);
      offset += 2;
    }
  }
  return bytes;
}

/** The audio followed by `pauseMs` of silence. */
export function appendSilence(audio: PcmAudio, pauseMs: number): PcmAudio {
  const extra = Math.round((pauseMs / 1000) * audio.sampleRate);
  if (extra <= 0) return audio;
  const samples = new Float32Array(audio.samples.length + extra);
  samples.set(audio.samples);
  return { samples, sampleRate: audio.sampleRate };
}

/**
 * Loudness of speech, approximating ITU-R BS.1770 integrated loudness without its K-weighting filter: the mean
 * square of 400 ms blocks (75% overlap), gated at -70 LUFS and then 10 LU below the ungated mean, as
 * `-0.691 + 10 log10(mean square)`. `-Infinity` for silence.
 */
export function measureLoudness(audio: PcmAudio): number {
  const block = Math.max(1, Math.round(audio.sampleRate * 0.4));
  const step = Math.max(1, Math.round(block / 4));
  const powers: number[] = [];
  for (
    let start = 0;
    start + block <= audio.samples.length || (start === 0 && powers.length === 0);
    start += step
  ) {
    let sum = 0;
    const end = Math.min(audio.samples.length, start + block);
    for (let index = start; index < end; index++) sum += (audio.samples[index] ?? 0) ** 2;
    powers.push(sum / Math.max(1, end - start));
    if (end === audio.samples.length) break;
  }
  const loudness = (power: number) => -0.691 + 10 * Math.log10(power);
  const mean = (list: readonly number[]) => list.reduce((sum, power) => sum + power, 0) / list.length;
  const absolute = powers.filter((power) => loudness(power) > -70);
  if (absolute.length === 0) return Number.NEGATIVE_INFINITY;
  const relative = absolute.filter((power) => loudness(power) > loudness(mean(absolute)) - 10);
  return loudness(mean(relative.length > 0 ? relative : absolute));
}

/**
 * Scales the audio toward `targetLufs` ({@link measureLoudness}); the gain is capped so no sample clips (peak at
 * most 0.98). Silence is returned as it is.
 */
export function normaliseLoudness(audio: PcmAudio, targetLufs: number): PcmAudio {
  const measured = measureLoudness(audio);
  if (!Number.isFinite(measured)) return audio;
  let peak = 0;
  for (const sample of audio.samples) peak = Math.max(peak, Math.abs(sample));
  const gain = Math.min(10 ** ((targetLufs - measured) / 20), peak > 0 ? 0.98 / peak : 1);
  const samples = new Float32Array(audio.samples.length);
  for (let index = 0; index < samples.length; index++) samples[index] = (audio.samples[index] ?? 0) * gain;
  return { samples, sampleRate: audio.sampleRate };
}
