import { readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshError } from '@kidsstories/mesh-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Story } from '../story/story-schema.js';
import {
  type BundleAsset,
  bundleCompleteFields,
  bundleDir,
  createBundleWriter,
  isBundleDate,
  pageAssetPaths,
  parseBundleCompleteEvent,
  readBundle,
  renderManifestJsonSchema,
  type StoryManifest,
  verifyBundle,
} from './index.js';

const story: Story = {
  title: 'Otis and the Lighthouse',
  ageBand: '6-8',
  readingLevel: 'grade_2',
  pages: [
    {
      text: 'Otis wanted to see the light.',
      sceneDescription: 'A rocky shore at dusk.',
      charactersPresent: ['Otis'],
    },
    {
      text: 'He climbed the stairs.',
      sceneDescription: 'A spiral stair inside a lighthouse.',
      charactersPresent: ['Otis'],
    },
  ],
  characters: [
    {
      name: 'Otis',
      species: 'otter',
      traits: ['curious'],
      physicalFeatures: ['brown fur'],
      clothing: ['red scarf'],
      colorPalette: ['#8B5A2B', '#CC2222'],
      distinctiveMarks: [],
    },
  ],
  moral: 'Keep going and you will see the light.',
};

let root: string;
beforeEach(async () => {
  root = join(tmpdir(), `bundle-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeSampleBundle(options: { clips?: boolean } = {}): Promise<string> {
  const dir = bundleDir(root, '2026-12-06', '6-8');
  const writer = createBundleWriter(dir);
  const assets: BundleAsset[] = [
    await writer.writeJson('story.json', story),
    await writer.writeJson('character-guide.json', { characters: story.characters }),
  ];
  const pages: StoryManifest['pages'] = [];
  for (const [index, page] of story.pages.entries()) {
    const number = index + 1;
    const paths = pageAssetPaths(number);
    assets.push(
      await writer.writeAsset(paths.picture, new Uint8Array([number, 1, 2]), { width: 8, height: 8 }),
    );
    assets.push(await writer.writeAsset(paths.narration, new Uint8Array([number, 3]), { durationSec: 1.5 }));
    if (options.clips && number === 1) {
      assets.push(await writer.writeAsset(paths.clip, new Uint8Array([9, 9, 9, 9]), { durationSec: 5 }));
    }
    pages.push({
      number,
      text: page.text,
      sceneDescription: page.sceneDescription,
      charactersPresent: page.charactersPresent,
      picture: { path: paths.picture, width: 8, height: 8, alt: page.sceneDescription },
      narration: { path: paths.narration, durationSec: 1.5 },
      ...(options.clips && number === 1 ? { clip: { path: paths.clip, durationSec: 5 } } : {}),
    });
  }
  await writer.writeManifest({
    schemaVersion: 1,
    date: '2026-12-06',
    ageBand: '6-8',
    title: story.title,
    moral: story.moral,
    readability: { targetGrade: 2, measuredGrade: 1.8 },
    pages,
    assets,
    steps: [],
    costUsd: 0,
    durationMs: 12,
    runId: 'run-1',
    generator: { name: '@kidsstories/reference-mesh', version: '0.1.0' },
    createdAt: '2026-12-06T00:00:01.000Z',
    credits: [],
  });
  return dir;
}

describe('story bundle', () => {
  it('writes a bundle under stories/{date}/{ageBand} that verifyBundle accepts, with no temporary files left', async () => {
    const dir = await writeSampleBundle({ clips: true });
    expect(dir).toBe(join(root, 'stories', '2026-12-06', '6-8'));
    const verification = await verifyBundle(dir);
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
    const { manifest } = await readBundle(dir);
    expect(manifest.pages[0]?.clip?.path).toBe('clips/01.mp4');
    const files = [...(await readdir(dir, { recursive: true }))].map(String).sort();
    expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([]);
    expect(files).toContain('story-manifest.json');
  });

  it('names a tampered, truncated and deleted file', async () => {
    const dir = await writeSampleBundle();
    await writeFile(join(dir, 'pages/01.png'), new Uint8Array([1, 1, 3]));
    await truncate(join(dir, 'pages/02.png'), 1);
    await unlink(join(dir, 'pages/01.mp3'));
    const { ok, problems } = await verifyBundle(dir);
    expect(ok).toBe(false);
    expect(problems.map(({ path, kind }) => `${path}:${kind}`)).toEqual([
      'pages/01.mp3:missing',
      'pages/01.png:hash',
      'pages/02.png:size',
    ]);
  });

  it('finds a page whose clip is not an asset, and a story.json that disagrees with the pages', async () => {
    const dir = await writeSampleBundle();
    const manifest = JSON.parse(await readFile(join(dir, 'story-manifest.json'), 'utf8')) as StoryManifest;
    manifest.pages[1] = { ...manifest.pages[1]!, clip: { path: 'clips/02.mp4', durationSec: 5 } };
    manifest.pages.push({ ...manifest.pages[1]!, number: 3 });
    await writeFile(join(dir, 'story-manifest.json'), JSON.stringify(manifest));
    const { ok, problems } = await verifyBundle(dir);
    expect(ok).toBe(false);
    expect(problems.map((problem) => problem.message)).toEqual(
      expect.arrayContaining(['its clip clips/02.mp4 is not a listed asset', '2 pages, the manifest has 3']),
    );
  });

  it('reports a missing manifest as not_found and a foreign version as data_loss', async () => {
    const error = await readBundle(join(root, 'nowhere')).catch((caught: unknown) => caught);
    expect(MeshError.isInstance(error) && error.code).toBe('not_found');
    const dir = await writeSampleBundle();
    await writeFile(join(dir, 'story-manifest.json'), JSON.stringify({ schemaVersion: 2 }));
    const foreign = await readBundle(dir).catch((caught: unknown) => caught);
    expect(MeshError.isInstance(foreign) && foreign.code).toBe('data_loss');
    expect((foreign as Error).message).toMatch(/schemaVersion 2/);
    expect((await verifyBundle(dir)).problems[0]?.kind).toBe('manifest');
  });

  it('refuses paths that leave the bundle and manifests that do not validate', async () => {
    const writer = createBundleWriter(join(root, 'b'));
    await expect(writer.writeAsset('../escape.png', new Uint8Array([1]))).rejects.toThrow(/bad bundle path/);
    await expect(writer.writeAsset('pages/01.gif', new Uint8Array([1]))).rejects.toThrow(/no content type/);
    await expect(
      writer.writeManifest({ schemaVersion: 1, date: '2026-02-30' } as unknown as StoryManifest),
    ).rejects.toThrow(/invalid manifest: date/);
  });

  it('knows which dates exist', () => {
    expect(isBundleDate('2028-02-29')).toBe(true);
    expect(isBundleDate('2026-02-29')).toBe(false);
    expect(isBundleDate('2026-1-5')).toBe(false);
  });

  it('keeps docs/reference/story-manifest.schema.json generated from the zod schema', async () => {
    const committed = await readFile(
      new URL('../../../../docs/reference/story-manifest.schema.json', import.meta.url),
      'utf8',
    );
    expect(committed, 'run npm run generate:bundle-schema -w @kidsstories/kidsstories-tools').toBe(
      renderManifestJsonSchema(),
    );
  });
});

describe('bundle.complete events', () => {
  it('round-trips through stream fields and names a bad field', () => {
    const event = {
      date: '2026-12-06',
      ageBand: '3-5' as const,
      bundleDir: '/tmp/out/stories/2026-12-06/3-5',
      runId: 'run-7',
      manifestSha256: 'a'.repeat(64),
    };
    const fields = bundleCompleteFields(event);
    expect(fields.type).toBe('bundle.complete');
    expect(parseBundleCompleteEvent(fields)).toEqual(event);
    expect(() => parseBundleCompleteEvent({ ...fields, ageBand: '4-6' })).toThrow(/"ageBand"/);
    expect(() => parseBundleCompleteEvent({ ...fields, date: '2026-13-01' })).toThrow(/"date"/);
  });
});
