import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviders, type KidsStoriesProviders } from '@kidsstories/kidsstories-tools';
import {
  BUNDLE_STEPS,
  PIPELINE_STREAMS,
  parseBundleCompleteEvent,
  verifyBundle,
} from '@kidsstories/kidsstories-tools/bundle';
import type { OrchestrateOutput } from '@kidsstories/kidsstories-tools/pipeline';
import { MeshError, silentLogger } from '@kidsstories/mesh-core';
import { createBullmqWorkQueue } from '@kidsstories/mesh-redis';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisPorts } from '../src/redis-ports.js';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';
import { expectRealMedia } from './support/media-checks.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATE = '2026-12-06';
/**
 * Clips at 512 x 512 and 12 fps instead of the defaults' 1024 x 1024 at 24 fps: an eighth of the pixels to encode
 * (a narrated clip lasts 10-20 s). The checks here are on the bundle and its media, not on the clip's size.
 */
const SMALL_CLIPS = { video_resolution: '512x512', fps: 12 } as const;

async function connect(url: string): Promise<Client> {
  const client = new Client(
    { name: 'pipeline-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function orchestrate(
  url: string,
  args: Record<string, unknown>,
  onProgress?: (message: string) => void,
) {
  const client = await connect(url);
  try {
    return await client.callTool(
      { name: 'orchestrate', arguments: args },
      {
        timeout: 600_000,
        resetTimeoutOnProgress: true,
        ...(onProgress ? { onprogress: (progress) => onProgress(progress.message ?? '') } : {}),
      },
    );
  } finally {
    await client.close();
  }
}

const textOf = (result: { content: Array<{ type: string; text?: string }> }) =>
  result.content.map((block) => block.text ?? '').join(' ');

/** Offline providers that count their calls and can be told to fail. */
function countingProviders() {
  const offline = createProviders();
  const calls = { image: 0, speech: 0, video: 0, story: 0 };
  const failures = { video: 0 };
  const providers: KidsStoriesProviders = {
    ...offline,
    story: {
      ...offline.story,
      generateStory: (request, options) => {
        calls.story++;
        return offline.story.generateStory(request, options);
      },
    },
    image: {
      ...offline.image,
      generateImage: (request, options) => {
        calls.image++;
        return offline.image.generateImage(request, options);
      },
    },
    speech: {
      ...offline.speech,
      synthesize: (request, options) => {
        calls.speech++;
        return offline.speech.synthesize(request, options);
      },
    },
    video: {
      ...offline.video,
      animate: (request, options) => {
        calls.video++;
        if (failures.video > 0) {
          failures.video--;
          return Promise.reject(
            new MeshError('video provider: invalid request (injected)', 'invalid_argument'),
          );
        }
        return offline.video.animate(request, options);
      },
    },
  };
  return { providers, calls, failures };
}

describe('orchestrate on the embedded default', () => {
  let out: string;
  let mesh: ReferenceMesh;
  const counting = countingProviders();

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'pipeline-test-'));
    mesh = await startReferenceMesh({ outDir: out, providers: counting.providers });
  });
  afterAll(async () => {
    await mesh?.close();
    await rm(out, { recursive: true, force: true });
  });

  it('writes a bundle that verifies, with real media, reporting progress; a second call writes nothing', async () => {
    const messages: string[] = [];
    const result = await orchestrate(
      mesh.gatewayUrl,
      { date: DATE, ageBand: '3-5', pages: 3, clips: 1, parameters: { seed: 11, ...SMALL_CLIPS } },
      (message) => messages.push(message),
    );
    expect(result.isError, textOf(result)).not.toBe(true);
    const output = result.structuredContent as OrchestrateOutput;
    expect(output.reused).toBe(false);
    expect(output.bundleDir).toBe(join(out, 'stories', DATE, '3-5'));
    const verification = await verifyBundle(output.bundleDir);
    expect(verification.problems).toEqual([]);
    expect(output.pages).toHaveLength(3);
    expect(output.pages.filter((page) => page.clip)).toHaveLength(1);
    expect(output.steps.map((step) => step.step)).toEqual([...BUNDLE_STEPS]);
    expect(output.steps.find((step) => step.step === 'pictures')?.calls).toBe(3);
    expect(output.steps.find((step) => step.step === 'story')?.models).toEqual([expect.any(String)]);
    await expectRealMedia(output.bundleDir, output);
    expect(output.credits).toEqual([expect.objectContaining({ work: 'Fluent Emoji Flat', licence: 'MIT' })]);
    for (const stage of ['story', 'refine', 'character guide', 'pictures', 'narration', 'clips', 'bundle']) {
      expect(
        messages.some((message) => message.startsWith(stage)),
        stage,
      ).toBe(true);
    }
    const events = await mesh.pipeline.options.state.streamRange(PIPELINE_STREAMS.bundleComplete);
    const event = parseBundleCompleteEvent(events.at(-1)?.fields ?? {});
    expect(event).toMatchObject({
      date: DATE,
      ageBand: '3-5',
      bundleDir: output.bundleDir,
      runId: output.runId,
    });

    const manifestFile = join(output.bundleDir, 'story-manifest.json');
    const before = { ...counting.calls, mtimeMs: (await stat(manifestFile)).mtimeMs };
    const again = await orchestrate(mesh.gatewayUrl, { date: DATE, ageBand: '3-5', pages: 3, clips: 1 });
    expect((again.structuredContent as OrchestrateOutput).reused).toBe(true);
    expect((again.structuredContent as OrchestrateOutput).runId).toBe(output.runId);
    expect({ ...counting.calls, mtimeMs: (await stat(manifestFile)).mtimeMs }).toEqual(before);
  }, 300_000);

  it('resumes a failed run from its last finished step without drawing or narrating again', async () => {
    counting.failures.video = 1;
    const before = { ...counting.calls };
    const args = { date: DATE, ageBand: '9-12', pages: 2, clips: 1, parameters: SMALL_CLIPS };
    const failed = await orchestrate(mesh.gatewayUrl, args);
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toContain('injected');
    expect(counting.calls.image - before.image).toBe(2);
    expect(counting.calls.speech - before.speech).toBe(2);
    const dir = join(out, 'stories', DATE, '9-12');
    await expect(stat(join(dir, 'story-manifest.json'))).rejects.toThrow(/ENOENT/);
    const picture = await readFile(join(dir, 'pages/01.png'));

    const resumed = await orchestrate(mesh.gatewayUrl, args);
    expect(resumed.isError, textOf(resumed)).not.toBe(true);
    const output = resumed.structuredContent as OrchestrateOutput;
    expect(counting.calls.image - before.image).toBe(2);
    expect(counting.calls.speech - before.speech).toBe(2);
    expect(counting.calls.story - before.story).toBe(1);
    expect(output.steps.filter((step) => step.resumed).map((step) => step.step)).toEqual([
      'story',
      'refine',
      'character_guide',
      'pictures',
      'narration',
    ]);
    expect(await readFile(join(dir, 'pages/01.png'))).toEqual(picture);
    expect((await verifyBundle(dir)).ok).toBe(true);
  }, 300_000);

  it.each([
    [{ ageBand: '4-6' }, 'ageBand'],
    [{ ageBand: '6-8', date: '2026-02-30' }, 'date'],
    [{ ageBand: '6-8', date: '6 Dec 2026' }, 'date'],
    [{ ageBand: '6-8', pages: 0 }, 'pages'],
    [{ ageBand: '6-8', pages: 25 }, 'pages'],
    [{ ageBand: '6-8', clips: -1 }, 'clips'],
    [{ ageBand: '6-8', parameters: { voice_id: 'robot' } }, 'voice_id'],
    [{ ageBand: '6-8', colour: 'blue' }, 'colour'],
  ])('refuses bad input %j, naming %s', async (args, field) => {
    const result = await orchestrate(mesh.gatewayUrl, args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(field);
  });
});

describe('orchestrate on two gateways sharing Redis', () => {
  const keyPrefix = `test:pipeline:${randomUUID().slice(0, 8)}:`;
  const queuePrefix = `test-pipeline-${randomUUID().slice(0, 8)}`;
  let out: string;
  const replicas: Array<{ mesh: ReferenceMesh; close(): Promise<void> }> = [];
  const counting = countingProviders();

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'pipeline-redis-'));
    for (const instanceId of ['gw-a', 'gw-b']) {
      const redis = await openRedisPorts({ url: REDIS_URL, instanceId, keyPrefix, logger: silentLogger });
      const work = createBullmqWorkQueue({ url: REDIS_URL, prefix: queuePrefix });
      const mesh = await startReferenceMesh({
        ports: redis.ports,
        instanceId,
        outDir: out,
        work,
        providers: counting.providers,
      });
      replicas.push({
        mesh,
        async close() {
          await mesh.close();
          await work.close();
          await redis.close();
        },
      });
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await rm(out, { recursive: true, force: true });
  });

  it('makes exactly one bundle when both are asked at once, and shows the queues in Redis', async () => {
    const args = { date: DATE, ageBand: '6-8', pages: 2, clips: 0 };
    const [first, second] = await Promise.all(replicas.map(({ mesh }) => orchestrate(mesh.gatewayUrl, args)));
    for (const result of [first, second]) expect(result?.isError, textOf(result as never)).not.toBe(true);
    const outputs = [first, second].map((result) => result?.structuredContent as OrchestrateOutput);
    expect(outputs.map((output) => output.reused).sort()).toEqual([false, true]);
    expect(outputs[0]?.runId).toBe(outputs[1]?.runId);
    expect(counting.calls.story).toBe(1);
    expect(counting.calls.image).toBe(2);
    expect((await verifyBundle(join(out, 'stories', DATE, '6-8'))).ok).toBe(true);
    const counts = await replicas[0]?.mesh.pipeline.options.work.counts(
      replicas[0].mesh.pipeline.options.queues.image,
    );
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0 });
  }, 300_000);
});
