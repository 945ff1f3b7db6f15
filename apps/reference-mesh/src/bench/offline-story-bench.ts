import { availableParallelism } from 'node:os';
import {
  createMediaTools,
  createOfflineImageProvider,
  createOfflineSafetyProvider,
  createOfflineSpeechProvider,
  createOfflineVideoProvider,
  createTextTools,
  createVideoTools,
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
}

/** Options for {@link runOfflineStoryBench}. */
export interface OfflineStoryBenchOptions {
  /** Pages (one picture and one narration each). Default 6. */
  pageCount?: number;
  /** Pages that get a video clip. Default 2. */
  clipCount?: number;
  /** Seconds per clip. Default 5. */
  clipDurationSec?: number;
  /** Seed of the story. Default 7. */
  seed?: number;
}

/**
 * The offline story benchmark (issue 4): a 6-page story with 6 pictures, 6 narrations and 2 video clips, made by
 * the real tools with the offline providers, using the parallelism they allow on this machine (by default one
 * Flite worker and one H.264 encoder per core). Checks its own artifacts and throws when one is missing.
 * Target on 2 cores: under 20 s in total.
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
  const started = performance.now();
  try {
    const { story, storyId } = await timed('story', () =>
      call<{ storyId: string; story: BenchStory }>('generate_story', {
        parameters: { page_count: pageCount, seed: options.seed ?? 7 },
      }),
    );
    await timed('characterGuide', () => call('apply_character_guide', { story, storyId }));
    const [images, narrations] = await Promise.all([
      timed('images', () =>
        Promise.all(
          story.pages.map((page, index) =>
            call<{ sha256: string; bytes: number }>('generate_image', {
              storyId,
              prompt: page.text,
              sceneDescription: page.sceneDescription,
              characters: page.charactersPresent,
              seed: index,
              page: index + 1,
            }),
          ),
        ),
      ),
      timed('narration', () =>
        Promise.all(
          story.pages.map((page, index) =>
            call<{ durationSec: number }>('generate_audio', {
              text: page.text,
              voice: 'slt',
              storyId,
              page: index + 1,
            }),
          ),
        ),
      ),
    ]);
    // The clips animate the first pages' pictures: re-render them as base64 PNGs (deterministic, same seeds).
    const pictures = await Promise.all(
      story.pages.slice(0, clipCount).map(async (page, index) => {
        const result = await tools.get('generate_image')?.handler(
          {
            storyId,
            prompt: page.text,
            sceneDescription: page.sceneDescription,
            characters: page.charactersPresent,
            seed: index,
            size: '1024x1024',
          },
          ctx,
        );
        const block = result?.content?.find((entry) => entry.type === 'resource');
        if (block?.type !== 'resource' || !('blob' in block.resource)) {
          throw new MeshError('generate_image returned no PNG', 'internal');
        }
        return block.resource.blob;
      }),
    );
    const clips = await timed('video', () =>
      call<{ rendered: number; clips: Array<{ clip?: { frameCount: number } }> }>('batch_render', {
        clips: pictures.map((png, index) => ({
          png,
          durationSec: options.clipDurationSec ?? 5,
          motion: index % 2 === 0 ? 'zoom_in' : 'pan_right',
          quality: 'economy',
          storyId,
          page: index + 1,
        })),
      }),
    );
    if (images.length !== pageCount || images.some((image) => image.bytes === 0)) {
      throw new MeshError('the bench made too few pictures', 'internal');
    }
    if (narrations.length !== pageCount || narrations.some((narration) => !(narration.durationSec > 0))) {
      throw new MeshError('the bench made too few narrations', 'internal');
    }
    if (clips.rendered !== clipCount) throw new MeshError('the bench made too few clips', 'internal');
  } finally {
    clearInterval(sampler);
  }
  return {
    totalMs: Math.round(performance.now() - started),
    stages,
    peakRssMb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1e6),
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
    ledger: createMemoryCostLedger(),
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
