import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalFeatureHost } from '@kidsstories/mesh-core/host';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BundleAsset, bundleDir, createBundleWriter, pageAssetPaths } from '../bundle/index.js';
import { createStoryResources, storyRequestPrompt } from './story-mcp-features.js';

// Published stories as MCP resources and the story request as an MCP prompt, on a feature host as a node serves them.

let outDir: string;
const call = () => ({ signal: new AbortController().signal, correlationId: 'c1', hop: 0 });

async function writeBundle(date: string, title: string) {
  const writer = createBundleWriter(bundleDir(outDir, date, '6-8'));
  const paths = pageAssetPaths(1);
  const assets: BundleAsset[] = [
    await writer.writeJson('story.json', { title }),
    await writer.writeAsset(paths.picture, new Uint8Array([1, 2, 3]), { width: 8, height: 8 }),
    await writer.writeAsset(paths.narration, new Uint8Array([4]), { durationSec: 1 }),
  ];
  await writer.writeManifest({
    schemaVersion: 1,
    date,
    ageBand: '6-8',
    title,
    moral: 'Be kind.',
    readability: { targetGrade: 2, measuredGrade: 2 },
    pages: [
      {
        number: 1,
        text: 'Once upon a time.',
        sceneDescription: 'A forest.',
        charactersPresent: [],
        picture: { path: paths.picture, width: 8, height: 8, alt: 'A forest.' },
        narration: { path: paths.narration, durationSec: 1 },
      },
    ],
    assets,
    steps: [],
    costUsd: 0,
    durationMs: 1,
    runId: `run-${date}`,
    generator: { name: 'test', version: '0.0.0' },
    createdAt: `${date}T00:00:00.000Z`,
    credits: [],
  });
}

beforeEach(() => {
  outDir = join(tmpdir(), `story-features-${process.pid}-${Math.random().toString(36).slice(2)}`);
});
afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('story resources', () => {
  it('lists, reads and completes published stories from the bundle folder', async () => {
    await writeBundle('2026-12-05', 'The Fox');
    await writeBundle('2026-12-06', 'The Owl');
    const host = createLocalFeatureHost({
      id: 'gateway',
      resourceTemplates: createStoryResources({ outDir }),
    });
    expect(await host.listResources(call())).toEqual([
      {
        uri: 'kidsstories://stories/2026-12-06/6-8',
        name: 'story 2026-12-06 6-8',
        title: 'The Owl',
        mimeType: 'application/json',
      },
      {
        uri: 'kidsstories://stories/2026-12-05/6-8',
        name: 'story 2026-12-05 6-8',
        title: 'The Fox',
        mimeType: 'application/json',
      },
    ]);
    const { contents } = await host.readResource('kidsstories://stories/2026-12-05/6-8', call());
    const manifest = JSON.parse((contents[0] as { text: string }).text);
    expect(manifest).toMatchObject({
      title: 'The Fox',
      moral: 'Be kind.',
      pages: [{ text: 'Once upon a time.' }],
    });
    const dates = await host.complete(
      {
        ref: { type: 'ref/resource', uri: 'kidsstories://stories/{date}/{ageBand}' },
        argument: { name: 'date', value: '2026-12-0' },
        arguments: {},
      },
      new AbortController().signal,
    );
    expect(dates.values).toEqual(['2026-12-06', '2026-12-05']);
  });

  it('answers a missing story not_found and a bad age band invalid_argument', async () => {
    const host = createLocalFeatureHost({
      id: 'gateway',
      resourceTemplates: createStoryResources({ outDir }),
    });
    expect(await host.listResources(call())).toEqual([]);
    await expect(host.readResource('kidsstories://stories/2026-12-06/6-8', call())).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(host.readResource('kidsstories://stories/2026-12-06/4-7', call())).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('"4-7"'),
    });
  });
});

describe('story_request prompt', () => {
  it('renders the orchestrate call and completes age band and theme', async () => {
    const host = createLocalFeatureHost({ id: 'gateway', prompts: [storyRequestPrompt] });
    const prompt = await host.getPrompt('story_request', { ageBand: '3-5', theme: 'courage' }, call());
    expect(prompt.messages[0]?.content).toMatchObject({
      type: 'text',
      text: expect.stringContaining('{"ageBand":"3-5","parameters":{"theme":"courage"}}'),
    });
    await expect(
      host.getPrompt('story_request', { ageBand: '3-5', theme: 'dragons' }, call()),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const signal = new AbortController().signal;
    const themes = await host.complete(
      {
        ref: { type: 'ref/prompt', name: 'story_request' },
        argument: { name: 'theme', value: 'c' },
        arguments: {},
      },
      signal,
    );
    expect(themes.values).toEqual(['courage', 'curiosity']);
    const bands = await host.complete(
      {
        ref: { type: 'ref/prompt', name: 'story_request' },
        argument: { name: 'ageBand', value: '' },
        arguments: {},
      },
      signal,
    );
    expect(bands.values).toEqual(['3-5', '6-8', '9-12']);
  });
});
