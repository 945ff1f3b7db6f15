import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleDir, readBundle, type StoryManifest } from '@kidsstories/kidsstories-tools/bundle';
import { type Logger, MeshError } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildSiteResult, buildSite, previewSite } from '../src/index.js';
import { writeSampleBundles } from '../src/testing/index.js';
import { treeHashes } from './tree-hashes.js';

const DATES = ['2026-12-05', '2026-12-06'];
const BANDS = ['3-5', '6-8', '9-12'] as const;

let root: string;
let bundlesDir: string;
let built: BuildSiteResult;
const warnings: string[] = [];

function recordingLogger(): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message) => void warnings.push(message),
    error: (message) => void warnings.push(message),
    child: () => logger,
  };
  return logger;
}

async function manifestOf(date: string, band: (typeof BANDS)[number]): Promise<StoryManifest> {
  return (await readBundle(bundleDir(bundlesDir, date, band))).manifest;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'story-site-build-'));
  bundlesDir = join(root, 'bundles');
  await writeSampleBundles(bundlesDir, { dates: DATES });
  // An older day whose 6-8 bundle has a damaged picture, and whose 3-5 bundle is still being written.
  const [damaged] = await writeSampleBundles(bundlesDir, { dates: ['2026-12-04'], ageBands: ['6-8'] });
  await writeFile(join(damaged!, 'pages/01.png'), 'not the picture the manifest names');
  await mkdir(join(bundleDir(bundlesDir, '2026-12-04', '3-5'), 'pages'), { recursive: true });
  built = await buildSite({ bundlesDir, outDir: join(root, 'site'), logger: recordingLogger() });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('buildSite', () => {
  it('writes the home, archive, band and story pages of two days x three age bands', async () => {
    expect(built).toMatchObject({ stories: 6, latestDate: '2026-12-06', outDir: join(root, 'site') });
    const files = Object.keys(await treeHashes(built.outDir));
    const expected = [
      'index.html',
      'archive/index.html',
      '404.html',
      ...BANDS.map((band) => `bands/${band}/index.html`),
      ...DATES.flatMap((date) => BANDS.map((band) => `stories/${date}/${band}/index.html`)),
    ];
    expect(files).toEqual(expect.arrayContaining(expected));
    expect(built.pages).toBe(files.filter((file) => file.endsWith('.html')).length);
    const home = await readFile(join(built.outDir, 'index.html'), 'utf8');
    for (const band of BANDS) {
      expect(home).toContain(`href="/stories/2026-12-06/${band}/"`);
      expect(home).toContain((await manifestOf('2026-12-06', band)).title);
    }
    expect(home).toContain('href="/stories/2026-12-05/6-8/"');
    expect(home).toContain('href="/archive/"');
  });

  it('ships no Next runtime: one small script, on story pages only, and no inline script', async () => {
    const files = Object.keys(await treeHashes(built.outDir));
    expect(files.filter((file) => file.endsWith('.js'))).toEqual(['read-to-me.js']);
    expect(files.filter((file) => file.endsWith('.txt'))).toEqual([]);
    const story = await readFile(join(built.outDir, 'stories/2026-12-06/6-8/index.html'), 'utf8');
    expect(story.match(/<script\b[^>]*>/g)).toEqual(['<script src="/read-to-me.js" defer>']);
    expect(story).toContain('<p class="read-to-me" hidden=""');
    const home = await readFile(join(built.outDir, 'index.html'), 'utf8');
    expect(home).not.toContain('<script');
    const script = await readFile(join(built.outDir, 'read-to-me.js'));
    expect(story.length + script.length).toBeLessThan(50 * 1024);
  });

  it("copies every page's picture, narration and clip to a content-addressed URL and renders the page", async () => {
    for (const date of DATES) {
      for (const band of BANDS) {
        const manifest = await manifestOf(date, band);
        const html = await readFile(join(built.outDir, 'stories', date, band, 'index.html'), 'utf8');
        expect(html).toContain(manifest.title.replace(/,/g, ','));
        expect(html).toContain(manifest.moral);
        for (const page of manifest.pages) {
          expect(html).toContain(page.text);
          const urlOf = (path: string) => {
            const asset = manifest.assets.find((candidate) => candidate.path === path)!;
            return `/media/${asset.sha256}${path.slice(path.lastIndexOf('.'))}`;
          };
          const parts = [page.picture.path, page.narration.path, ...(page.clip ? [page.clip.path] : [])];
          for (const path of parts) {
            const url = urlOf(path);
            expect(html).toContain(`src="${url}"`);
            const served = await readFile(join(built.outDir, url));
            const original = await readFile(join(bundleDir(bundlesDir, date, band), path));
            expect(served.equals(original)).toBe(true);
          }
          const tag = html.match(new RegExp(`<img[^>]*src="${urlOf(page.picture.path)}"[^>]*>`))?.[0] ?? '';
          expect(tag).toContain(`alt="${page.picture.alt}"`);
          expect(tag).toContain(`width="${page.picture.width}"`);
          expect(tag).toContain(`height="${page.picture.height}"`);
          expect(tag).toContain(page.number === 1 ? 'loading="eager"' : 'loading="lazy"');
        }
        expect(html).toMatch(/<video[^>]*src="\/media\/[0-9a-f]{64}\.mp4"/);
      }
    }
    // Links between days: the older day's story links the newer one and back.
    const older = await readFile(join(built.outDir, 'stories/2026-12-05/6-8/index.html'), 'utf8');
    expect(older).toContain('href="/stories/2026-12-06/6-8/"');
    const newer = await readFile(join(built.outDir, 'stories/2026-12-06/6-8/index.html'), 'utf8');
    expect(newer).toContain('href="/stories/2026-12-05/6-8/"');
  });

  it('leaves out a damaged bundle and one still being written, and says so', async () => {
    const damaged = bundleDir(bundlesDir, '2026-12-04', '6-8');
    const partial = bundleDir(bundlesDir, '2026-12-04', '3-5');
    expect(built.skipped).toEqual([
      { dir: partial, reason: expect.stringContaining('story-manifest.json is missing') },
      { dir: damaged, reason: expect.stringMatching(/pages\/01\.png: .*bytes on disk/) },
    ]);
    expect(warnings).toEqual([
      expect.stringContaining(`left out ${partial}`),
      expect.stringContaining(`left out ${damaged}`),
    ]);
    const files = Object.keys(await treeHashes(built.outDir));
    expect(files.some((file) => file.startsWith('stories/2026-12-04'))).toBe(false);
    const archive = await readFile(join(built.outDir, 'archive/index.html'), 'utf8');
    expect(archive).not.toContain('2026-12-04');
  });

  it('is reproducible: the same bundles give the same bytes', async () => {
    const again = await buildSite({ bundlesDir, outDir: join(root, 'site-again') });
    expect(await treeHashes(again.outDir)).toEqual(await treeHashes(built.outDir));
    // A whole second `next build`: as long as the one in beforeAll takes on a busy machine.
  }, 240_000);

  it('refuses to replace a folder it did not write', async () => {
    const foreign = join(root, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'keep.txt'), 'mine');
    const error = await buildSite({ bundlesDir, outDir: foreign }).catch((caught: unknown) => caught);
    expect(MeshError.isInstance(error) && error.code).toBe('failed_precondition');
    expect(await readFile(join(foreign, 'keep.txt'), 'utf8')).toBe('mine');
  });
});

describe('previewSite', () => {
  it('serves pages, media with byte ranges, and the 404 page', async () => {
    const preview = await previewSite({ dir: built.outDir });
    try {
      const home = await fetch(preview.url);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toContain('text/html');
      const story = await fetch(new URL('stories/2026-12-06/6-8/', preview.url));
      expect(await story.text()).toContain((await manifestOf('2026-12-06', '6-8')).title);
      const manifest = await manifestOf('2026-12-06', '6-8');
      const mp3 = manifest.assets.find((asset) => asset.path === 'pages/01.mp3')!;
      const range = await fetch(new URL(`media/${mp3.sha256}.mp3`, preview.url), {
        headers: { range: 'bytes=0-9' },
      });
      expect(range.status).toBe(206);
      expect(range.headers.get('content-range')).toBe(`bytes 0-9/${mp3.bytes}`);
      expect((await range.arrayBuffer()).byteLength).toBe(10);
      const missing = await fetch(new URL('no/such/page/', preview.url));
      expect(missing.status).toBe(404);
      expect(await missing.text()).toContain('<html');
      const outside = await fetch(new URL('/..%2f..%2fetc/passwd', preview.url));
      expect(outside.status).toBe(404);
    } finally {
      await preview.close();
    }
  });
});
