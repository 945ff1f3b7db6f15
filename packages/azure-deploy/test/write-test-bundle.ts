import {
  type AgeBand,
  type BundleAsset,
  bundleDir,
  createBundleWriter,
  pageAssetPaths,
  type StoryManifest,
} from '@kidsstories/kidsstories-tools/bundle';

/** Options for {@link writeTestBundle}. */
export interface TestBundleOptions {
  date?: string;
  ageBand?: AgeBand;
  /** Pages (each a picture and a narration; page 1 also has a clip). Default 3. */
  pages?: number;
  /** Bytes of each picture. Default 2 048. */
  pictureBytes?: number;
  /** Changes every file's bytes: two variants share no file. Default 0. */
  variant?: number;
}

function bytesOf(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let index = 0; index < length; index++) data[index] = (index * 31 + seed * 17) & 0xff;
  return data;
}

/**
 * Writes a small but complete bundle under `root/stories/{date}/{ageBand}` with the package's own writer and
 * returns its folder. The files are not real media: the sync only hashes and uploads them.
 */
export async function writeTestBundle(root: string, options: TestBundleOptions = {}): Promise<string> {
  const { date = '2026-12-06', ageBand = '6-8', pages = 3, pictureBytes = 2048, variant = 0 } = options;
  const dir = bundleDir(root, date, ageBand);
  const writer = createBundleWriter(dir);
  const title = `The Lighthouse (${variant})`;
  const storyPages = Array.from({ length: pages }, (_, index) => ({
    text: `Page ${index + 1} of the story, variant ${variant}.`,
    sceneDescription: `Scene ${index + 1}.`,
    charactersPresent: ['Otis'],
  }));
  const assets: BundleAsset[] = [
    await writer.writeJson('story.json', { title, ageBand, pages: storyPages, moral: 'Keep going.' }),
    await writer.writeJson('character-guide.json', { characters: [{ name: 'Otis', variant }] }),
  ];
  const manifestPages: StoryManifest['pages'] = [];
  for (let number = 1; number <= pages; number++) {
    const paths = pageAssetPaths(number);
    const seed = number + variant * 1000;
    assets.push(
      await writer.writeAsset(paths.picture, bytesOf(pictureBytes, seed), { width: 64, height: 64 }),
      await writer.writeAsset(paths.narration, bytesOf(512, seed + 500), { durationSec: 2 }),
    );
    if (number === 1) {
      assets.push(await writer.writeAsset(paths.clip, bytesOf(1024, seed + 700), { durationSec: 4 }));
    }
    manifestPages.push({
      number,
      text: storyPages[number - 1]?.text ?? '',
      sceneDescription: `Scene ${number}.`,
      charactersPresent: ['Otis'],
      picture: { path: paths.picture, width: 64, height: 64, alt: `Scene ${number}.` },
      narration: { path: paths.narration, durationSec: 2 },
      ...(number === 1 && { clip: { path: paths.clip, durationSec: 4 } }),
    });
  }
  await writer.writeManifest({
    schemaVersion: 1,
    date,
    ageBand,
    title,
    moral: 'Keep going.',
    readability: { targetGrade: 2, measuredGrade: 2.1 },
    pages: manifestPages,
    assets,
    steps: [],
    costUsd: 0,
    durationMs: 1000,
    runId: `run-${variant}`,
    generator: { name: 'azure-deploy-tests', version: '0.0.0' },
    createdAt: '2026-12-06T00:04:00.000Z',
    credits: [],
  });
  return dir;
}
