import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviders, DEFAULT_VIDEO_MODELS, withBackupDeployment } from '@kidsstories/kidsstories-tools';
import { PIPELINE_STREAMS, verifyBundle } from '@kidsstories/kidsstories-tools/bundle';
import { PIPELINE_FAILURE_STREAMS, runRecordKey } from '@kidsstories/kidsstories-tools/pipeline';
import { silentLogger } from '@kidsstories/mesh-core';
import { createRedisConnection, createRedisStateStore } from '@kidsstories/mesh-redis';
import { startOwnRedisServer } from '@kidsstories/mesh-redis/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { openRedisPorts } from '../src/redis-ports.js';
import { type ReferenceMesh, type ReferenceMeshOptions, startReferenceMesh } from '../src/reference-mesh.js';
import { faultInjectingProviders } from './support/fault-providers.js';
import { capturingLogger, orchestrate } from './support/orchestrate-client.js';

// The brief's failure-handling matrix (docs/guides/operations.md, "Failure matrix"), one row per test, each through
// the real mesh: four nodes on loopback HTTP/2 peer links and the gateway's own `orchestrate`. Faults come from
// providers wrapped around the offline ones; nothing of the pipeline is replaced.

const DATE = '2026-12-07';
/**
 * Clips at 512 x 512 and 12 fps instead of the defaults' 1024 x 1024 at 24 fps: an eighth of the pixels to encode
 * (a narrated clip lasts 10-20 s), and no row asserts the clip's size.
 */
const SMALL_CLIPS = { video_resolution: '512x512', fps: 12 } as const;

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('failure matrix', () => {
  let out: string | undefined;
  let mesh: ReferenceMesh | undefined;

  const start = async (options: ReferenceMeshOptions) => {
    out = await mkdtemp(join(tmpdir(), 'failure-matrix-'));
    mesh = await startReferenceMesh({ outDir: out, ...options });
    return mesh;
  };
  afterEach(async () => {
    await mesh?.close();
    mesh = undefined;
    if (out) await rm(out, { recursive: true, force: true });
    out = undefined;
  });

  it('text timeout: 4 attempts with exponential backoff, then the dead-letter stream and a failed run; the next call resumes', async () => {
    // The text server's refiner hangs past its deadline four times (the story step before it finishes).
    const faults = faultInjectingProviders((kind, call) =>
      kind === 'refine' && call <= 4 ? 'hang' : undefined,
    );
    const logger = capturingLogger();
    const { gatewayUrl, pipeline } = await start({
      providers: faults.providers,
      logger,
      toolTimeoutsMs: { refine_readability: 1_500 },
      pipeline: { jobRetry: { initialDelayMs: 100 }, random: () => 0 },
    });
    const args = { date: DATE, ageBand: '6-8', pages: 2, clips: 0 };

    const failed = await orchestrate(gatewayUrl, args);
    expect(failed.isError).toBe(true);
    expect(failed.text).toContain('refine_readability failed after 4 attempts (deadline_exceeded');
    expect(failed.text).toContain(PIPELINE_FAILURE_STREAMS.jobDeadLetter);
    expect(faults.counts.refine).toBe(4);
    const retries = logger.records.filter(
      (record) =>
        record.message === 'pipeline job failed; running it again' &&
        record.fields.tool === 'refine_readability',
    );
    expect(retries.map((record) => record.fields.delayMs)).toEqual([100, 200, 400]);
    const dead = await pipeline.options.state.streamRange(PIPELINE_FAILURE_STREAMS.jobDeadLetter);
    expect(dead.at(-1)?.fields).toMatchObject({
      type: 'job.dead',
      tool: 'refine_readability',
      code: 'deadline_exceeded',
      attempts: '4',
      date: DATE,
      ageBand: '6-8',
    });

    const resumed = await orchestrate(gatewayUrl, args);
    expect(resumed.isError, resumed.text).toBe(false);
    expect(resumed.output?.steps.find((step) => step.step === 'story')?.resumed).toBe(true);
    expect(faults.counts.story).toBe(1);
    expect((await verifyBundle(resumed.output?.bundleDir ?? '')).problems).toEqual([]);
  }, 180_000);

  it('media 5xx: a failing replica is passed over for the other one', async () => {
    const failing = faultInjectingProviders((kind) => (kind === 'image' ? '5xx' : undefined));
    const healthy = faultInjectingProviders(() => undefined);
    const { gatewayUrl } = await start({
      providers: failing.providers,
      replicas: [{ role: 'media', providers: healthy.providers }],
    });
    const result = await orchestrate(gatewayUrl, { date: DATE, ageBand: '3-5', pages: 2, clips: 0 });
    expect(result.isError, result.text).toBe(false);
    expect(failing.counts.image).toBeGreaterThan(0);
    expect(healthy.counts.image).toBe(2);
    expect(result.output?.steps.find((step) => step.step === 'pictures')?.tiers).toEqual(['standard']);
    expect((await verifyBundle(result.output?.bundleDir ?? '')).problems).toEqual([]);
  }, 180_000);

  it('media 5xx: when HD keeps failing on every replica, the pictures are drawn at standard and the manifest says so', async () => {
    const plan = (kind: string, _call: number, asked: string | undefined) =>
      kind === 'image' && asked === 'hd' ? ('5xx' as const) : undefined;
    const first = faultInjectingProviders(plan);
    const second = faultInjectingProviders(plan);
    const logger = capturingLogger();
    const { gatewayUrl } = await start({
      providers: first.providers,
      replicas: [{ role: 'media', providers: second.providers }],
      logger,
      pipeline: { imageTierAttempts: 1 },
    });
    const result = await orchestrate(gatewayUrl, {
      date: DATE,
      ageBand: '9-12',
      pages: 1,
      clips: 0,
      parameters: { image_quality: 'hd' },
    });
    expect(result.isError, result.text).toBe(false);
    const asked = [...first.calls, ...second.calls].filter((call) => call.kind === 'image');
    expect(asked.filter((call) => call.asked === 'hd').length).toBeGreaterThanOrEqual(2);
    expect(asked.filter((call) => call.asked === 'hd' && !call.fault)).toEqual([]);
    expect(asked.filter((call) => call.asked === 'standard' && !call.fault)).toHaveLength(1);
    expect(first.calls.some((call) => call.asked === 'hd')).toBe(true);
    expect(second.calls.some((call) => call.asked === 'hd')).toBe(true);
    expect(result.output?.steps.find((step) => step.step === 'pictures')?.tiers).toEqual(['standard']);
    expect(logger.records.some((record) => record.message.includes('lowering the image quality tier'))).toBe(
      true,
    );
    expect((await verifyBundle(result.output?.bundleDir ?? '')).problems).toEqual([]);
  }, 180_000);

  it('video 429: backoff on the selected model, then a cheaper model chosen by select_model, recorded in the manifest', async () => {
    let firstModel: string | undefined;
    const faults = faultInjectingProviders(
      (kind, _call, asked) => {
        if (kind !== 'video') return undefined;
        firstModel ??= asked;
        return asked === firstModel ? '429' : undefined;
      },
      { catalogueVideo: true, retryAfterMs: 150 },
    );
    const { gatewayUrl } = await start({ providers: faults.providers });
    const result = await orchestrate(gatewayUrl, {
      date: DATE,
      ageBand: '6-8',
      pages: 2,
      clips: 1,
      // A small clip: the row is about the model chosen, not the clip's size.
      parameters: { model_tier: 'standard', ...SMALL_CLIPS },
    });
    expect(result.isError, result.text).toBe(false);
    const rateLimited = faults.calls.filter((call) => call.kind === 'video' && call.fault === '429');
    // The gateway's retry policy: 3 retries after the first attempt, each after at least the Retry-After.
    expect(rateLimited).toHaveLength(4);
    for (let index = 1; index < rateLimited.length; index++) {
      expect((rateLimited[index]?.at ?? 0) - (rateLimited[index - 1]?.at ?? 0)).toBeGreaterThanOrEqual(140);
    }
    const clips = result.output?.steps.find((step) => step.step === 'clips');
    const used = faults.calls
      .filter((call) => call.kind === 'video' && !call.fault)
      .map((call) => call.asked);
    expect(used).toHaveLength(1);
    expect(clips?.models).toEqual(used);
    const price = (id: string | undefined) =>
      DEFAULT_VIDEO_MODELS.find((model) => model.id === id)?.costPerSecondUsd ?? Number.NaN;
    expect(price(used[0])).toBeLessThan(price(firstModel));
    expect(clips?.tiers).toEqual(['economy']);
    expect(clips?.tools).toContain('select_model');
    expect((await verifyBundle(result.output?.bundleDir ?? '')).problems).toEqual([]);
  }, 180_000);

  it('model quota exceeded: 429 with Retry-After, the wait it asks for, then the backup deployment', async () => {
    // The primary story deployment is out of quota; the backup is a second deployment (here the offline model).
    const primary = faultInjectingProviders((kind) => (kind === 'story' ? '429' : undefined), {
      retryAfterMs: 400,
    });
    const offline = createProviders();
    const backupCalls: number[] = [];
    const story = withBackupDeployment(primary.providers.story, {
      ...offline.story,
      async generateStory(request, callOptions) {
        backupCalls.push(Date.now());
        return offline.story.generateStory(request, callOptions);
      },
    });
    const { gatewayUrl } = await start({ providers: { ...primary.providers, story } });
    const result = await orchestrate(gatewayUrl, { date: DATE, ageBand: '6-8', pages: 2, clips: 0 });
    expect(result.isError, result.text).toBe(false);
    expect(primary.counts.story).toBe(1);
    expect(backupCalls).toHaveLength(1);
    expect(
      (backupCalls[0] ?? 0) - (primary.calls.find((call) => call.kind === 'story')?.at ?? 0),
    ).toBeGreaterThanOrEqual(390);
    expect((await verifyBundle(result.output?.bundleDir ?? '')).problems).toEqual([]);
  }, 180_000);

  it('redis lost mid-run: the run goes on with in-memory state, and the state resyncs once Redis is back', async () => {
    // A private redis-server on a free port (the shared one is never touched), with an append-only file so that
    // what was written before the crash survives the restart.
    const dataDir = await mkdtemp(join(tmpdir(), 'failure-matrix-redis-'));
    const server = await startOwnRedisServer({ persistDir: dataDir });
    const keyPrefix = 'matrix:';
    const redis = await openRedisPorts({
      url: server.url,
      instanceId: 'matrix',
      keyPrefix,
      logger: silentLogger,
    });
    const transitions: string[] = [];
    redis.ports.onEvent((event) => transitions.push(event.type));
    const faults = faultInjectingProviders(() => undefined);
    try {
      const { gatewayUrl } = await start({ ports: redis.ports, providers: faults.providers });
      let crashed: Promise<void> | undefined;
      const result = await orchestrate(
        gatewayUrl,
        { date: DATE, ageBand: '9-12', pages: 2, clips: 0 },
        (message) => {
          // Once the story is recorded in Redis, Redis crashes; it comes back while the pages are drawn.
          if (crashed || !message.startsWith('character guide')) return;
          crashed = (async () => {
            await server.kill();
            await waitFor(() => transitions.includes('redis.lost'), 'redis.lost');
            await server.start();
          })();
        },
      );
      await crashed;
      expect(result.isError, result.text).toBe(false);
      expect(transitions).toContain('redis.lost');
      expect((await verifyBundle(result.output?.bundleDir ?? '')).problems).toEqual([]);
      await waitFor(() => transitions.includes('redis.restored'), 'redis.restored');

      // Read Redis itself (not through the resilient ports): what was written while it was away is there.
      const connection = createRedisConnection({ url: server.url, keyPrefix, instanceId: 'reader' });
      try {
        await connection.ready();
        const state = createRedisStateStore({ connection });
        const record = (await state.hashGetAll(runRecordKey(DATE, '9-12'))) ?? {};
        expect(Object.keys(record)).toEqual(
          expect.arrayContaining(['step:story', 'step:refine', 'step:pictures', 'step:narration']),
        );
        const events = await state.streamRange(PIPELINE_STREAMS.bundleComplete);
        expect(events.at(-1)?.fields).toMatchObject({ runId: result.output?.runId, ageBand: '9-12' });
      } finally {
        await connection.close();
      }
    } finally {
      await mesh?.close();
      mesh = undefined;
      await redis.close();
      await server.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('bundle write failure: retried, then an alert on the alerts stream and a failed run; the next call writes the bundle', async () => {
    const faults = faultInjectingProviders(() => undefined);
    let failWrites = true;
    const writes: string[] = [];
    const { writeFileAtomic } = await import('@kidsstories/kidsstories-tools/bundle');
    const { gatewayUrl, pipeline } = await start({
      providers: faults.providers,
      pipeline: {
        writeRetry: { maxAttempts: 3, initialDelayMs: 50 },
        writeFile: async (file, data) => {
          writes.push(file);
          if (failWrites) {
            throw Object.assign(new Error(`ENOSPC: no space left on device, open '${file}' (injected)`), {
              code: 'ENOSPC',
            });
          }
          await writeFileAtomic(file, data);
        },
      },
    });
    const args = { date: DATE, ageBand: '3-5', pages: 2, clips: 1, parameters: SMALL_CLIPS };
    const failed = await orchestrate(gatewayUrl, args);
    expect(failed.isError).toBe(true);
    expect(failed.text).toContain('failed after 3 attempts');
    expect(failed.text).toContain(PIPELINE_FAILURE_STREAMS.alerts);
    expect(writes).toHaveLength(3);
    const alerts = await pipeline.options.state.streamRange(PIPELINE_FAILURE_STREAMS.alerts);
    expect(alerts.at(-1)?.fields).toMatchObject({
      type: 'bundle.write_failed',
      date: DATE,
      ageBand: '3-5',
      attempts: '3',
    });
    const before = { ...faults.counts };

    failWrites = false;
    const resumed = await orchestrate(gatewayUrl, args);
    expect(resumed.isError, resumed.text).toBe(false);
    expect(faults.counts).toEqual(before);
    expect(resumed.output?.steps.filter((step) => step.resumed).map((step) => step.step)).toEqual([
      'story',
      'refine',
      'character_guide',
      'pictures',
      'narration',
      'clips',
    ]);
    expect((await verifyBundle(resumed.output?.bundleDir ?? '')).problems).toEqual([]);
  }, 180_000);
});
