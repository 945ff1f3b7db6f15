import { MeshError } from '@kidsstories/mesh-core';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads the width and height of a PNG from its IHDR chunk (the first chunk, PNG spec §11.2.2).
 *
 * @throws MeshError `internal` when the bytes are not a PNG: a provider answering something else is a
 *   provider fault, not the caller's.
 */
export function pngSizeOf(png: Uint8Array, provider = 'provider'): { width: number; height: number } {
  const isPng = png.length >= 24 && PNG_SIGNATURE.every((byte, index) => png[index] === byte);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (!isPng || String.fromCharCode(...png.subarray(12, 16)) !== 'IHDR') {
    throw new MeshError(`${provider}: the image is not a PNG`, 'internal', { details: { provider } });
  }
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
