import { MeshError } from '@kidsstories/mesh-core';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads a PNG's width and height from its IHDR chunk, checking the signature.
 *
 * @throws MeshError `invalid_argument` (field `png`) when the bytes are not a PNG.
 */
export function readPngSize(png: Uint8Array): { width: number; height: number } {
  const valid =
    png.byteLength >= 24 &&
    PNG_SIGNATURE.every((byte, index) => png[index] === byte) &&
    String.fromCharCode(...png.subarray(12, 16)) === 'IHDR';
  if (!valid)
    throw new MeshError('the image is not a PNG', 'invalid_argument', { details: { field: 'png' } });
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width > 8192 || height > 8192) {
    throw new MeshError(`PNG size ${width}x${height} is outside 1 to 8192 pixels`, 'invalid_argument', {
      details: { field: 'png' },
    });
  }
  return { width, height };
}
