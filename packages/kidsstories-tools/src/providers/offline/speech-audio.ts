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
type Mp3Bitrate = 8 | 16 | 24 | 32 | 40 | 48 | 64 | 80 | 96 | 112 | 128 | 160 | 192 | 224 | 256 | 320;

/**
 * Encodes mono PCM to a constant-bitrate MP3 at the audio's own rate (no resampling inside LAME).
 * The WASM module is compiled once per process; each call gets its own encoder instance.
 */
export async function encodeMp3(audio: PcmAudio, bitrateKbps: Mp3Bitrate = 48): Promise<Uint8Array> {
  const encoder = await createEncoder('audio/mpeg', await loadMp3Module());
  encoder.configure({
    channels: 1,
    sampleRate: audio.sampleRate,
    bitrate: bitrateKbps,
    outputSampleRate: audio.sampleRate as Mp3Rate,
  });
  const chunks: Uint8Array[] = [];
  const blockSize = 24_000;
  // The encoder returns views into its WASM memory that the next call overwrites: copy each one.
  for (let start = 0; start < audio.samples.length; start += blockSize) {
    chunks.push(encoder.encode([audio.samples.subarray(start, start + blockSize)]).slice());
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
