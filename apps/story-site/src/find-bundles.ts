import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoryManifest } from '@kidsstories/kidsstories-tools/bundle';
import { AGE_BANDS, type AgeBand, isBundleDate, verifyBundle } from '@kidsstories/kidsstories-tools/bundle';
import { runPool } from './run-pool.js';

/** A bundle folder the site left out, and why. */
export interface SkippedBundle {
  /** The folder, as found under the input. */
  dir: string;
  reason: string;
}

/** A bundle that verified: every file present with its size and SHA-256. */
export interface VerifiedBundle {
  dir: string;
  manifest: StoryManifest;
}

/** What {@link findBundles} found. */
export interface FoundBundles {
  bundles: VerifiedBundle[];
  skipped: SkippedBundle[];
}

/** Bundles verified at once (each hashes its files in parallel too). */
const VERIFY_CONCURRENCY = 4;

/** Problems named in a skip reason; the rest are counted. */
const PROBLEMS_SHOWN = 3;

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * Finds the bundles under `root/stories/{date}/{ageBand}/` and checks each with `verifyBundle` (manifest, every
 * asset's size and SHA-256, every page complete). A folder that is not a bundle, has no manifest (still being
 * written) or fails a check is skipped with the reason, so the site never publishes half a story. Sorted newest
 * day first, then youngest band first.
 */
export async function findBundles(root: string): Promise<FoundBundles> {
  const storiesDir = join(root, 'stories');
  const dates = (await subfolders(storiesDir)).reverse();
  // Every candidate folder in output order first, then the checks (which hash every file) a few at once.
  const candidates: Array<{ dir: string; date: string; band: string } | SkippedBundle> = [];
  for (const date of dates) {
    const dateDir = join(storiesDir, date);
    if (!isBundleDate(date)) {
      candidates.push({ dir: dateDir, reason: `"${date}" is not a day written YYYY-MM-DD` });
      continue;
    }
    const bands = await subfolders(dateDir);
    const ordered = [
      ...AGE_BANDS.filter((band) => bands.includes(band)),
      ...bands.filter((band) => !AGE_BANDS.includes(band as AgeBand)),
    ];
    for (const band of ordered) {
      const dir = join(dateDir, band);
      candidates.push(
        AGE_BANDS.includes(band as AgeBand)
          ? { dir, date, band }
          : { dir, reason: `"${band}" is not an age band (${AGE_BANDS.join(', ')})` },
      );
    }
  }
  const checked = await runPool(
    candidates,
    VERIFY_CONCURRENCY,
    async (candidate): Promise<VerifiedBundle | SkippedBundle> => {
      if ('reason' in candidate) return candidate;
      const { dir, date, band } = candidate;
      const { ok, manifest, problems } = await verifyBundle(dir);
      if (!ok || !manifest) {
        const shown = problems
          .slice(0, PROBLEMS_SHOWN)
          .map((problem) => `${problem.path}: ${problem.message}`);
        const more =
          problems.length > PROBLEMS_SHOWN ? ` (and ${problems.length - PROBLEMS_SHOWN} more)` : '';
        return { dir, reason: `${shown.join('; ')}${more}` };
      }
      if (manifest.date !== date || manifest.ageBand !== band) {
        return {
          dir,
          reason: `its manifest is for ${manifest.date} ${manifest.ageBand}, not the folder's ${date} ${band}`,
        };
      }
      return { dir, manifest };
    },
  );
  const bundles: VerifiedBundle[] = [];
  const skipped: SkippedBundle[] = [];
  for (const result of checked) {
    if ('reason' in result) skipped.push(result);
    else bundles.push(result);
  }
  return { bundles, skipped };
}
