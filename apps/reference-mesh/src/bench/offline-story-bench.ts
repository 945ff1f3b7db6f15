import { availableParallelism } from 'node:os';
import {
  createMediaTools,
  createOfflineImageProvider,
  createOfflineSafetyProvider,
  createOfflineSpeechProvider,
  createOfflineVideoProvider,
  createTextTools,
  createVideoTools,
  KIDSSTORIES_PRICE_TABLE,
  withoutSceneRecipe,
} from '@kidsstories/kidsstories-tools';
import {
  type AnyToolDefinition,
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  MeshError,
  silentLogger,
  type ToolContext,
} from '@kidsstories/mesh-core';

/** The `offlineStory` member of the bench JSON. */
export interface OfflineStoryBenchResult {
  /** Wall time of the whole story, in milliseconds. */
  totalMs: number;
  /**
   * Wall time per stage, in milliseconds: `story`, `characterGuide`, `images`, `narration`, `video`. Images and
   * narration run at the same time (pictures on libuv's thread pool, Flite in worker threads), so their sum can
   * exceed the total.
   */
  stages: Record<string, number>;
  /** Highest resident set size seen while it ran (sampled every 20 ms; worker threads included), in MB. */
  peakRssMb: number;
  /** The clips: count, side in pixels, seconds of narration muxed in (all clips together). */
  clips: { count: number; sidePx: number; narratedSec: number };
  /**
   * Baseline measured in the same run: the same pictures as the silent 5 s, 512 x 512, 24 fps clips the offline
   * video provider made before issue 13, encoded one per core, in milliseconds.
   */
  legacyVideoMs: number;
}

/** Options for {@link runOfflineStoryBench}. */
export interface OfflineStoryBenchOptions {
  /** Pages (one picture and one narration each). Default 6. */
  pageCount?: number;
  /** Pages that get a video clip (each as long as its page's narration). Default 2. */
  clipCount?: number;
  /** Seed of the story. Default 7. */
  seed?: number;
}

/**
 * The offline story benchmark (issues 4 and 13): a 6-page story with 6 pictures, 6 narrations and 2 narrated
 * video clips (1024 x 1024, as long as their page's narration, the MP3 muxed in), made by the real tools with
 * the offline providers, using the parallelism they allow on this machine (by default one Flite worker and one
 * H.264 encoder per core). Checks its own artifacts and throws when one is missing. Target on 2 cores: under
 * 20 s in total. `legacyVideoMs` times the pre-issue-13 silent 512 x 512 clips of the same pictures in the same
 * run, as a baseline.
 *
 * @example
 * ```ts
 * const { totalMs, stages, peakRssMb } = await runOfflineStoryBench();
 * ```
 */
export async function runOfflineStoryBench(
  options: OfflineStoryBenchOptions = {},
): Promise<OfflineStoryBenchResult> {
  const pageCount = options.pageCount ?? 6;
  const clipCount = options.clipCount ?? 2;
  const cores = Math.max(1, availableParallelism());
  const providers = {
    image: createOfflineImageProvider(),
    speech: createOfflineSpeechProvider({ maxConcurrency: cores }),
    video: createOfflineVideoProvider({ maxConcurrency: cores }),
    safety: createOfflineSafetyProvider(),
  };
  const tools = new Map<string, AnyToolDefinition>(
    [
      ...createTextTools(),
      ...createMediaTools({ providers }),
      ...createVideoTools({ providers, defaultParallelism: Math.min(cores, clipCount) }),
    ].map((tool) => [tool.name, tool]),
  );
  const ctx = createBenchContext();
  const call = async <T>(name: string, args: Record<string, unknown>): Promise<T> => {
    const tool = tools.get(name);
    if (!tool) throw new MeshError(`tool ${name} is missing`, 'not_found');
    const validated = await tool.inputSchema['~standard'].validate(args);
    if (validated.issues)
      throw new MeshError(`bad arguments for ${name}: ${validated.issues[0]?.message}`, 'invalid_argument');
    return (await tool.handler(validated.value, ctx)).structuredContent as T;
  };

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const stages: Record<string, number> = {};
  const timed = async <T>(stage: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      stages[stage] = Math.round(performance.now() - started);
    }
  };
  /** Calls a tool and returns its structured output and its first embedded resource (base64). */
  const callWithBlob = async <T>(name: string, args: Record<string, unknown>) => {
    const tool = tools.get(name);
    if (!tool) throw new MeshError(`tool ${name} is missing`, 'not_found');
    const validated = await tool.inputSchema['~standard'].validate(args);
    if (validated.issues)
      throw new MeshError(`bad arguments for ${name}: ${validated.issues[0]?.message}`, 'invalid_argument');
    const result = await tool.handler(validated.value, ctx);
    const block = result.content?.find((entry) => entry.type === 'resource');
    if (block?.type !== 'resource' || !('blob' in block.resource)) {
      throw new MeshError(`${name} returned no media resource`, 'internal');
    }
    return { output: result.structuredContent as T, blob: block.resource.blob };
  };
  let clipFacts = { count: 0, sidePx: 0, narratedSec: 0 };
  let legacyPictures: Buffer[] = [];
  const started = performance.now();
  try {
    const { story, storyId } = await timed('story', () =>
      call<{ storyId: string; story: BenchStory }>('generate_story', {
        parameters: { page_count: pageCount, seed: options.seed ?? 7 },
      }),
    );
    await timed('characterGuide', () => call('apply_character_guide', { story, storyId }));
    const [pictures, narrations] = await Promise.all([
      timed('images', () =>
        Promise.all(
          story.pages.map((page, index) =>
            callWithBlob<{ bytes: number; width: number; focus?: { x: number; y: number } }>(
              'generate_image',
              {
                storyId,
                prompt: page.text,
                sceneDescription: page.sceneDescription,
                characters: page.charactersPresent,
                seed: index,
                page: index + 1,
              },
            ),
          ),
        ),
      ),
      timed('narration', () =>
        Promise.all(
          story.pages.map((page, index) =>
            callWithBlob<{ durationSec: number }>('generate_audio', {
              text: page.text,
              voice: 'slt',
              storyId,
              page: index + 1,
            }),
          ),
        ),
      ),
    ]);
    // The clips show the first pages and speak their narration, the camera moving to each page's named object.
    const clips = await timed('video', () =>
      call<{ rendered: number; clips: Array<{ clip?: { audioDurationSec?: number } }> }>('batch_render', {
        clips: pictures.slice(0, clipCount).map((picture, index) => ({
          png: picture.blob,
          audio: narrations[index]?.blob,
          motion: index % 2 === 0 ? 'zoom_in' : 'pan_right',
          ...(picture.output.focus === undefined ? {} : { focus: picture.output.focus }),
          storyId,
          page: index + 1,
        })),
      }),
    );
    if (pictures.length !== pageCount || pictures.some((image) => image.output.bytes === 0)) {
      throw new MeshError('the bench made too few pictures', 'internal');
    }
    if (
      narrations.length !== pageCount ||
      narrations.some((narration) => !(narration.output.durationSec > 0))
    ) {
      throw new MeshError('the bench made too few narrations', 'internal');
    }
    if (clips.rendered !== clipCount) throw new MeshError('the bench made too few clips', 'internal');
    const narrated = clips.clips.map((entry) => entry.clip?.audioDurationSec ?? 0);
    if (narrated.some((seconds) => !(seconds > 0)))
      throw new MeshError('a clip has no narration', 'internal');
    clipFacts = {
      count: clips.rendered,
      sidePx: pictures[0]?.output.width ?? 0,
      narratedSec: Math.round(narrated.reduce((sum, seconds) => sum + seconds, 0) * 10) / 10,
    };
    legacyPictures = pictures.slice(0, clipCount).map((picture) => Buffer.from(picture.blob, 'base64'));
  } finally {
    clearInterval(sampler);
  }
  const totalMs = Math.round(performance.now() - started);
  const peakRssMb = Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1e6);
  // The baseline: the clips as they were before issue 13 (silent, 512 x 512, 5 s, 24 fps), same pictures.
  const legacy = createOfflineVideoProvider({
    maxConcurrency: cores,
    fps: 24,
    encoderSpeed: 8,
    quantizationParameter: 28,
  });
  const legacyStarted = performance.now();
  await Promise.all(
    legacyPictures.map((png, index) =>
      legacy.animate(
        {
          // Without the scene recipe: the camera move only, as the clips were (the characters stay put).
          png: withoutSceneRecipe(png),
          motion: index % 2 === 0 ? 'zoom_in' : 'pan_right',
          durationSec: 5,
          model: 'offline',
          width: 512,
          height: 512,
        },
        { seed: index },
      ),
    ),
  );
  return {
    totalMs,
    stages,
    peakRssMb,
    clips: clipFacts,
    legacyVideoMs: Math.round(performance.now() - legacyStarted),
  };
}

/** The parts of a story the bench reads. */
interface BenchStory {
  pages: Array<{ text: string; sceneDescription: string; charactersPresent: string[] }>;
  characters: unknown[];
}

/** A tool context on in-memory ports, as a node would pass it. */
function createBenchContext(): ToolContext {
  return {
    signal: new AbortController().signal,
    correlationId: 'offline-story-bench',
    hop: 0,
    nodeId: 'bench',
    logger: silentLogger,
    ledger: createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE }),
    state: createMemoryStateStore(),
    lock: createMemoryLock(),
    events: createMemoryEventBus(),
    mesh: {
      callTool: async () => {
        throw new MeshError('the offline story bench calls tools in process', 'unimplemented');
      },
      listTools: async () => [],
    },
    reportProgress: () => {},
  };
}
