import { createHash } from 'node:crypto';
import type { ContentBlock } from '@modelcontextprotocol/server';
import * as z from 'zod';

/**
 * Media artifacts (pictures, narration, clips) as tool results: bytes go to the client as an MCP embedded
 * resource with a MIME type, never as giant text; `structuredContent` carries the metadata.
 */

/** Metadata of an artifact, as found in a media tool's `structuredContent`. */
export const mediaArtifactSchema = z.object({
  /** Content-addressed URI: `kidsstories://media/{kind}/{sha256}.{ext}`. */
  uri: z.string(),
  mimeType: z.string(),
  /** Size in bytes. */
  bytes: z.number().int().nonnegative(),
  /** SHA-256 of the bytes, hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Metadata of an artifact. */
export type MediaArtifact = z.infer<typeof mediaArtifactSchema>;

/** The kinds of artifact and their file extension and MIME type. */
export const MEDIA_KINDS = {
  image: { extension: 'png', mimeType: 'image/png' },
  audio: { extension: 'mp3', mimeType: 'audio/mpeg' },
  video: { extension: 'mp4', mimeType: 'video/mp4' },
} as const;

/** A kind of artifact. */
export type MediaKind = keyof typeof MEDIA_KINDS;

/**
 * Describes bytes as an artifact: SHA-256, size, MIME type and a content-addressed URI. `format` overrides the
 * kind's usual extension and MIME type (a WebP picture, a WAV narration).
 *
 * @example
 * ```ts
 * const artifact = describeArtifact('image', png); // { uri: 'kidsstories://media/image/ab12….png', … }
 * ```
 */
export function describeArtifact(
  kind: MediaKind,
  data: Uint8Array,
  format: { extension: string; mimeType: string } = MEDIA_KINDS[kind],
): MediaArtifact {
  const sha256 = createHash('sha256').update(data).digest('hex');
  const { extension, mimeType } = format;
  return {
    uri: `kidsstories://media/${kind}/${sha256}.${extension}`,
    mimeType,
    bytes: data.byteLength,
    sha256,
  };
}

/** The MCP embedded resource (`type: 'resource'`) carrying the bytes base64-encoded as a blob. */
export function embeddedResource(artifact: MediaArtifact, data: Uint8Array): ContentBlock {
  return {
    type: 'resource',
    resource: { uri: artifact.uri, mimeType: artifact.mimeType, blob: Buffer.from(data).toString('base64') },
  };
}

/** Decodes an embedded resource's blob (as produced by {@link embeddedResource}) back to bytes. */
export function bytesOfResource(block: ContentBlock): Uint8Array | undefined {
  if (block.type !== 'resource' || !('blob' in block.resource)) return undefined;
  return new Uint8Array(Buffer.from(block.resource.blob, 'base64'));
}
