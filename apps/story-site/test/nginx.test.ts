import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDir, readBundle, type StoryManifest } from '@kidsstories/kidsstories-tools/bundle';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../src/index.js';
import { launchChromium, writeSampleBundles } from '../src/testing/index.js';
import { type RunningNginx, runNginx } from './run-nginx.js';

const deploy = (file: string) => fileURLToPath(new URL(`../deploy/${file}`, import.meta.url));
const YEAR = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=300';

let root: string;
let siteDir: string;
let manifest: StoryManifest;
let nginx: RunningNginx;
let browser: Browser | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'story-site-nginx-test-'));
  const bundlesDir = join(root, 'bundles');
  await writeSampleBundles(bundlesDir, { dates: ['2026-12-06'], ageBands: ['6-8'] });
  manifest = (await readBundle(bundleDir(bundlesDir, '2026-12-06', '6-8'))).manifest;
  siteDir = (await buildSite({ bundlesDir, outDir: join(root, 'site') })).outDir;
  nginx = await runNginx(siteDir, deploy('site.conf'));
});

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await rm(root, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, nginx.url), { headers });

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(response.headers.get('server')).toBe('nginx');
}

describe('the nginx config of the image (deploy/site.conf), served by Debian nginx', () => {
  it('answers the health probe on /healthz, uncached', async () => {
    const response = await get('healthz');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('serves HTML with a short cache, gzip and the security headers', async () => {
    const response = await get('stories/2026-12-06/6-8/', { 'accept-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe(SHORT);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('vary')).toBe('Accept-Encoding');
    expect(await response.text()).toContain(manifest.title);
    expectSecurityHeaders(response);
  });

  it("caches content-addressed media and Next's chunks for a year, with byte ranges for audio", async () => {
    const picture = manifest.assets.find((asset) => asset.path === 'pages/01.png')!;
    const image = await get(`media/${picture.sha256}.png`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('cache-control')).toBe(YEAR);
    expectSecurityHeaders(image);
    const narration = manifest.assets.find((asset) => asset.path === 'pages/01.mp3')!;
    const audio = await get(`media/${narration.sha256}.mp3`, { range: 'bytes=0-99' });
    expect(audio.status).toBe(206);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    expect(audio.headers.get('content-range')).toBe(`bytes 0-99/${narration.bytes}`);
    const sheet = (await readdir(join(siteDir, '_next/static/chunks'))).find((file) =>
      file.endsWith('.css'),
    )!;
    const style = await get(`_next/static/chunks/${sheet}`, { 'accept-encoding': 'gzip' });
    expect(style.headers.get('content-type')).toBe('text/css');
    expect(style.headers.get('cache-control')).toBe(YEAR);
    expect(style.headers.get('content-encoding')).toBe('gzip');
  });

  it("answers an unknown path with the site's 404 page and the same headers", async () => {
    const response = await get('stories/1999-01-01/6-8/');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(await readFile(join(siteDir, '404.html'), 'utf8'));
    expectSecurityHeaders(response);
    expect((await get('media/missing.png')).status).toBe(404);
  });

  it('lets the story page run its one script under the Content-Security-Policy (no inline script) in Chromium', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(new URL('stories/2026-12-06/6-8/', nginx.url).href);
    // The button is shown by the site's script: visible means the script ran under the policy.
    await page.getByRole('button', { name: 'Read to me' }).waitFor({ state: 'visible' });
    await expect(page.locator('script').count()).resolves.toBe(1);
    expect(errors).toEqual([]);
  });

  it('is what the image uses: the Dockerfile installs this file and default.conf includes it', async () => {
    const dockerfile = await readFile(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8');
    expect(dockerfile).toContain('COPY apps/story-site/deploy/site.conf /etc/nginx/story-site.conf');
    expect(dockerfile).toContain('COPY apps/story-site/deploy/default.conf /etc/nginx/conf.d/default.conf');
    const defaultConf = await readFile(deploy('default.conf'), 'utf8');
    expect(defaultConf).toMatch(/include \/etc\/nginx\/story-site\.conf;/);
    expect(defaultConf).toMatch(/root \/usr\/share\/nginx\/html;/);
  });
});
