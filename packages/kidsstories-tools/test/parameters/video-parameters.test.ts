import type { AnyToolDefinition } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOfResource } from '../../src/media/media-artifact.js';
import { inspectMp4 } from '../../src/media/mp4-inspect.js';
import {
  type GenerationParametersInput,
  PARAMETER_TABLE,
  type ParameterName,
} from '../../src/parameters/generation-parameters.js';
import { VIDEO_PARAMETERS } from '../../src/parameters/media-parameters.js';
import type { ParameterSpec } from '../../src/parameters/parameter-spec.js';
import { createCloudProviders } from '../../src/providers/cloud/create-cloud-providers.js';
import { zeroMp4Times } from '../../src/providers/offline/video-mux.js';
import { createOfflineVideoProvider } from '../../src/providers/offline/video-provider.js';
import type { VideoProvider } from '../../src/providers/provider-types.js';
import { callTool, createTestToolContext } from '../../src/testing/test-tool-context.js';
import { createVideoTools } from '../../src/tools/video/create-video-tools.js';
import { type FakeHttpServer, type RecordedRequest, startFakeHttpServer } from '../cloud/fake-http-server.js';
import { makeMp4, makePng } from '../cloud/media-fixtures.js';
import { alternativeOf, enumSize, fingerprintOf, type ParameterChange, sha256 } from './parameter-changes.js';

// Every video animation parameter, from the table: adding one without an effect fails this test.
const NAMES = Object.keys(VIDEO_PARAMETERS) as Array<keyof typeof VIDEO_PARAMETERS>;

/** Small, short clips keep the offline runs quick. */
const BASE: GenerationParametersInput = { video_resolution: '512x512', fps: 12 };

interface VideoChange extends ParameterChange {
  /** The Runware stand-in answers 429 to the first task of the run. */
  rateLimitFirst?: boolean;
  /** Clips in the batch. Default 1. */
  clips?: number;
}

const CHANGES: Partial<Record<(typeof NAMES)[number], VideoChange>> = {
  // Two clips in the batch, one allowed.
  clips_per_story: { value: 1, clips: 2 },
  // The cheapest standard model costs 0.2 USD for 5 s: a lower ceiling leaves only economy models.
  cost_ceiling: { value: 0.15 },
  // The first model answers 429: with fallbacks a cheaper one renders, without the clip fails.
  fallback_on_rate_limit: { rateLimitFirst: true },
};

const png = Buffer.from(makePng(256, 256)).toString('base64');

let runware: FakeHttpServer;
let cdn: FakeHttpServer;
let cloudVideo: VideoProvider;
let rateLimitFirst = false;
const offlineVideo = createOfflineVideoProvider({ maxConcurrency: 2 });

beforeAll(async () => {
  runware = await startFakeHttpServer();
  cdn = await startFakeHttpServer();
  const mp4 = await makeMp4(24, 12);
  cdn.handle(() => ({ headers: { 'content-type': 'video/mp4' }, body: mp4 }));
  let submitted = 0;
  runware.handle((request: RecordedRequest) => {
    const [task] = request.json() as Array<Record<string, unknown>>;
    if (task?.taskType === 'videoInference') {
      submitted++;
      if (rateLimitFirst && submitted === 1) {
        return {
          status: 429,
          headers: { 'retry-after': '30' },
          json: { errors: [{ message: 'rate limited' }] },
        };
      }
      return { json: { data: [{ taskType: 'videoInference', taskUUID: task.taskUUID }] } };
    }
    return {
      json: {
        data: [
          {
            taskType: 'videoInference',
            taskUUID: task?.taskUUID,
            status: 'success',
            videoURL: `${cdn.url}/clip.mp4`,
            cost: 0.2,
          },
        ],
      },
    };
  });
  const providers = createCloudProviders({
    env: { RUNWARE_API_KEY: 'rw-key', RUNWARE_BASE_URL: `${runware.url}/v1`, RUNWARE_POLL_INTERVAL_MS: '1' },
  });
  cloudVideo = providers.video as VideoProvider;
  // Reset the submit count for each run.
  runSubmitReset = () => {
    submitted = 0;
  };
});
let runSubmitReset = () => {};
afterAll(async () => {
  await runware.close();
  await cdn.close();
});

/** The video tasks sent in a run, without their random task ids. */
function sentTasks(from: number): string[] {
  return runware.requests
    .slice(from)
    .map((request) => request.json() as Array<Record<string, unknown>>)
    .filter(([task]) => task?.taskType === 'videoInference')
    .map(([task]) => JSON.stringify({ ...task, taskUUID: undefined }));
}

async function run(
  family: 'offline' | 'cloud',
  parameters: GenerationParametersInput,
  change: VideoChange = {},
): Promise<string> {
  const harness = createTestToolContext();
  const batchRender = createVideoTools({
    providers: { video: family === 'offline' ? offlineVideo : cloudVideo },
  }).find((tool) => tool.name === 'batch_render') as AnyToolDefinition;
  runSubmitReset();
  rateLimitFirst = change.rateLimitFirst === true;
  const sentBefore = runware.requests.length;
  try {
    return await fingerprintOf(async () => {
      const result = await callTool<{ clips: Array<{ clip?: Record<string, unknown> }> }>(
        batchRender,
        {
          clips: Array.from({ length: change.clips ?? 1 }, (_, index) => ({
            png,
            seed: 3 + index,
            ...change.input,
          })),
          parameters,
        },
        harness.ctx,
      );
      const clips = (result.content ?? []).map(bytesOfResource).filter((bytes) => bytes !== undefined);
      // The encoder stamps the MP4 with the clock: zeroed, the same clip gives the same bytes.
      const facts = await Promise.all(
        clips.map(async (mp4) => ({
          zeroedSha256: sha256(zeroMp4Times(mp4.slice())),
          ...(await inspectMp4(mp4)),
        })),
      );
      // The tool's own hash covers the clock-stamped bytes: the zeroed hash above stands for them.
      return JSON.stringify(
        { output: result.structuredContent, facts, sent: sentTasks(sentBefore) },
        (key, value) => (key === 'wallMs' || key === 'uri' || key === 'sha256' ? undefined : value),
      );
    });
  } finally {
    rateLimitFirst = false;
    await harness.close();
  }
}

/**
 * {@link run} once per family, parameters and change: most rows compare against the same base clip, and the
 * determinism test below shows that running it again gives the same fingerprint.
 */
const baseRuns = new Map<string, Promise<string>>();
function runBase(family: 'offline' | 'cloud', parameters: GenerationParametersInput, change: VideoChange) {
  const key = JSON.stringify([family, parameters, change]);
  let fingerprint = baseRuns.get(key);
  if (!fingerprint) {
    fingerprint = run(family, parameters, change);
    baseRuns.set(key, fingerprint);
  }
  return fingerprint;
}

describe('video animation parameters: each one changes the clip or the request', () => {
  it('covers every video parameter, each applied offline, in the cloud or both', () => {
    expect(NAMES).toHaveLength(16);
    for (const name of NAMES) {
      const applied = (PARAMETER_TABLE[name as ParameterName] as ParameterSpec).applied;
      expect(applied?.offline ?? applied?.cloud, name).toBeTruthy();
    }
  });

  it('is deterministic for the same parameters (so a difference is the parameter)', async () => {
    for (const family of ['offline', 'cloud'] as const) {
      const first = await run(family, BASE);
      const second = await run(family, BASE);
      expect(second).toBe(first);
    }
  });

  for (const name of NAMES) {
    const spec = PARAMETER_TABLE[name as ParameterName] as ParameterSpec;
    const change = CHANGES[name] ?? {};
    const base = { ...BASE, ...change.base };
    const start = (base as Record<string, unknown>)[name] ?? spec.default;
    if (enumSize(spec) === 1) {
      // A parameter with one allowed value cannot change: it is reported with every clip instead.
      it(`${name} has one allowed value (${JSON.stringify(start)}), reported in each clip's output`, async () => {
        const fingerprint = JSON.parse(await run('offline', base)) as {
          output: { clips: Array<{ clip: Record<string, unknown> }> };
        };
        expect(fingerprint.output.clips[0]?.clip.codec).toBe(start);
      });
      continue;
    }
    const value = change.value ?? alternativeOf(spec, start);
    for (const family of ['offline', 'cloud'] as const) {
      if (!spec.applied?.[family]) continue;
      it(`${name} (${family}): ${JSON.stringify(start)} -> ${JSON.stringify(value)}`, async () => {
        const before = await runBase(family, base, change);
        const after = await run(family, { ...base, [name]: value }, change);
        expect(after).not.toBe(before);
      });
    }
  }
});

describe('video parameters: decoded facts', () => {
  // 180 frames at 768 x 768: several seconds of encoding alone, and more on a machine shared with other files.
  it('fps, video_resolution and duration_sec show in the MP4', async () => {
    const fingerprint = JSON.parse(
      await run('offline', { video_resolution: '768x768', fps: 30, duration_sec: 6, start_hold_ms: 0 }),
    ) as { facts: Array<{ width: number; height: number; durationSec: number; frameCount: number }> };
    expect(fingerprint.facts[0]).toMatchObject({ width: 768, height: 768, frameCount: 180 });
    expect(fingerprint.facts[0]?.durationSec).toBeCloseTo(6, 1);
  }, 120_000);
});
