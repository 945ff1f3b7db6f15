// Test support: decodes the frames of an H.264 MP4 (baseline profile, as the offline encoder writes) to RGBA,
// with mediabunny reading the packets and tinyh264 (h264bsd in WASM, a devDependency) decoding them. No ffmpeg.
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny';

/** One decoded frame: RGBA pixels. */
export interface DecodedFrame {
  index: number;
  width: number;
  height: number;
  rgba: Uint8Array;
}

interface TinyH264Module {
  HEAPU8: Uint8Array;
}
type TinyH264DecoderClass = new (
  module: TinyH264Module,
  onPicture: (yuv: Uint8Array, width: number, height: number) => void,
) => { decode(nal: Uint8Array): void; release(): void };

let loaded: Promise<{ module: TinyH264Module; Decoder: TinyH264DecoderClass }> | undefined;

function loadTinyH264() {
  loaded ??= (async () => {
    // tinyh264's Emscripten glue is built for a web worker and reads `self.location` once at load.
    const scope = globalThis as { self?: unknown };
    scope.self ??= { location: { href: '' } };
    const factorySpecifier = 'tinyh264/es/TinyH264.js';
    const decoderSpecifier = 'tinyh264/es/TinyH264Decoder.js';
    const factory = (await import(factorySpecifier)).default as () => Promise<TinyH264Module>;
    const Decoder = (await import(decoderSpecifier)).default as TinyH264DecoderClass;
    return { module: await factory(), Decoder };
  })();
  return loaded;
}

/**
 * Decodes the frames of `mp4` whose indices are in `wanted` (all when omitted) to RGBA (BT.601, limited range).
 *
 * @example
 * ```ts
 * const [first, last] = await decodeMp4Frames(clip.mp4, [0, frameCount - 1]);
 * ```
 */
export async function decodeMp4Frames(mp4: Uint8Array, wanted?: readonly number[]): Promise<DecodedFrame[]> {
  const { module, Decoder } = await loadTinyH264();
  const input = new Input({ formats: ALL_FORMATS, source: new BufferSource(mp4) });
  const frames: DecodedFrame[] = [];
  let index = 0;
  const decoder = new Decoder(module, (yuv, width, height) => {
    if (!wanted || wanted.includes(index))
      frames.push({ index, width, height, rgba: yuvToRgba(yuv, width, height) });
    index++;
  });
  try {
    const track = await input.getPrimaryVideoTrack();
    if (!track) throw new Error('no video track');
    const config = await track.getDecoderConfig();
    const description = config?.description;
    if (!description) throw new Error('no avcC decoder configuration');
    const avcc =
      description instanceof ArrayBuffer
        ? new Uint8Array(description)
        : new Uint8Array(description.buffer, description.byteOffset, description.byteLength);
    const lengthSize = ((avcc[4] as number) & 3) + 1;
    for (const parameterSet of avccParameterSets(avcc)) decoder.decode(annexB([parameterSet]));
    for await (const packet of new EncodedPacketSink(track).packets()) {
      decoder.decode(annexB(lengthPrefixedUnits(packet.data, lengthSize)));
    }
  } finally {
    decoder.release();
    input.dispose();
  }
  return frames;
}

/** SPS and PPS of an `avcC` box (ISO/IEC 14496-15 5.3.3.1). */
function avccParameterSets(avcc: Uint8Array): Uint8Array[] {
  const sets: Uint8Array[] = [];
  let offset = 5;
  for (const mask of [0x1f, 0xff]) {
    const count = (avcc[offset++] as number) & mask;
    for (let index = 0; index < count; index++) {
      const length = ((avcc[offset] as number) << 8) | (avcc[offset + 1] as number);
      sets.push(avcc.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
  }
  return sets;
}

function lengthPrefixedUnits(data: Uint8Array, lengthSize: number): Uint8Array[] {
  const units: Uint8Array[] = [];
  for (let offset = 0; offset < data.length; ) {
    let length = 0;
    for (let byte = 0; byte < lengthSize; byte++) length = length * 256 + (data[offset + byte] as number);
    offset += lengthSize;
    units.push(data.subarray(offset, offset + length));
    offset += length;
  }
  return units;
}

function annexB(units: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(units.reduce((sum, unit) => sum + unit.length + 4, 0));
  let offset = 0;
  for (const unit of units) {
    out.set([0, 0, 0, 1], offset);
    out.set(unit, offset + 4);
    offset += unit.length + 4;
  }
  return out;
}

function yuvToRgba(yuv: Uint8Array, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const chromaWidth = width >> 1;
  const uPlane = width * height;
  const vPlane = uPlane + chromaWidth * (height >> 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const luma = 1.164 * ((yuv[y * width + x] as number) - 16);
      const chroma = (y >> 1) * chromaWidth + (x >> 1);
      const u = (yuv[uPlane + chroma] as number) - 128;
      const v = (yuv[vPlane + chroma] as number) - 128;
      const at = (y * width + x) * 4;
      rgba[at] = clampByte(luma + 1.596 * v);
      rgba[at + 1] = clampByte(luma - 0.392 * u - 0.813 * v);
      rgba[at + 2] = clampByte(luma + 2.017 * u);
      rgba[at + 3] = 255;
    }
  }
  return rgba;
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}
