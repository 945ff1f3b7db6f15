import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDir, readBundle, type StoryManifest } from '@kidsstories/kidsstories-tools/bundle';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type PreviewSite, previewSite } from '../src/index.js';
import { launchChromium, writeSampleBundles } from '../src/testing/index.js';

const TODAY = '2026-12-06';
const BAND = '6-8';
/** Screenshots are test artifacts, never committed (test-results/ is ignored). */
const ARTIFACTS = fileURLToPath(new URL('../test-results/', import.meta.url));
/** Narration length the browser reports versus the manifest: the MP3 encoder pads under 0.2 s. */
const DURATION_TOLERANCE_SEC = 0.25;

/** What the callbacks given to page.evaluate read of the DOM (this package is type-checked without the DOM lib). */
interface PictureElement {
  complete: boolean;
  naturalWidth: number;
}
interface AudioElement {
  readyState: number;
  duration: number;
  paused: boolean;
  currentTime: number;
  src: string;
  load(): void;
  addEventListener(type: string, listener: () => void, options: { once: boolean }): void;
}
interface BrowserGlobals {
  scrollTo(x: number, y: number): void;
  document: { querySelector(selector: string): unknown };
}

let root: string;
let manifest: StoryManifest;
let preview: PreviewSite;
let browser: Browser;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'story-site-browser-'));
  const bundlesDir = join(root, 'bundles');
  await writeSampleBundles(bundlesDir, { dates: ['2026-12-05', TODAY], pageCount: 3 });
  manifest = (await readBundle(bundleDir(bundlesDir, TODAY, BAND))).manifest;
  const { outDir } = await buildSite({ bundlesDir, outDir: join(root, 'site') });
  preview = await previewSite({ dir: outDir });
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await preview?.close();
  await rm(root, { recursive: true, force: true });
});

/** A page that records console errors, uncaught exceptions and failed requests. */
async function openPage(
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  return { page, errors };
}

/** axe-core's serious and critical violations on the page, as `rule: targets`. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  const results = await page.evaluate(() => (globalThis as unknown as { axe: typeof axe }).axe.run());
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

describe('the story site in Chromium', () => {
  it('opens today, shows every picture, plays narration of the right length and reads page after page', async () => {
    const { page, errors } = await openPage();
    await page.goto(preview.url);
    await page.screenshot({ path: join(ARTIFACTS, 'home.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: new RegExp(manifest.title.replace(/[()]/g, '\\$&')) }).click();
    await page.waitForURL(`**/stories/${TODAY}/${BAND}/`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(manifest.title);

    // Lazy pictures load as they come into view.
    const pictures = page.locator('.page img');
    expect(await pictures.count()).toBe(manifest.pages.length);
    for (const picture of await pictures.all()) {
      await picture.scrollIntoViewIfNeeded();
      await page.waitForFunction((img) => (img as PictureElement).complete, await picture.elementHandle());
      expect(await picture.evaluate((img) => (img as PictureElement).naturalWidth)).toBeGreaterThan(0);
    }
    await page.evaluate(() => (globalThis as unknown as BrowserGlobals).scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'story.png'), fullPage: true });

    const durations = await page.locator('.page audio').evaluateAll((audios) =>
      Promise.all(
        (audios as AudioElement[]).map((audio) =>
          audio.readyState >= 1
            ? audio.duration
            : new Promise<number>((resolve, reject) => {
                audio.addEventListener('loadedmetadata', () => resolve(audio.duration), { once: true });
                audio.addEventListener('error', () => reject(new Error(`cannot load ${audio.src}`)), {
                  once: true,
                });
                audio.load();
              }),
        ),
      ),
    );
    manifest.pages.forEach((bundlePage, index) => {
      expect(Math.abs(durations[index]! - bundlePage.narration.durationSec)).toBeLessThan(
        DURATION_TOLERANCE_SEC,
      );
    });

    await page.getByRole('button', { name: 'Read to me' }).click();
    await expect(page.locator('#page-1[aria-current="step"]').count()).resolves.toBe(1);
    await page.waitForFunction(() => {
      const audio = (globalThis as unknown as BrowserGlobals).document.querySelector(
        '#page-1 audio',
      ) as AudioElement | null;
      return audio !== null && !audio.paused && audio.currentTime > 0.2;
    });
    const firstSec = manifest.pages[0]!.narration.durationSec;
    await page.waitForSelector('#page-2[aria-current="step"]', { timeout: (firstSec + 5) * 1000 });
    await expect(page.locator('.page[aria-current]').count()).resolves.toBe(1);
    await expect(page.locator('.reading-status').textContent()).resolves.toBe(
      `Reading page 2 of ${manifest.pages.length}`,
    );
    await page.getByRole('button', { name: 'Stop reading' }).click();
    await expect(page.locator('.page[aria-current]').count()).resolves.toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Archive', exact: true }).click();
    await page.waitForURL('**/archive/');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Archive');
    await expect(page.locator(`a[href="/stories/2026-12-05/${BAND}/"]`).count()).resolves.toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('reads without JavaScript: pictures and text, and no dead "read to me" button', async () => {
    const { page, errors } = await openPage({ javaScriptEnabled: false });
    await page.goto(new URL(`stories/${TODAY}/${BAND}/`, preview.url).href);
    for (const bundlePage of manifest.pages) {
      await expect(page.getByText(bundlePage.text).count()).resolves.toBeGreaterThan(0);
    }
    const first = page.locator('#page-1 img');
    await page.waitForFunction((img) => (img as PictureElement).complete, await first.elementHandle());
    expect(await first.evaluate((img) => (img as PictureElement).naturalWidth)).toBeGreaterThan(0);
    await expect(page.getByRole('button', { name: 'Read to me' }).isVisible()).resolves.toBe(false);
    expect(errors).toEqual([]);
  });
});
