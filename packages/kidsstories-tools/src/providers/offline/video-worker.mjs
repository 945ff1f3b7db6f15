// Worker thread of the offline video provider: renders the pan-and-zoom frames of one clip from the source
// picture and encodes them to H.264 MP4 with h264-mp4-encoder (WASM). One worker per clip so clips encode in
// parallel on several cores and the encoder's WASM memory (which never shrinks) is freed when the clip is done.
// Plain .mjs so it loads from src (tests) and from dist (copied by tsup).
//
// workerData: { rgba: Uint8Array, sourceWidth, sourceHeight, width, height, fps, rects: Float32Array,
//               quantizationParameter, speed }
//   rects holds [x, y, w, h] per frame, in source pixels (planned by video-motion.ts).
// message:    { ok: true, mp4: Uint8Array } | { ok: false, message: string }
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { createH264MP4Encoder } = require('h264-mp4-encoder');

const { rgba, sourceWidth, sourceHeight, width, height, fps, rects, quantizationParameter, speed } =
  workerData;

/** Bilinear resampling of the crop window `[x, y, w, h]` of the source into `out` (width x height RGBA). */
function renderFrame(out, x, y, w, h) {
  const stepX = w / width;
  const stepY = h / height;
  const maxX = sourceWidth - 1;
  const maxY = sourceHeight - 1;
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const wxs = new Float32Array(width);
  for (let column = 0; column < width; column++) {
    const sx = Math.min(maxX, Math.max(0, x + (column + 0.5) * stepX - 0.5));
    const x0 = Math.floor(sx);
    x0s[column] = x0 * 4;
    x1s[column] = Math.min(maxX, x0 + 1) * 4;
    wxs[column] = sx - x0;
  }
  let target = 0;
  for (let row = 0; row < height; row++) {
    const sy = Math.min(maxY, Math.max(0, y + (row + 0.5) * stepY - 0.5));
    const y0 = Math.floor(sy);
    const wy = sy - y0;
    const rowA = y0 * sourceWidth * 4;
    const rowB = Math.min(maxY, y0 + 1) * sourceWidth * 4;
    for (let column = 0; column < width; column++) {
      const wx = wxs[column];
      const a = rowA + x0s[column];
      const b = rowA + x1s[column];
      const c = rowB + x0s[column];
      const d = rowB + x1s[column];
      for (let channel = 0; channel < 3; channel++) {
        const top = rgba[a + channel] + (rgba[b + channel] - rgba[a + channel]) * wx;
        const bottom = rgba[c + channel] + (rgba[d + channel] - rgba[c + channel]) * wx;
        out[target + channel] = top + (bottom - top) * wy + 0.5;
      }
      out[target + 3] = 255;
      target += 4;
    }
  }
}

try {
  const encoder = await createH264MP4Encoder();
  encoder.width = width;
  encoder.height = height;
  encoder.frameRate = fps;
  encoder.quantizationParameter = quantizationParameter;
  encoder.speed = speed;
  encoder.groupOfPictures = fps * 2;
  encoder.outputFilename = `clip-${process.pid}-${Date.now()}.mp4`;
  encoder.initialize();
  const frame = new Uint8Array(width * height * 4);
  const frameCount = rects.length / 4;
  for (let index = 0; index < frameCount; index++) {
    renderFrame(frame, rects[index * 4], rects[index * 4 + 1], rects[index * 4 + 2], rects[index * 4 + 3]);
    encoder.addFrameRgba(frame);
  }
  encoder.finalize();
  const mp4 = new Uint8Array(encoder.FS.readFile(encoder.outputFilename));
  encoder.FS.unlink(encoder.outputFilename);
  encoder.delete();
  parentPort.postMessage({ ok: true, bytes: mp4 }, [mp4.buffer]);
} catch (error) {
  parentPort.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
