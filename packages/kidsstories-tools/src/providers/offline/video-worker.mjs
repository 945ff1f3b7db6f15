// Worker thread of the offline video provider: renders the pan-and-zoom frames of one clip from the source
// picture and encodes them to H.264 MP4 with h264-mp4-encoder (WASM). One worker per clip so clips encode in
// parallel on several cores and the encoder's WASM memory (which never shrinks) is freed when the clip is done.
// Plain .mjs so it loads from src (tests) and from dist (copied by tsup).
//
// workerData: { rgba: Uint8Array, sourceWidth, sourceHeight, width, height, fps, rects: Float32Array,
//               quantizationParameter, speed }
//   rects holds [x, y, w, h] per frame, in source pixels (planned by video-motion.ts).
//   layers (optional, a picture with a scene recipe: the characters move, see video-scene.ts):
//     { under: Uint8Array, sprites: [{ x, y, width, height, rgba }], overIndices: Uint32Array,
//       overRgba: Uint8Array, offsets: Float32Array } (premultiplied RGBA at the source size; offsets holds
//       [dx, dy] per frame and sprite, planned by video-characters.ts). Each frame is then composed into rgba.
// message:    { ok: true, mp4: Uint8Array } | { ok: false, message: string }
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { createH264MP4Encoder } = require('h264-mp4-encoder');

const { rgba, sourceWidth, sourceHeight, width, height, fps, rects, quantizationParameter, speed, layers } =
  workerData;

/** Composes frame `index` of the layers into rgba: the scene, the sprites at their offsets, the weather over. */
function composeLayers(index) {
  rgba.set(layers.under);
  const count = layers.sprites.length;
  for (let at = 0; at < count; at++) {
    const sprite = layers.sprites[at];
    const left = Math.round(sprite.x + layers.offsets[(index * count + at) * 2]);
    const top = Math.round(sprite.y + layers.offsets[(index * count + at) * 2 + 1]);
    const firstRow = Math.max(0, -top);
    const lastRow = Math.min(sprite.height, sourceHeight - top);
    const firstColumn = Math.max(0, -left);
    const lastColumn = Math.min(sprite.width, sourceWidth - left);
    for (let row = firstRow; row < lastRow; row++) {
      let from = (row * sprite.width + firstColumn) * 4;
      let to = ((top + row) * sourceWidth + left + firstColumn) * 4;
      for (let column = firstColumn; column < lastColumn; column++, from += 4, to += 4) {
        const alpha = sprite.rgba[from + 3];
        if (alpha === 0) continue;
        const keep = 255 - alpha;
        // Premultiplied "over" (resvg's pixels are premultiplied), as in video-scene.ts.
        rgba[to] = sprite.rgba[from] + (rgba[to] * keep + 127) / 255;
        rgba[to + 1] = sprite.rgba[from + 1] + (rgba[to + 1] * keep + 127) / 255;
        rgba[to + 2] = sprite.rgba[from + 2] + (rgba[to + 2] * keep + 127) / 255;
      }
    }
  }
  const { overIndices, overRgba } = layers;
  for (let at = 0; at < overIndices.length; at++) {
    const to = overIndices[at] * 4;
    const keep = 255 - overRgba[at * 4 + 3];
    rgba[to] = overRgba[at * 4] + (rgba[to] * keep + 127) / 255;
    rgba[to + 1] = overRgba[at * 4 + 1] + (rgba[to + 1] * keep + 127) / 255;
    rgba[to + 2] = overRgba[at * 4 + 2] + (rgba[to + 2] * keep + 127) / 255;
  }
}

/** Whether any sprite sits elsewhere on frame `index` than on the frame before. */
function spritesMoved(index) {
  if (index === 0) return true;
  const size = layers.sprites.length * 2;
  for (let at = 0; at < size; at++) {
    if (Math.round(layers.offsets[index * size + at]) !== Math.round(layers.offsets[(index - 1) * size + at]))
      return true;
  }
  return false;
}

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
    if (layers && spritesMoved(index)) composeLayers(index);
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
