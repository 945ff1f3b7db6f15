import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBundle, type StoryManifest } from '@kidsstories/kidsstories-tools/bundle';
import { MeshError } from '@kidsstories/mesh-core';
import { abortOption } from './abort-option.js';
import { acquireBundleLock, type BundleLock } from './bundle-lock.js';
import { bundleBlobPrefix } from './rebuild-manifest.js';
import {
  type BundleSyncOptions,
  type BundleSyncReport,
  backoffMs,
  isTransient,
  type LocalFile,
  type ResolvedSyncOptions,
  resolveBundleSyncOptions,
  type SyncedFile,
  withoutData,
} from './sync-options.js';
import { syncPasses } from './sync-passes.js';

/**
 * Uploads one bundle folder to Blob Storage under `stories/{date}/{ageBand}/`. Every file the manifest lists is
 * read and hashed (SHA-256); a file whose blob already holds that hash is skipped, others are written
 * conditionally so concurrent syncs never overwrite each other blindly (see `putBlobIfChanged`), `concurrency`
 * at a time. Files that fail with a transient error are tried again in later passes, with backoff. Only when every
 * file is in place is `story-manifest.json` rebuilt from the blob listing and uploaded, last; the container is
 * then listed again, and if another writer replaced a file meanwhile the whole pass is repeated, so the manifest
 * never names a missing blob or other bytes.
 *
 * @throws MeshError `not_found` / `data_loss` from `readBundle` (no or bad manifest), `data_loss` when a file's
 *   bytes differ from its manifest entry (the bundle is being rewritten), `invalid_argument` for bad options. A
 *   file that cannot be uploaded does not throw: it is listed in `failed`.
 * @example
 * ```ts
 * const container = createContainerClient(resolveBlobConnection({}));
 * const report = await syncBundle('out/stories/2026-12-06/6-8', { container });
 * console.log(report.uploaded.length, report.skipped.length, report.failed.length);
 * ```
 */
export async function syncBundle(dir: string, options: BundleSyncOptions): Promise<BundleSyncReport> {
  const resolved = resolveBundleSyncOptions(options);
  const { container, signal } = resolved;
  const { manifest } = await readBundle(dir);
  const prefix = bundleBlobPrefix(manifest, resolved.root);
  const files = await readBundleFiles(dir, manifest, prefix);
  const report: BundleSyncReport = {
    bundleDir: dir,
    container: container.containerName,
    prefix,
    dryRun: resolved.dryRun,
    uploaded: [],
    skipped: [],
    failed: [],
    uploadedBytes: 0,
    skippedBytes: 0,
    failedBytes: 0,
    manifest: 'not-written',
    rounds: 0,
  };
  if (resolved.dryRun) {
    if (!(await container.exists(abortOption(signal)))) {
      report.uploaded = files.map(withoutData);
      report.manifest = 'uploaded';
      return totals(report);
    }
  }
  let lock: BundleLock | undefined;
  if (!resolved.dryRun) {
    await createContainerIfMissing(resolved);
    lock = await acquireBundleLock(container, prefix, {
      waitMs: resolved.lockWaitMs,
      sleep: resolved.sleep,
      now: resolved.now,
      ...(signal && { signal }),
    });
  }
  try {
    await syncPasses(dir, files, manifest, prefix, report, resolved);
  } finally {
    await lock?.release();
  }
  return totals(report);
}

/** Creates the container when missing, trying transient failures again `maxRounds` times. */
async function createContainerIfMissing(resolved: ResolvedSyncOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await resolved.container.createIfNotExists(abortOption(resolved.signal));
      return;
    } catch (error) {
      if (resolved.signal?.aborted || !isTransient(error) || attempt >= resolved.maxRounds) throw error;
      await resolved.sleep(backoffMs(attempt, resolved), resolved.signal);
    }
  }
}

async function readBundleFiles(dir: string, manifest: StoryManifest, prefix: string): Promise<LocalFile[]> {
  return Promise.all(
    manifest.assets.map(async (asset) => {
      const data = await readFile(join(dir, asset.path));
      const sha256 = createHash('sha256').update(data).digest('hex');
      if (sha256 !== asset.sha256 || data.byteLength !== asset.bytes) {
        throw new MeshError(
          `${asset.path} in ${dir} does not match its manifest entry (SHA-256 or size): the bundle is being rewritten or is damaged`,
          'data_loss',
          { details: { path: asset.path } },
        );
      }
      return { path: asset.path, blob: `${prefix}${asset.path}`, bytes: data.byteLength, sha256, data };
    }),
  );
}

function totals(report: BundleSyncReport): BundleSyncReport {
  const sum = (files: readonly SyncedFile[]) => files.reduce((total, file) => total + file.bytes, 0);
  report.uploadedBytes = sum(report.uploaded);
  report.skippedBytes = sum(report.skipped);
  report.failedBytes = sum(report.failed);
  return report;
}
