import HME from 'h264-mp4-encoder';
import { PNG } from 'pngjs';
import { createMp3Encoder } from 'wasm-media-encoders';

/** A real PNG of the given size with a gradient, encoded by pngjs. */
export function makePng(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  for (let index = 0; index < width * height; index++) {
    png.data[index * 4] = index % 256;
    png.data[index * 4 + 1] = (index >> 8) % 256;
    png.data[index * 4 + 2] = 128;
    png.data[index * 4 + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** A real MP3 (LAME in WASM): a 440 Hz tone, mono, at `sampleRate`, lasting `seconds`. */
export async function makeMp3(
  seconds: number,
  sampleRate: 24_000 | 16_000 | 44_100 = 24_000,
): Promise<Uint8Array> {
  const encoder = await createMp3Encoder();
  encoder.configure({ channels: 1, sampleRate, bitrate: 48 });
  const samples = new Float32Array(Math.round(seconds * sampleRate));
  for (let index = 0; index < samples.length; index++) {
    samples[index] = 0.3 * Math.sin((2 * Math.PI * 440 * index) / sampleRate);
  }
  const head = encoder.encode([samples]).slice();
  const tail = encoder.finalize().slice();
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** A real H.264 MP4 (h264-mp4-encoder): 64x64 at `fps` with `frames` frames. */
export async function makeMp4(frames: number, fps: number): Promise<Uint8Array> {
  const encoder = await HME.createH264MP4Encoder();
  encoder.width = 64;
  encoder.height = 64;
  encoder.frameRate = fps;
  encoder.initialize();
  for (let frame = 0; frame < frames; frame++) {
    encoder.addFrameRgba(new Uint8Array(64 * 64 * 4).fill((frame * 5) % 256));
  }
  encoder.finalize();
  const mp4 = encoder.FS.readFile(encoder.outputFilename) as Uint8Array;
  encoder.delete();
  return new Uint8Array(mp4);
}
