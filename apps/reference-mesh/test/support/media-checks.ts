import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoryManifest } from '@kidsstories/kidsstories-tools/bundle';
import { expect } from 'vitest';

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
export function pngDimensions(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  expect([...png.subarray(0, 8)]).toEqual(signature);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Sample rate, channel mode and frame count of the MPEG audio frames of an MP3 (after any ID3v2 tag). */
export function mp3Frames(mp3: Uint8Array): { sampleRates: Set<number>; mono: boolean; frames: number } {
  let offset = 0;
  if (mp3[0] === 0x49 && mp3[1] === 0x44 && mp3[2] === 0x33) {
    offset =
      10 + (((mp3[6]! & 0x7f) << 21) | ((mp3[7]! & 0x7f) << 14) | ((mp3[8]! & 0x7f) << 7) | (mp3[9]! & 0x7f));
  }
  // MPEG-2 layer III (the 24 kHz family): bitrates in kbit/s by index.
  const bitrates = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
  const rates = [22_050, 24_000, 16_000];
  const sampleRates = new Set<number>();
  let mono = true;
  let frames = 0;
  while (offset + 4 <= mp3.length) {
    const [b1, b2, b3, b4] = [mp3[offset]!, mp3[offset + 1]!, mp3[offset + 2]!, mp3[offset + 3]!];
    if (b1 !== 0xff || (b2 & 0xf6) !== 0xf2) break; // sync, MPEG-2, layer III
    const bitrate = bitrates[(b3 >> 4) & 15]! * 1000;
    const rate = rates[(b3 >> 2) & 3]!;
    sampleRates.add(rate);
    if (((b4 >> 6) & 3) !== 3) mono = false;
    offset += Math.floor((576 / 8) * (bitrate / rate)) + ((b3 >> 1) & 1);
    frames++;
  }
  return { sampleRates, mono, frames };
}

/** The four-character types of an MP4's top-level boxes, and whether it holds an H.264 sample entry. */
export function mp4Boxes(mp4: Uint8Array): { top: string[]; avc1: boolean; sound: boolean } {
  const view = new DataView(mp4.buffer, mp4.byteOffset, mp4.byteLength);
  const top: string[] = [];
  let offset = 0;
  while (offset + 8 <= mp4.length) {
    const size = view.getUint32(offset);
    top.push(String.fromCharCode(...mp4.subarray(offset + 4, offset + 8)));
    if (size < 8) break;
    offset += size;
  }
  return { top, avc1: Buffer.from(mp4).includes('avc1'), sound: Buffer.from(mp4).includes('soun') };
}

/** Checks every picture, narration and clip of a bundle is real media of the size the manifest says. */
export async function expectRealMedia(dir: string, manifest: StoryManifest): Promise<void> {
  for (const page of manifest.pages) {
    const png = await readFile(join(dir, page.picture.path));
    expect(pngDimensions(png)).toEqual({ width: page.picture.width, height: page.picture.height });
    expect(page.picture.width).toBeGreaterThanOrEqual(512);
    const mp3 = mp3Frames(await readFile(join(dir, page.narration.path)));
    expect(mp3.sampleRates).toEqual(new Set([24_000]));
    expect(mp3.mono).toBe(true);
    // 576 samples a frame at 24 kHz.
    expect(Math.abs((mp3.frames * 576) / 24_000 - page.narration.durationSec)).toBeLessThan(0.2);
    if (page.clip) {
      const mp4 = mp4Boxes(await readFile(join(dir, page.clip.path)));
      expect(mp4.top).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']));
      expect(mp4.avc1).toBe(true);
      // The clip speaks its page: an audio track, and as long as the narration.
      expect(mp4.sound).toBe(true);
      expect(Math.abs(page.clip.durationSec - page.narration.durationSec)).toBeLessThan(0.5);
    }
  }
}
