import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FILES, type StoryManifest } from '@kidsstories/kidsstories-tools/bundle';
import { serializeManifest } from './publish-manifest.js';
import { type PutBlobOutcome, putBlobIfChanged } from './put-blob-if-changed.js';
import { rebuildManifestFromBlobs } from './rebuild-manifest.js';
import { runPool } from './run-pool.js';
import {
  type BundleSyncReport,
  backoffMs,
  isTransient,
  type LocalFile,
  type ResolvedSyncOptions,
  withoutData,
} from './sync-options.js';

/**
 * The passes of one sync: uploads, retries with backoff, then the manifest rebuilt from the blobs, written and
 * checked; fills `report`.
 */
export async function syncPasses(
  dir: string,
  files: readonly LocalFile[],
  manifest: StoryManifest,
  prefix: string,
  report: BundleSyncReport,
  resolved: ResolvedSyncOptions,
): Promise<void> {
  const { signal, logger } = resolved;
  const state = { outcomes: new Map<string, PutBlobOutcome>(), errors: new Map<string, string>() };
  const givenUp: LocalFile[] = [];
  let pending: readonly LocalFile[] = files;
  let done = false;
  while (!done && report.rounds < resolved.maxRounds) {
    report.rounds++;
    if (pending.length > 0) {
      const pass = await uploadPass(pending, state, report.rounds, resolved);
      pending = pass.retry;
      givenUp.push(...pass.givenUp);
    }
    if (givenUp.length > 0) break;
    if (pending.length === 0) {
      try {
        const stale = await publishManifest(dir, prefix, manifest, report, resolved);
        done = stale.length === 0;
        if (!done) {
          // Another writer replaced files between our writes and the manifest: write ours again.
          logger.warn('blobs changed during the sync; another pass', { prefix, stale });
          pending = files.filter((file) => stale.includes(file.path));
          for (const file of pending) {
            state.outcomes.delete(file.path);
            state.errors.set(file.path, 'another writer replaced the blob during the sync');
          }
        }
      } catch (error) {
        if (signal?.aborted || !isTransient(error)) throw error;
        report.manifest = 'not-written';
        report.manifestError = error instanceof Error ? error.message : String(error);
        logger.warn('manifest upload failed', { prefix, round: report.rounds, error });
      }
    }
    if (!done && report.rounds < resolved.maxRounds) {
      await resolved.sleep(backoffMs(report.rounds, resolved), signal);
    }
  }
  if (done) delete report.manifestError;
  for (const file of files) {
    const outcome = state.outcomes.get(file.path);
    if (outcome === 'uploaded') report.uploaded.push(withoutData(file));
    else if (outcome === 'skipped') report.skipped.push(withoutData(file));
  }
  report.failed = [...givenUp, ...pending].map((file) => ({
    ...withoutData(file),
    error: state.errors.get(file.path) ?? 'unknown',
  }));
}

/**
 * Rebuilds the manifest from the blobs, uploads it and checks the blobs again; resolves the bundle paths found
 * stale (empty when the manifest is in place and matches). A dry run only compares the bundle's manifest.
 */
async function publishManifest(
  dir: string,
  prefix: string,
  manifest: StoryManifest,
  report: BundleSyncReport,
  resolved: ResolvedSyncOptions,
): Promise<string[]> {
  const { container, signal } = resolved;
  if (resolved.dryRun) {
    report.manifest = await putManifest(dir, prefix, undefined, resolved);
    return [];
  }
  const rebuilt = await rebuildManifestFromBlobs(container, prefix, manifest, signal);
  if (!rebuilt.manifest) return rebuilt.stale;
  report.manifest = await putManifest(dir, prefix, rebuilt.manifest, resolved);
  const after = await rebuildManifestFromBlobs(container, prefix, manifest, signal);
  if (after.stale.length > 0) report.manifest = 'not-written';
  return after.stale;
}

/** Files of one pass that are left: `retry` after a transient failure, `givenUp` after a client fault. */
interface PassResult {
  retry: LocalFile[];
  givenUp: LocalFile[];
}

async function uploadPass(
  files: readonly LocalFile[],
  state: { outcomes: Map<string, PutBlobOutcome>; errors: Map<string, string> },
  round: number,
  options: ResolvedSyncOptions,
): Promise<PassResult> {
  const result: PassResult = { retry: [], givenUp: [] };
  await runPool(files, options.concurrency, async (file) => {
    try {
      const outcome = await putBlobIfChanged(options.container, file.blob, file.data, file.sha256, options);
      // A file uploaded in an earlier pass and found in place now was still uploaded by this sync.
      if (state.outcomes.get(file.path) !== 'uploaded') state.outcomes.set(file.path, outcome);
      options.onProgress?.({ path: file.path, outcome, bytes: file.bytes, round });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      state.errors.set(file.path, error instanceof Error ? error.message : String(error));
      // A client fault (403, 400…) will not heal by itself: it is not tried again.
      const transient = isTransient(error);
      const last = round >= options.maxRounds || !transient;
      options.logger.warn('blob upload failed', { blob: file.blob, round, error });
      options.onProgress?.({
        path: file.path,
        outcome: last ? 'failed' : 'retrying',
        bytes: file.bytes,
        round,
      });
      (transient ? result.retry : result.givenUp).push(file);
    }
  });
  return result;
}

async function putManifest(
  dir: string,
  prefix: string,
  rebuilt: StoryManifest | undefined,
  options: ResolvedSyncOptions,
): Promise<'uploaded' | 'skipped'> {
  // The rebuilt manifest is serialised the way the bundle writer writes it, so an unchanged bundle hashes alike.
  const data = rebuilt ? serializeManifest(rebuilt) : await readFile(join(dir, BUNDLE_FILES.manifest));
  const sha256 = createHash('sha256').update(data).digest('hex');
  return putBlobIfChanged(options.container, `${prefix}${BUNDLE_FILES.manifest}`, data, sha256, options);
}
