import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { BUNDLE_FILES, readBundle, type StoryManifest } from '@kidsstories/kidsstories-tools/bundle';
import { putBlobIfChanged } from './put-blob-if-changed.js';
import { bundleBlobPrefix, rebuildManifestFromBlobs } from './rebuild-manifest.js';

/** A manifest as the bundle writer writes it (2-space JSON, newline-terminated), so equal manifests hash alike. */
export function serializeManifest(manifest: StoryManifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** Options for {@link publishBundleManifest}. */
export interface PublishManifestOptions {
  container: ContainerClient;
  /** Prefix before `stories/…`. Default `''`. */
  root?: string;
  /** Rebuild and compare, but write nothing. Default false. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** What {@link publishBundleManifest} did. */
export interface ManifestPublishReport {
  /** The manifest blob's name. */
  blob: string;
  /** Written, already identical, or not written because `stale` is not empty. */
  outcome: 'uploaded' | 'skipped' | 'not-written';
  /** Bundle paths whose blob is missing or holds other bytes. */
  stale: string[];
  /** The rebuilt manifest, when nothing is stale. */
  manifest?: StoryManifest;
}

/**
 * Rebuilds the bundle's `story-manifest.json` from the blobs already in the container (see
 * `rebuildManifestFromBlobs`) and uploads it when every asset is in place, without uploading any other file: the
 * repair step after an interrupted sync, or a check that the container holds the whole bundle.
 *
 * @throws MeshError from `readBundle` when `dir` holds no valid bundle.
 * @example
 * ```ts
 * const { outcome, stale } = await publishBundleManifest('out/stories/2026-12-06/6-8', { container });
 * ```
 */
export async function publishBundleManifest(
  dir: string,
  options: PublishManifestOptions,
): Promise<ManifestPublishReport> {
  const { manifest } = await readBundle(dir);
  const prefix = bundleBlobPrefix(manifest, options.root);
  const blob = `${prefix}${BUNDLE_FILES.manifest}`;
  const rebuilt = await rebuildManifestFromBlobs(options.container, prefix, manifest, options.signal);
  if (!rebuilt.manifest) return { blob, outcome: 'not-written', stale: rebuilt.stale };
  const data = serializeManifest(rebuilt.manifest);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const outcome = await putBlobIfChanged(options.container, blob, data, sha256, {
    ...(options.dryRun !== undefined && { dryRun: options.dryRun }),
    ...(options.signal && { signal: options.signal }),
  });
  return { blob, outcome, stale: [], manifest: rebuilt.manifest };
}
