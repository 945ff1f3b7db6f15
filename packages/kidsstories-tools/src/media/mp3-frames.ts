/**
 * Reads MPEG audio frame headers: enough to check what the speech providers produce (version, layer, sample
 * rate, channels, bitrate) and to compute a duration from the frame count.
 */

/** One MPEG audio frame header. */
export interface Mp3FrameHeader {
  /** 1 (MPEG-1), 2 (MPEG-2) or 2.5. */
  version: 1 | 2 | 2.5;
  layer: 1 | 2 | 3;
  bitrateKbps: number;
  sampleRate: number;
  /** 1 for mono (channel mode 3), else 2. */
  channels: 1 | 2;
  /** Frame length in bytes. */
  frameBytes: number;
  /** PCM samples per frame per channel. */
  samplesPerFrame: number;
}

const BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<string, number[]> = {
  '1': [44100, 48000, 32000],
  '2': [22050, 24000, 16000],
  '2.5': [11025, 12000, 8000],
};

/** Parses the Layer III frame header at `offset`, or `undefined` when there is none. */
export function parseMp3FrameHeader(bytes: Uint8Array, offset: number): Mp3FrameHeader | undefined {
  const b1 = bytes[offset + 1] ?? 0;
  const b2 = bytes[offset + 2] ?? 0;
  const b3 = bytes[offset + 3] ?? 0;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const versionBits = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  if (versionBits === 1 || layerBits !== 1) return undefined;
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
  const bitrateKbps = (version === 1 ? BITRATES_V1_L3 : BITRATES_V2_L3)[(b2 >> 4) & 15];
  const sampleRate = SAMPLE_RATES[String(version)]?.[(b2 >> 2) & 3];
  if (!bitrateKbps || !sampleRate) return undefined;
  const samplesPerFrame = version === 1 ? 1152 : 576;
  const padding = (b2 >> 1) & 1;
  const frameBytes = Math.floor((samplesPerFrame / 8) * ((bitrateKbps * 1000) / sampleRate)) + padding;
  return {
    version,
    layer: 3,
    bitrateKbps,
    sampleRate,
    channels: ((b3 >> 6) & 3) === 3 ? 1 : 2,
    frameBytes,
    samplesPerFrame,
  };
}

/** Walks every frame of an MP3 (skipping an ID3v2 tag) and returns their headers. */
export function readMp3Frames(bytes: Uint8Array): Mp3FrameHeader[] {
  let offset = 0;
  if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) {
    const size =
      (((bytes[6] ?? 0) & 0x7f) << 21) |
      (((bytes[7] ?? 0) & 0x7f) << 14) |
      (((bytes[8] ?? 0) & 0x7f) << 7) |
      ((bytes[9] ?? 0) & 0x7f);
    offset = 10 + size;
  }
  const frames: Mp3FrameHeader[] = [];
  while (offset + 4 <= bytes.length) {
    const header = parseMp3FrameHeader(bytes, offset);
    if (!header) break;
    frames.push(header);
    offset += header.frameBytes;
  }
  return frames;
}
