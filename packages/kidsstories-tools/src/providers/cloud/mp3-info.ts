import { MeshError } from '@kidsstories/mesh-core';

/** What {@link mp3InfoOf} reads from an MP3 stream. */
export interface Mp3Info {
  /** Sample rate of the first frame, in Hz (24 000 for OpenAI speech). */
  sampleRate: number;
  /** 1 for mono, 2 for stereo, joint stereo and dual channel. */
  channels: number;
  /** Number of MPEG audio frames. */
  frameCount: number;
  /** Duration from the frame count, in seconds. */
  durationSec: number;
}

// Layer III bitrates in kbit/s by index (ISO 11172-3 and 13818-3).
const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, number[]> = {
  3: [44_100, 48_000, 32_000], // MPEG-1
  2: [22_050, 24_000, 16_000], // MPEG-2
  0: [11_025, 12_000, 8_000], // MPEG-2.5
};

/**
 * Walks the MPEG layer III frames of an MP3 (after any ID3v2 tag) and returns the sample rate, channel count,
 * frame count and duration. Used to report the seconds of synthesized speech for the cost ledger.
 *
 * @throws MeshError `internal` when no valid frame is found: the provider did not return MP3.
 */
export function mp3InfoOf(mp3: Uint8Array, provider = 'provider'): Mp3Info {
  let offset = 0;
  // ID3v2: "ID3", version (2), flags (1), size as four 7-bit bytes (ID3v2.4 §3.1).
  if (mp3.length >= 10 && mp3[0] === 0x49 && mp3[1] === 0x44 && mp3[2] === 0x33) {
    const size =
      ((mp3[6]! & 0x7f) << 21) | ((mp3[7]! & 0x7f) << 14) | ((mp3[8]! & 0x7f) << 7) | (mp3[9]! & 0x7f);
    offset = 10 + size + ((mp3[5]! & 0x10) !== 0 ? 10 : 0);
  }
  let sampleRate = 0;
  let channels = 0;
  let frameCount = 0;
  let samples = 0;
  while (offset + 4 <= mp3.length) {
    const frame = frameAt(mp3, offset);
    if (!frame) {
      // Resynchronise byte by byte until the first frame; stop at trailing junk (an ID3v1 tag) after it.
      if (frameCount > 0) break;
      offset++;
      continue;
    }
    if (frameCount === 0) {
      sampleRate = frame.sampleRate;
      channels = frame.channels;
    }
    frameCount++;
    samples += frame.samples;
    offset += frame.length;
  }
  if (frameCount === 0) {
    throw new MeshError(`${provider}: the audio is not an MP3 stream`, 'internal', { details: { provider } });
  }
  return { sampleRate, channels, frameCount, durationSec: samples / sampleRate };
}

function frameAt(
  bytes: Uint8Array,
  offset: number,
): { length: number; sampleRate: number; channels: number; samples: number } | undefined {
  const b1 = bytes[offset]!;
  const b2 = bytes[offset + 1]!;
  const b3 = bytes[offset + 2]!;
  const b4 = bytes[offset + 3]!;
  if (b1 !== 0xff || (b2 & 0xe0) !== 0xe0) return undefined;
  const version = (b2 >> 3) & 3;
  const layer = (b2 >> 1) & 3;
  if (version === 1 || layer !== 1) return undefined; // reserved version, or not layer III
  const bitrateIndex = (b3 >> 4) & 15;
  const rateIndex = (b3 >> 2) & 3;
  const rates = SAMPLE_RATES[version];
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3 || !rates) return undefined;
  const sampleRate = rates[rateIndex]!;
  const bitrate = (version === 3 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex]! * 1000;
  const padding = (b3 >> 1) & 1;
  const samples = version === 3 ? 1152 : 576;
  const length = Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  return { length, sampleRate, channels: ((b4 >> 6) & 3) === 3 ? 1 : 2, samples };
}
