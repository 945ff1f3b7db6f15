import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// The story site is loaded at run time by name (and typed from its declarations): this bench member lives in
// reference-mesh, which does not declare the site as a dependency yet, so the bundler must not inline it.
type StorySite = typeof import('@kidsstories/story-site');
type StorySiteTesting = typeof import('@kidsstories/story-site/testing');
const STORY_SITE = '@kidsstories/story-site';
const STORY_SITE_TESTING = '@kidsstories/story-site/testing';

/** The `site` member of the bench JSON. */
export interface SiteBenchResult {
  /** Stories in the measured build (days x 3 age bands). */
  stories: number;
  /** Wall time of building the site for them, in milliseconds. */
  buildMs: number;
  /** Wall time of the baseline: the same build for one day (3 stories), in the same run. */
  baselineBuildMs: number;
  /** `buildMs / baselineBuildMs`: how the build grows from 3 to `stories` stories. */
  buildRatio: number;
  /** Size of the whole output (HTML, scripts, styles and media), in bytes. */
  outputBytes: number;
  /** Heaviest story page before media: its HTML plus the scripts and styles it loads, in bytes (uncompressed). */
  largestPageBytes: number;
  /** The same page gzipped, as nginx sends it. */
  largestPageGzipBytes: number;
  /** First contentful paint of today's story page served locally, in Chromium (median of the runs), ms. */
  storyFirstPaintMs: number;
  /** First contentful paint of the site's plain 404 page, same server and browser (the baseline), ms. */
  baselineFirstPaintMs: number;
  /** `storyFirstPaintMs / baselineFirstPaintMs`. */
  firstPaintRatio: number;
  /** The targets: 90 stories built in under 30 s on two cores, a story page under 50 KB before media. */
  targets: { buildUnder30s: boolean; pageUnder50KB: boolean };
}

/** Options of {@link runSiteBench}. */
export interface SiteBenchOptions {
  /** Days of bundles (3 age bands each). Default 30. */
  days?: number;
  /** Page loads per measured page in Chromium. Default 5. */
  paintRuns?: number;
}

async function treeBytes(dir: string): Promise<number> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(
    files
      .filter((entry) => entry.isFile())
      .map(async (entry) => (await stat(join(entry.parentPath, entry.name))).size),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** A story page's HTML plus the scripts and styles it references, raw and gzipped. */
async function pageWeight(siteDir: string, htmlFile: string): Promise<{ bytes: number; gzipBytes: number }> {
  const html = await readFile(htmlFile);
  const references = new Set(
    [...html.toString('utf8').matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]!),
  );
  const parts = [html, ...(await Promise.all([...references].map((path) => readFile(join(siteDir, path)))))];
  return {
    bytes: parts.reduce((sum, part) => sum + part.byteLength, 0),
    gzipBytes: parts.reduce((sum, part) => sum + gzipSync(part).byteLength, 0),
  };
}

/** The browser's PerformanceObserver, as far as the paint measurement uses it (Node's type knows no `paint`). */
type PaintObserverClass = new (
  callback: (list: { getEntriesByName(name: string): { startTime: number }[] }) => void,
) => { observe(options: { type: string; buffered: boolean }): void };

/** How long a page load may take to report its first contentful paint. */
const PAINT_TIMEOUT_MS = 10_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * The story site benchmark (issue 15): builds the site for `days` x 3 age bands of real offline bundles and, as
 * the baseline in the same run, for one day; weighs the heaviest story page before media; and measures first
 * contentful paint of today's story page against the plain 404 page in Debian's Chromium, served by `previewSite`.
 *
 * @example
 * ```ts
 * const { buildMs, buildRatio, largestPageBytes } = await runSiteBench({ days: 30 });
 * ```
 */
export async function runSiteBench(options: SiteBenchOptions = {}): Promise<SiteBenchResult> {
  const days = options.days ?? 30;
  const paintRuns = options.paintRuns ?? 5;
  const { buildSite, previewSite } = (await import(STORY_SITE)) as StorySite;
  const { launchChromium, writeSampleBundles } = (await import(STORY_SITE_TESTING)) as StorySiteTesting;
  const root = await mkdtemp(join(tmpdir(), 'site-bench-'));
  try {
    const start = Date.UTC(2026, 0, 1);
    const dates = Array.from({ length: days }, (_, day) =>
      new Date(start + day * 86_400_000).toISOString().slice(0, 10),
    );
    const allDir = join(root, 'all');
    const oneDir = join(root, 'one');
    await writeSampleBundles(allDir, { dates });
    await writeSampleBundles(oneDir, { dates: dates.slice(-1) });

    let began = performance.now();
    await buildSite({ bundlesDir: oneDir, outDir: join(root, 'site-one') });
    const baselineBuildMs = performance.now() - began;
    began = performance.now();
    const built = await buildSite({ bundlesDir: allDir, outDir: join(root, 'site') });
    const buildMs = performance.now() - began;
    if (built.stories !== days * 3) {
      throw new Error(
        `the site has ${built.stories} stories, expected ${days * 3}: ${JSON.stringify(built.skipped)}`,
      );
    }

    let largest = { bytes: 0, gzipBytes: 0 };
    for (const date of dates) {
      for (const band of ['3-5', '6-8', '9-12']) {
        const weight = await pageWeight(
          built.outDir,
          join(built.outDir, 'stories', date, band, 'index.html'),
        );
        if (weight.bytes > largest.bytes) largest = weight;
      }
    }

    const preview = await previewSite({ dir: built.outDir });
    const browser = await launchChromium();
    const firstPaint = async (path: string): Promise<number> => {
      const samples: number[] = [];
      for (let run = 0; run < paintRuns; run++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(new URL(path, preview.url).href, { waitUntil: 'load' });
        // First contentful paint may come after the load event on a small page: wait for the entry.
        const paint = await page.evaluate(
          (timeoutMs) =>
            new Promise<number | undefined>((resolve) => {
              const { PerformanceObserver: Observer } = globalThis as unknown as {
                PerformanceObserver: PaintObserverClass;
              };
              new Observer((list) => {
                const entry = list.getEntriesByName('first-contentful-paint')[0];
                if (entry) resolve(entry.startTime);
              }).observe({ type: 'paint', buffered: true });
              setTimeout(() => resolve(undefined), timeoutMs);
            }),
          PAINT_TIMEOUT_MS,
        );
        await context.close();
        if (paint === undefined) throw new Error(`Chromium reported no first contentful paint for ${path}`);
        samples.push(paint);
      }
      return median(samples);
    };
    let storyFirstPaintMs: number;
    let baselineFirstPaintMs: number;
    try {
      baselineFirstPaintMs = await firstPaint('404.html');
      storyFirstPaintMs = await firstPaint(`stories/${dates.at(-1)}/6-8/`);
    } finally {
      await browser.close();
      await preview.close();
    }
    return {
      stories: built.stories,
      buildMs: Math.round(buildMs),
      baselineBuildMs: Math.round(baselineBuildMs),
      buildRatio: Number((buildMs / baselineBuildMs).toFixed(2)),
      outputBytes: await treeBytes(built.outDir),
      largestPageBytes: largest.bytes,
      largestPageGzipBytes: largest.gzipBytes,
      storyFirstPaintMs: Math.round(storyFirstPaintMs),
      baselineFirstPaintMs: Math.round(baselineFirstPaintMs),
      firstPaintRatio: Number((storyFirstPaintMs / baselineFirstPaintMs).toFixed(2)),
      targets: { buildUnder30s: buildMs < 30_000, pageUnder50KB: largest.bytes < 50 * 1024 },
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
