import { MeshError } from '@kidsstories/mesh-core';

/**
 * Picture encoding after rendering: PNG stays as rendered; WebP and JPEG are encoded with `sharp` (libvips,
 * prebuilt per platform), which also scales a picture to the size asked for. `sharp` is loaded on first use, so
 * PNG-only runs never load it.
 */

/** The picture formats the media tools produce (the `output_format` parameter). */
export type ImageFormat = 'png' | 'webp' | 'jpeg';

/** File extension and MIME type of each {@link ImageFormat}. */
export const IMAGE_FORMATS: Readonly<Record<ImageFormat, { extension: string; mimeType: string }>> = {
  png: { extension: 'png', mimeType: 'image/png' },
  webp: { extension: 'webp', mimeType: 'image/webp' },
  jpeg: { extension: 'jpg', mimeType: 'image/jpeg' },
};

/** Options for {@link encodeImage}. */
export interface EncodeImageOptions {
  /** Lossy quality of WebP and JPEG, 1 to 100. Default 85. */
  quality?: number;
  /** Scale the picture to this size first (pixels); default its own size. */
  resize?: { width: number; height: number };
}

type Sharp = typeof import('sharp')['default'];
let sharpModule: Promise<Sharp> | undefined;

async function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((module) => module.default);
  return sharpModule;
}

/**
 * Encodes a rendered PNG as `format`, scaled to `resize` when given. A PNG asked for as PNG at its own size
 * comes back as it is.
 *
 * @throws MeshError `internal` when the picture cannot be decoded or encoded.
 * @example
 * ```ts
 * const webp = await encodeImage(png, 'webp', { quality: 90 });
 * ```
 */
export async function encodeImage(
  png: Uint8Array,
  format: ImageFormat,
  options: EncodeImageOptions = {},
): Promise<Uint8Array> {
  if (format === 'png' && options.resize === undefined) return png;
  const quality = options.quality ?? 85;
  try {
    const sharp = await loadSharp();
    let pipeline = sharp(png);
    if (options.resize)
      pipeline = pipeline.resize(options.resize.width, options.resize.height, { fit: 'fill' });
    const encoded =
      format === 'webp'
        ? pipeline.webp({ quality })
        : format === 'jpeg'
          ? pipeline.flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: false })
          : pipeline.png();
    return new Uint8Array(await encoded.toBuffer());
  } catch (error) {
    throw new MeshError(`encoding the picture as ${format} failed: ${(error as Error).message}`, 'internal', {
      cause: error,
    });
  }
}

/** Width and height of a PNG, WebP or JPEG, read with `sharp`. */
export async function imageSizeOf(
  bytes: Uint8Array,
): Promise<{ width: number; height: number; format: string }> {
  const sharp = await loadSharp();
  const metadata = await sharp(bytes).metadata();
  return { width: metadata.width ?? 0, height: metadata.height ?? 0, format: metadata.format ?? 'unknown' };
}
