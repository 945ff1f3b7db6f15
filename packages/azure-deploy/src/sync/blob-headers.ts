import type { BlobHTTPHeaders } from '@azure/storage-blob';
import { BUNDLE_FILES, contentTypeOf } from '@kidsstories/kidsstories-tools/bundle';

/**
 * Cache lifetimes of synced blobs. Media (pictures, narration, clips) never change once published for a day, so
 * a CDN and browsers may keep them a year; the JSON files can be regenerated for the same day, and the manifest
 * is what the site polls, so they stay short.
 */
export const CACHE_CONTROL = {
  media: 'public, max-age=31536000, immutable',
  json: 'public, max-age=300',
  manifest: 'public, max-age=60, must-revalidate',
} as const;

/** Metadata key holding a blob's SHA-256 (lowercase hex); Blob metadata names are C# identifiers. */
export const SHA256_METADATA_KEY = 'sha256';

/**
 * Content type and cache control for the bundle file at `path` (relative to the bundle).
 *
 * @throws MeshError `invalid_argument` for an extension a bundle never holds.
 */
export function blobHeadersOf(path: string): BlobHTTPHeaders {
  const blobContentType = contentTypeOf(path);
  const name = path.slice(path.lastIndexOf('/') + 1);
  const blobCacheControl =
    name === BUNDLE_FILES.manifest
      ? CACHE_CONTROL.manifest
      : blobContentType === 'application/json'
        ? CACHE_CONTROL.json
        : CACHE_CONTROL.media;
  return { blobContentType, blobCacheControl };
}
