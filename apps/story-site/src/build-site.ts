import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, MeshError, silentLogger } from '@kidsstories/mesh-core';
import { findBundles, type SkippedBundle } from './find-bundles.js';
import { runNextBuild } from './run-next-build.js';
import { runPool } from './run-pool.js';
import { buildSiteModel } from './site-model.js';
import { stripRuntime } from './strip-runtime.js';

/** Options of {@link buildSite}. */
export interface BuildSiteOptions {
  /** The folder holding `stories/{date}/{ageBand}/` bundles (what `npm start` writes to `./out`). */
  bundlesDir: string;
  /**
   * Where the static site goes. Created when missing; an existing folder must be empty or an earlier output of
   * this builder (it holds `.story-site`), and is replaced.
   */
  outDir: string;
  /** Where skipped bundles and progress are reported. Default: silent. */
  logger?: Logger;
  /** Cancels the build. */
  signal?: AbortSignal;
}

/** What {@link buildSite} wrote. */
export interface BuildSiteResult {
  /** The output folder (absolute). */
  outDir: string;
  /** HTML pages written. */
  pages: number;
  /** Stories published. */
  stories: number;
  /** The newest day published (the home page's "today"), when there is one. */
  latestDate?: string;
  /** Bundle folders left out, with the reason. */
  skipped: SkippedBundle[];
}

/** Marks a folder as this builder's output, so a rebuild may replace it. */
export const OUTPUT_MARKER = '.story-site';

/** Media files copied at once. */
const COPY_CONCURRENCY = 8;

/** This package's folder: one level up from `src/` (sources) and `dist/` (build). */
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function checkOutDir(outDir: string): Promise<void> {
  const entries = await readdir(outDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0 && !entries.some((entry) => entry === OUTPUT_MARKER)) {
    throw new MeshError(
      `refusing to replace ${outDir}: it is not empty and not an earlier story-site output (no ${OUTPUT_MARKER})`,
      'failed_precondition',
      { details: { outDir } },
    );
  }
}

/** A working folder older than this is left over from a build that died, and is taken over. */
const STALE_BUILD_MS = 10 * 60_000;
/** How often a build waits for another build of the same input to finish. */
const CLAIM_POLL_MS = 250;

/** Creates `dir` for this build alone, waiting while another build of the same input holds it. */
async function claimFolder(dir: string, signal?: AbortSignal): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  for (;;) {
    signal?.throwIfAborted();
    try {
      await mkdir(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = await stat(dir).catch(() => undefined);
    if (found && Date.now() - found.mtimeMs > STALE_BUILD_MS) await rm(dir, { recursive: true, force: true });
    else await new Promise((resolveWait) => setTimeout(resolveWait, CLAIM_POLL_MS));
  }
}

async function countHtml(dir: string): Promise<number> {
  const files = await readdir(dir, { recursive: true });
  return files.filter((file) => String(file).endsWith('.html')).length;
}

/**
 * Builds the static story site from a folder of bundles: finds and verifies every bundle (a missing or invalid
 * one is left out and reported through `logger.warn` and `skipped`), renders the Next.js app as a static export
 * without Next's client runtime (one small script plays "Read to me"), and copies each page's picture, narration and clip to `media/{sha256}.{ext}`. The same input gives the same
 * bytes out.
 *
 * @throws MeshError `failed_precondition` when `outDir` holds other files; `internal` when `next build` fails.
 * @example
 * ```ts
 * const { stories, skipped } = await buildSite({ bundlesDir: 'out', outDir: 'out/site' });
 * ```
 */
export async function buildSite(options: BuildSiteOptions): Promise<BuildSiteResult> {
  const logger = options.logger ?? silentLogger;
  const outDir = resolve(options.outDir);
  await checkOutDir(outDir);
  // Where the time goes, in the debug log: `phases` at the end (milliseconds per phase).
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - phaseStart);
    phaseStart = now;
  };
  const { bundles, skipped } = await findBundles(resolve(options.bundlesDir));
  phase('verifyBundles');
  for (const { dir, reason } of skipped)
    logger.warn(`story-site: left out ${dir}: ${reason}`, { dir, reason });
  const model = buildSiteModel(bundles);
  const dataJson = `${JSON.stringify(model.data, null, 2)}\n`;
  const buildId = createHash('sha256').update(dataJson).digest('hex').slice(0, 20);
  // A private copy of the app per input, so that builds of different inputs can run side by side; inside the
  // package, so that Next resolves next and react from the workspace's node_modules. Its path is part of the
  // bundler's module ids, so it depends on the input only: that keeps the output reproducible.
  const projectDir = join(packageDir, '.site-build', buildId);
  await claimFolder(projectDir, options.signal);
  try {
    await cp(join(packageDir, 'site'), projectDir, {
      recursive: true,
      filter: (source) => !/[/\\](\.next|out|node_modules|next-env\.d\.ts)$/.test(source),
    });
    await writeFile(join(projectDir, 'site-data.json'), dataJson);
    phase('prepareProject');
    logger.info(`story-site: building ${model.data.stories.length} stories`, { buildId });
    await runNextBuild({ projectDir, buildId, ...(options.signal ? { signal: options.signal } : {}) });
    phase('nextBuild');
    await rm(outDir, { recursive: true, force: true });
    await mkdir(dirname(outDir), { recursive: true });
    // Moved, not copied, when the output is on the same file system as the working folder.
    await rename(join(projectDir, 'out'), outDir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error;
      await cp(join(projectDir, 'out'), outDir, { recursive: true });
    });
    await stripRuntime(outDir);
    phase('stripRuntime');
  } finally {
    await rm(projectDir, { recursive: true, force: true });
  }
  await Promise.all(
    [...new Set(model.media.map(({ to }) => dirname(join(outDir, to))))].map((dir) =>
      mkdir(dir, { recursive: true }),
    ),
  );
  await runPool(model.media, COPY_CONCURRENCY, ({ from, to }) => copyFile(from, join(outDir, to)));
  phase('copyMedia');
  await writeFile(
    join(outDir, OUTPUT_MARKER),
    'Built by @kidsstories/story-site; rebuilding replaces this folder.\n',
  );
  const pages = await countHtml(outDir);
  const latestDate = model.data.dates[0];
  phase('finish');
  logger.info(`story-site: ${pages} pages, ${model.data.stories.length} stories in ${outDir}`);
  logger.debug('story-site: build phases (ms)', phases);
  return {
    outDir,
    pages,
    stories: model.data.stories.length,
    ...(latestDate ? { latestDate } : {}),
    skipped,
  };
}
