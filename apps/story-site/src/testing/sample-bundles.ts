import {
  type CharacterLook,
  createOfflineImageProvider,
  createOfflineSpeechProvider,
  createOfflineVideoProvider,
  DEFAULT_READING_LEVEL,
  type Story,
  targetGradeOf,
} from '@kidsstories/kidsstories-tools';
import {
  AGE_BANDS,
  type AgeBand,
  type BundleAsset,
  bundleDir,
  createBundleWriter,
  pageAssetPaths,
  type StoryManifest,
} from '@kidsstories/kidsstories-tools/bundle';

/** Options of {@link writeSampleBundles}. */
export interface SampleBundlesOptions {
  /** Days to write, `YYYY-MM-DD`. */
  dates: readonly string[];
  /** Age bands per day. Default: all three. */
  ageBands?: readonly AgeBand[];
  /** Pages per story. Default 2. */
  pageCount?: number;
  /** Pages (from the first) that get an animated clip. Default 1. */
  clipCount?: number;
  /** Side of the pictures, in pixels (the offline image provider's minimum is 256). Default 256. */
  pictureSidePx?: number;
  /** Length of each clip, in seconds. Default 1. */
  clipDurationSec?: number;
}

/** Scenes the sample pages cycle through. */
const SCENES = [
  { text: 'Otis the otter found a shiny blue stone by the river.', scene: 'A sunny riverbank with reeds' },
  { text: 'He carried it home and put it on the window sill.', scene: 'A cosy burrow with a round window' },
  { text: 'At night the stone glowed like a small moon.', scene: 'A dark room lit by a blue glow' },
] as const;

const OTIS: CharacterLook = {
  name: 'Otis',
  species: 'otter',
  physicalFeatures: ['brown fur'],
  clothing: ['red scarf'],
  colorPalette: ['#8B5A2B', '#CC2222'],
  distinctiveMarks: [],
};

/**
 * Writes real bundles (offline pictures, narration and clips, written with `createBundleWriter`) under
 * `root/stories/{date}/{ageBand}/`, for the site's tests and benchmark. Narration and clips are made once per
 * page position and reused by every bundle; pictures differ per bundle. Returns the bundle folders.
 *
 * @example
 * ```ts
 * const dirs = await writeSampleBundles(root, { dates: ['2026-12-05', '2026-12-06'] });
 * ```
 */
export async function writeSampleBundles(root: string, options: SampleBundlesOptions): Promise<string[]> {
  const pageCount = options.pageCount ?? 2;
  const clipCount = options.clipCount ?? 1;
  const side = options.pictureSidePx ?? 256;
  const ageBands = options.ageBands ?? AGE_BANDS;
  const image = createOfflineImageProvider();
  const speech = createOfflineSpeechProvider({ maxConcurrency: 2 });
  const video = createOfflineVideoProvider({ maxConcurrency: 2 });
  const scenes = Array.from({ length: pageCount }, (_, index) => SCENES[index % SCENES.length]!);
  const narrations = await Promise.all(scenes.map(({ text }) => speech.synthesize({ text, voice: 'slt' })));
  const clipSource = await image.generateImage(
    {
      prompt: scenes[0]!.text,
      sceneDescription: scenes[0]!.scene,
      characters: [OTIS],
      size: `${side}x${side}`,
    },
    { seed: 1 },
  );
  const clip =
    clipCount > 0
      ? await video.animate({
          png: clipSource.png,
          motion: 'zoom_in',
          durationSec: options.clipDurationSec ?? 1,
          model: 'offline',
          width: side,
          height: side,
        })
      : undefined;
  const dirs: string[] = [];
  for (const [dayIndex, date] of options.dates.entries()) {
    for (const ageBand of ageBands) {
      const seed = dayIndex * 10 + AGE_BANDS.indexOf(ageBand);
      const title = `Otis and the Glowing Stone (${date}, ${ageBand})`;
      const story: Story = {
        title,
        ageBand,
        readingLevel: DEFAULT_READING_LEVEL[ageBand],
        pages: scenes.map(({ text, scene }) => ({
          text,
          sceneDescription: scene,
          charactersPresent: ['Otis'],
        })),
        characters: [{ ...OTIS, species: 'otter', traits: ['curious'] }],
        moral: 'Small treasures can light up a whole night.',
      };
      const writer = createBundleWriter(bundleDir(root, date, ageBand));
      const assets: BundleAsset[] = [
        await writer.writeJson('story.json', story),
        await writer.writeJson('character-guide.json', { characters: story.characters }),
      ];
      const pages: StoryManifest['pages'] = [];
      for (const [index, { text, scene }] of scenes.entries()) {
        const number = index + 1;
        const paths = pageAssetPaths(number);
        const picture = await image.generateImage(
          { prompt: text, sceneDescription: scene, characters: [OTIS], size: `${side}x${side}` },
          { seed: seed * 100 + number },
        );
        assets.push(await writer.writeAsset(paths.picture, picture.png, { width: side, height: side }));
        const narration = narrations[index]!;
        assets.push(
          await writer.writeAsset(paths.narration, narration.mp3, { durationSec: narration.durationSec }),
        );
        const withClip = clip && index < clipCount;
        if (withClip) {
          assets.push(
            await writer.writeAsset(paths.clip, clip.mp4, {
              width: side,
              height: side,
              durationSec: clip.durationSec,
            }),
          );
        }
        pages.push({
          number,
          text,
          sceneDescription: scene,
          charactersPresent: ['Otis'],
          picture: { path: paths.picture, width: side, height: side, alt: scene },
          narration: { path: paths.narration, durationSec: narration.durationSec },
          ...(withClip ? { clip: { path: paths.clip, durationSec: clip.durationSec } } : {}),
        });
      }
      const grade = targetGradeOf('auto', ageBand);
      await writer.writeManifest({
        schemaVersion: 1,
        date,
        ageBand,
        title,
        moral: story.moral,
        readability: { targetGrade: grade, measuredGrade: grade },
        pages,
        assets,
        steps: [],
        costUsd: 0,
        durationMs: 0,
        runId: `sample-${date}-${ageBand}`,
        generator: { name: '@kidsstories/story-site/testing', version: '0.1.0' },
        createdAt: `${date}T00:00:00.000Z`,
        credits: [],
      });
      dirs.push(writer.dir);
    }
  }
  return dirs;
}
