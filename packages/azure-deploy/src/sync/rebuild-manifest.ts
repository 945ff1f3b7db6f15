import { type ContainerClient, RestError } from '@azure/storage-blob';
import {
  BUNDLE_FILES,
  type BundleAsset,
  type StoryManifest,
  storyManifestSchema,
} from '@kidsstories/kidsstories-tools/bundle';
import { MeshError } from '@kidsstories/mesh-core';
import { abortOption } from './abort-option.js';
import { SHA256_METADATA_KEY } from './blob-headers.js';

/** The blob name prefix of a bundle: `{root}stories/{date}/{ageBand}/`. */
export function bundleBlobPrefix(manifest: Pick<StoryManifest, 'date' | 'ageBand'>, root = ''): string {
  const base = root === '' || root.endsWith('/') ? root : `${root}/`;
  return `${base}stories/${manifest.date}/${manifest.ageBand}/`;
}

/** The result of {@link rebuildManifestFromBlobs}. */
export interface RebuiltManifest {
  /** The manifest whose `assets` come from the blob listing (present only when nothing is stale). */
  manifest?: StoryManifest;
  /** Bundle paths whose blob is missing or holds other bytes than the bundle's (by SHA-256 and size). */
  stale: string[];
}

/**
 * Rebuilds a bundle's manifest from what the container holds: lists the blobs under `prefix` with their metadata
 * and takes every asset entry's SHA-256, size and content type from its blob (the bundle's own manifest supplies
 * the rest, and the per-asset facts such as picture sizes). An asset whose blob is missing, or whose blob's
 * SHA-256 or size differs from the bundle's, is reported as stale and no manifest is returned, so a manifest
 * built here never names a missing blob.
 *
 * @throws MeshError `internal` when the rebuilt manifest does not validate (a bug, not a storage state).
 */
export async function rebuildManifestFromBlobs(
  container: ContainerClient,
  prefix: string,
  bundleManifest: StoryManifest,
  signal?: AbortSignal,
): Promise<RebuiltManifest> {
  const blobs = new Map<string, { sha256?: string; bytes?: number; contentType?: string }>();
  try {
    for await (const item of container.listBlobsFlat({
      prefix,
      includeMetadata: true,
      ...abortOption(signal),
    })) {
      blobs.set(item.name.slice(prefix.length), {
        ...(item.metadata?.[SHA256_METADATA_KEY] !== undefined && {
          sha256: item.metadata[SHA256_METADATA_KEY],
        }),
        ...(item.properties.contentLength !== undefined && { bytes: item.properties.contentLength }),
        ...(item.properties.contentType !== undefined && { contentType: item.properties.contentType }),
      });
    }
  } catch (error) {
    // A container that does not exist yet holds no blob: everything is stale.
    if (!(error instanceof RestError && error.statusCode === 404)) throw error;
  }
  const stale: string[] = [];
  const assets: BundleAsset[] = [];
  for (const asset of bundleManifest.assets) {
    const blob = blobs.get(asset.path);
    if (
      asset.path === BUNDLE_FILES.manifest ||
      blob?.sha256 !== asset.sha256 ||
      blob.bytes !== asset.bytes ||
      blob.contentType === undefined
    ) {
      stale.push(asset.path);
      continue;
    }
    assets.push({ ...asset, sha256: blob.sha256, bytes: blob.bytes, contentType: blob.contentType });
  }
  if (stale.length > 0) return { stale };
  const parsed = storyManifestSchema.safeParse({ ...bundleManifest, assets });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MeshError(
      `the manifest rebuilt from ${prefix} does not validate: ${issue?.path.join('.')}: ${issue?.message}`,
      'internal',
      { details: { prefix } },
    );
  }
  return { manifest: parsed.data, stale };
}
