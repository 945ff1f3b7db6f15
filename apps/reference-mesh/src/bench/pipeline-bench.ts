import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProviders, type KidsStoriesProviders } from '@kidsstories/kidsstories-tools';
import { AGE_BANDS } from '@kidsstories/kidsstories-tools/bundle';
import { startReferenceMesh } from '../reference-mesh.js';

/** One measured pipeline run. */
export interface PipelineRunFigures {
  /** Wall time from the first call to the last bundle written, in milliseconds. */
  makespanMs: number;
  /** Highest resident set size of this process while it ran (sampled every 20 ms), in MB. */
  peakRssMb: number;
}

/** The `pipeline` member of the bench JSON. */
export interface PipelineBenchResult {
  /** The offline providers (embedded default): one age band, then all three at once. */
  offline: { oneBand: PipelineRunFigures; allBands: PipelineRunFigures };
  /** Providers that take the brief's latencies (scaled), against the critical-path bound of the same profile. */
  profile: PipelineRunFigures & {
    timeScale: number;
    boundMs: number;
    /** makespanMs / boundMs; target at most 1.05. */
    ratio: number;
    pages: number;
    clips: number;
  };
}

/** Options for {@link runPipelineBench}. */
export interface PipelineBenchOptions {
  /** Factor applied to the brief's latencies and rate-limit windows. Default 0.1 (a 45 s clip takes 4.5 s). */
  timeScale?: number;
  /** Pages of each story. Default 6. */
  pages?: number;
  /** Clips of each story. Default 2. */
  clips?: number;
  /** Skip the offline runs (the profile only). Default false. */
  profileOnly?: boolean;
}

/** The brief's provider latencies (its pipeline timeline) and rate limits, in milliseconds. */
export const BRIEF_PROFILE = Object.freeze({
  storyMs: 3_000,
  refineMs: 1_000,
  imageMs: 8_000,
  speechMs: 2_000,
  videoMs: 45_000,
  imagesPerWindow: 10,
  speechPerWindow: 50,
  windowMs: 60_000,
});

/**
 * The lower bound of a run's makespan under a latency profile: the story, then its refinement, then the later of
 * (the last clip page's picture plus a clip) and (the last picture and narration), where the i-th picture (or
 * narration) cannot start before the rate limit's window lets it. Everything else (mesh hops, the guide, hashing,
 * writing) counts as zero.
 */
export function criticalPathBoundMs(
  profile: typeof BRIEF_PROFILE,
  scale: number,
  pages: number,
  clips: number,
): number {
  const start = (index: number, perWindow: number) =>
    Math.floor(index / perWindow) * profile.windowMs * scale;
  let picturesDone = 0;
  let narrationDone = 0;
  for (let index = 0; index < pages; index++) {
    picturesDone = Math.max(picturesDone, start(index, profile.imagesPerWindow) + profile.imageMs * scale);
    narrationDone = Math.max(narrationDone, start(index, profile.speechPerWindow) + profile.speechMs * scale);
  }
  const media = Math.max(picturesDone + (clips > 0 ? profile.videoMs * scale : 0), narrationDone);
  return (profile.storyMs + profile.refineMs) * scale + media;
}

/**
 * Providers that answer after the profile's latencies: the offline story and refiner after a sleep, and media
 * made once by the offline providers and handed out again after a sleep (so the run measures the pipeline's
 * scheduling, not this machine's encoders).
 */
async function profileProviders(scale: number): Promise<KidsStoriesProviders> {
  const offline = createProviders();
  const picture = await offline.image.generateImage({
    prompt: 'A fox by a river.',
    sceneDescription: 'A river bank at noon.',
    characters: [],
    size: '1024x1024',
  });
  const narration = await offline.speech.synthesize({ text: 'The fox looked at the river.', voice: 'slt' });
  const clip = await offline.video.animate({
    png: picture.png,
    motion: 'zoom_in',
    durationSec: 5,
    model: 'offline',
  });
  const after = async <T>(ms: number, value: () => T | Promise<T>) => {
    await sleep(ms * scale);
    return value();
  };
  return {
    ...offline,
    story: {
      ...offline.story,
      generateStory: (request, options) =>
        after(BRIEF_PROFILE.storyMs, () => offline.story.generateStory(request, options)),
    },
    refine: {
      ...offline.refine,
      refine: (request, options) =>
        after(BRIEF_PROFILE.refineMs, () => offline.refine.refine(request, options)),
    },
    image: {
      ...offline.image,
      generateImage: () => after(BRIEF_PROFILE.imageMs, () => ({ ...picture, png: picture.png.slice() })),
    },
    speech: {
      ...offline.speech,
      synthesize: () => after(BRIEF_PROFILE.speechMs, () => ({ ...narration, mp3: narration.mp3.slice() })),
    },
    video: {
      ...offline.video,
      animate: () => after(BRIEF_PROFILE.videoMs, () => ({ ...clip, mp4: clip.mp4.slice() })),
    },
  };
}

/** Runs `body`, sampling this process's RSS every 20 ms. */
async function measured(body: () => Promise<unknown>): Promise<PipelineRunFigures> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  try {
    await body();
  } finally {
    clearInterval(sampler);
  }
  return {
    makespanMs: Math.round(performance.now() - started),
    peakRssMb: Math.round((Math.max(peak, process.memoryUsage.rss()) / 1_048_576) * 10) / 10,
  };
}

/**
 * The `pipeline` bench member (issue 11): the makespan and peak RSS of the offline pipeline for one age band and
 * for all three at once, and a run under the brief's provider latencies and rate limits (time scaled) against the
 * critical-path bound computed from the same profile. Each run goes through the reference mesh (four servers,
 * real loopback links) and checks that its bundles were written.
 */
export async function runPipelineBench(options: PipelineBenchOptions = {}): Promise<PipelineBenchResult> {
  const scale = options.timeScale ?? 0.1;
  const pages = options.pages ?? 6;
  const clips = options.clips ?? 2;
  const date = '2026-12-06';
  const run = async (
    providers: KidsStoriesProviders | undefined,
    bands: readonly string[],
    limits?: object,
  ) => {
    const out = await mkdtemp(join(tmpdir(), 'pipeline-bench-'));
    const mesh = await startReferenceMesh({
      outDir: out,
      ...(providers ? { providers } : {}),
      ...(limits ? { pipeline: { limits } } : {}),
    });
    try {
      return await measured(async () => {
        const results = await Promise.all(
          bands.map((ageBand) => mesh.pipeline.run({ date, ageBand: ageBand as '6-8', pages, clips })),
        );
        if (results.some((result) => result.reused)) throw new Error('a bench run found an old bundle');
      });
    } finally {
      await mesh.close();
      await rm(out, { recursive: true, force: true });
    }
  };
  const offline = options.profileOnly
    ? { oneBand: { makespanMs: 0, peakRssMb: 0 }, allBands: { makespanMs: 0, peakRssMb: 0 } }
    : { oneBand: await run(undefined, ['6-8']), allBands: await run(undefined, AGE_BANDS) };
  const window = BRIEF_PROFILE.windowMs * scale;
  const figures = await run(await profileProviders(scale), ['6-8'], {
    // Providers accept as many calls at once as their rate limit lets through.
    image: { concurrency: pages, rateLimit: { max: BRIEF_PROFILE.imagesPerWindow, durationMs: window } },
    speech: { concurrency: pages, rateLimit: { max: BRIEF_PROFILE.speechPerWindow, durationMs: window } },
    video: { concurrency: Math.max(1, clips) },
  });
  const boundMs = Math.round(criticalPathBoundMs(BRIEF_PROFILE, scale, pages, clips));
  return {
    offline,
    profile: {
      ...figures,
      timeScale: scale,
      boundMs,
      ratio: Math.round((figures.makespanMs / boundMs) * 1000) / 1000,
      pages,
      clips,
    },
  };
}
