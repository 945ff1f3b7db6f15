import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  PIPELINE_STREAMS,
  parseBundleCompleteEvent,
  parseStageCompleteEvent,
  readBundle,
  verifyBundle,
} from '@kidsstories/kidsstories-tools/bundle';
import { DEFAULT_PIPELINE_CONTINUATION } from '@kidsstories/kidsstories-tools/pipeline';
import { silentLogger, type WorkQueue } from '@kidsstories/mesh-core';
import { createBullmqWorkQueue } from '@kidsstories/mesh-redis';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRedisPorts } from '../src/redis-ports.js';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';
import type { DoomedGatewayConfig } from './fixtures/doomed-gateway.js';
import { countingProviders, type ProviderCall } from './support/counting-providers.js';
import { deletePrefix } from './support/redis-keys.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FIXTURE = fileURLToPath(new URL('./fixtures/doomed-gateway.ts', import.meta.url));
const DATE = '2026-12-07';
/** The doomed gateway's short leases, so that its lock and jobs are free within seconds of its death. */
const TIMINGS = { lockTtlMs: 3_000, jobLockDurationMs: 3_000, stalledIntervalMs: 1_000 };

interface Doomed {
  child: ChildProcess;
  /** Provider calls that produced their asset in the doomed process. */
  finished: Record<ProviderCall, number>;
  dying?: string;
  /** Resolves with the signal the process ended with. */
  exited: Promise<NodeJS.Signals | number | null>;
}

/** Starts the doomed gateway (test/fixtures/doomed-gateway.ts) and resolves once it is up. */
async function startDoomed(config: DoomedGatewayConfig): Promise<Doomed> {
  const child = spawn(
    process.execPath,
    ['--conditions=@kidsstories/source', '--import', 'tsx', FIXTURE, JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const doomed: Doomed = {
    child,
    finished: { story: 0, image: 0, speech: 0, video: 0 },
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code))),
  };
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const message = JSON.parse(line) as { ready?: boolean; finished?: ProviderCall; dying?: string };
      if (message.ready) resolve();
      if (message.finished) doomed.finished[message.finished]++;
      if (message.dying) doomed.dying = message.dying;
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the doomed gateway exited before it was ready (${signal ?? code}): ${stderr}`)),
    );
  });
  return doomed;
}

/** A replica in this process: Redis ports, BullMQ jobs, counting providers, the continuation on. */
async function startSurvivor(keyPrefix: string, bullPrefix: string, outDir: string) {
  const redis = await openRedisPorts({
    url: REDIS_URL,
    instanceId: 'survivor',
    keyPrefix,
    logger: silentLogger,
  });
  // Its own leases are long (rendering a clip keeps the event loop busy for seconds on a loaded machine); it looks
  // for stalled jobs every second, and takes over an entry pending 20 s.
  const work: WorkQueue = createBullmqWorkQueue({
    url: REDIS_URL,
    prefix: bullPrefix,
    stalledIntervalMs: TIMINGS.stalledIntervalMs,
  });
  const counting = countingProviders();
  let mesh: ReferenceMesh;
  try {
    mesh = await startReferenceMesh({
      ports: redis.ports,
      instanceId: 'survivor',
      outDir,
      work,
      providers: counting.providers,
      continuation: { visibilityTimeoutMs: 20_000, pollMs: 100 },
    });
  } catch (error) {
    await work.close();
    await redis.close();
    throw error;
  }
  return {
    mesh,
    calls: counting.calls,
    redis,
    async close() {
      await mesh.close();
      await work.close();
      await redis.close();
    },
  };
}

/**
 * A run whose gateway died is finished by another replica's continuation (issue 11, section 4: events that someone
 * reads), with Redis: the doomed gateway runs in its own process and SIGKILLs itself, so its lock is never
 * released and its jobs are left active, as in a crash. Fails (never skips) without Redis.
 */
describe('the pipeline continuation across gateways sharing Redis', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(name: string) {
    const id = randomUUID().slice(0, 8);
    const keyPrefix = `test:${name}:${id}:`;
    const bullPrefix = `test:${name}:${id}:bull`;
    const outDir = await mkdtemp(join(tmpdir(), `${name}-`));
    cleanups.push(() => deletePrefix(REDIS_URL, keyPrefix));
    cleanups.push(() => rm(outDir, { recursive: true, force: true }));
    return { keyPrefix, bullPrefix, outDir };
  }

  it('finishes the bundle of a gateway killed right after story.complete: one bundle, no asset made twice', async () => {
    const { keyPrefix, bullPrefix, outDir } = await setUp('continuation');
    const survivor = await startSurvivor(keyPrefix, bullPrefix, outDir);
    cleanups.push(() => survivor.close());
    // No clips: rendering one takes minutes on this loaded machine, and the video step is no different here.
    const input = { date: DATE, ageBand: '6-8' as const, pages: 2, clips: 0 };
    const doomed = await startDoomed({
      redisUrl: REDIS_URL,
      keyPrefix,
      bullPrefix,
      outDir,
      instanceId: 'doomed',
      dieAt: 'after story.complete',
      input,
      ...TIMINGS,
    });
    cleanups.push(async () => {
      doomed.child.kill('SIGKILL');
    });
    expect(await doomed.exited).toBe('SIGKILL');
    expect(doomed.dying).toBe('after story.complete');
    const state = survivor.redis.ports.state;
    const [story] = await state.streamRange(PIPELINE_STREAMS.storyComplete);
    const doomedRunId = parseStageCompleteEvent(story?.fields ?? {}).runId;

    // Nobody calls orchestrate again: the survivor's continuation takes the entry, waits for the dead holder's
    // lease to run out, and continues the run.
    const dir = join(outDir, 'stories', DATE, '6-8');
    await expect
      .poll(async () => (await verifyBundle(dir)).ok, { timeout: 150_000, interval: 250 })
      .toBe(true);
    const bundle = await readBundle(dir);
    expect(bundle.manifest.runId).not.toBe(doomedRunId);
    expect(bundle.manifest.steps.find((step) => step.step === 'story')?.resumed).toBe(true);
    // Every entry is acknowledged once the bundle is there.
    const group = DEFAULT_PIPELINE_CONTINUATION.group;
    await expect
      .poll(
        async () =>
          (await state.streamPending(PIPELINE_STREAMS.storyComplete, group)).count +
          (await state.streamPending(PIPELINE_STREAMS.mediaComplete, group)).count,
        { timeout: 30_000, interval: 200 },
      )
      .toBe(0);
    const bundles = (await state.streamRange(PIPELINE_STREAMS.bundleComplete)).map((entry) =>
      parseBundleCompleteEvent(entry.fields),
    );
    expect(bundles).toEqual([
      expect.objectContaining({ date: DATE, ageBand: '6-8', runId: bundle.manifest.runId }),
    ]);
    expect(await state.streamLength(`${PIPELINE_STREAMS.storyComplete}:dead-letter`)).toBe(0);
    // Each asset was made once, by whichever process made it: the story before the kill, the rest after.
    const total = (call: ProviderCall) => doomed.finished[call] + survivor.calls[call];
    expect({
      story: total('story'),
      image: total('image'),
      speech: total('speech'),
      video: total('video'),
    }).toEqual({ story: 1, image: 2, speech: 2, video: 0 });
  }, 240_000);

  it('runs again the job of a worker SIGKILLed mid-job once its lock lapses, and the run completes', async () => {
    const { keyPrefix, bullPrefix, outDir } = await setUp('stalled');
    const input = { date: DATE, ageBand: '9-12' as const, pages: 2, clips: 0 };
    // Alone on the queues at first, the doomed gateway works its own image job and dies inside it.
    const doomed = await startDoomed({
      redisUrl: REDIS_URL,
      keyPrefix,
      bullPrefix,
      outDir,
      instanceId: 'doomed',
      dieAt: 'in image',
      input,
      ...TIMINGS,
    });
    cleanups.push(async () => {
      doomed.child.kill('SIGKILL');
    });
    expect(await doomed.exited).toBe('SIGKILL');
    expect(doomed.dying).toBe('in image');
    const images = new Queue(`kidsstories-image`, { connection: { url: REDIS_URL }, prefix: bullPrefix });
    cleanups.push(() => images.close());
    // The image jobs the dead worker held are still active: nobody will finish them but BullMQ's stalled check.
    const activeAtDeath = (await images.getActive()).map((job) => job.id ?? '');
    expect(activeAtDeath.length).toBeGreaterThanOrEqual(1);

    const survivor = await startSurvivor(keyPrefix, bullPrefix, outDir);
    cleanups.push(() => survivor.close());
    const dir = join(outDir, 'stories', DATE, '9-12');
    await expect
      .poll(async () => (await verifyBundle(dir)).ok, { timeout: 120_000, interval: 250 })
      .toBe(true);
    // The jobs the dead worker held were moved back by BullMQ's stalled-job check (not added again) and finished.
    for (const id of activeAtDeath) {
      const job = await images.getJob(id);
      expect(job?.stalledCounter, id).toBeGreaterThanOrEqual(1);
      expect(await job?.isCompleted(), id).toBe(true);
    }
    expect(doomed.finished.image).toBe(0);
    expect(survivor.calls.image).toBe(2);
    expect(doomed.finished.story + survivor.calls.story).toBe(1);
    expect(doomed.finished.speech + survivor.calls.speech).toBe(2);
    const bundles = await survivor.redis.ports.state.streamRange(PIPELINE_STREAMS.bundleComplete);
    expect(bundles).toHaveLength(1);
  }, 180_000);
});

/** The continuation on the embedded default (in-memory state): what `serve` runs without Redis. */
describe('the pipeline continuation in one process', () => {
  let outDir: string;
  let mesh: ReferenceMesh;
  const counting = countingProviders();
  const options = { visibilityTimeoutMs: 2_000, pollMs: 50, maxDeliveries: 2 };

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'continuation-memory-'));
    mesh = await startReferenceMesh({ outDir, providers: counting.providers, continuation: options });
  });
  afterAll(async () => {
    await mesh?.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it('finishes a failed run with nobody calling again, without drawing its picture twice', async () => {
    counting.failures.speech = 1;
    await expect(mesh.pipeline.run({ date: DATE, ageBand: '3-5', pages: 1, clips: 0 })).rejects.toThrow(
      /injected/,
    );
    const dir = join(outDir, 'stories', DATE, '3-5');
    await expect
      .poll(async () => (await verifyBundle(dir)).ok, { timeout: 60_000, interval: 100 })
      .toBe(true);
    expect(counting.calls).toMatchObject({ story: 1, image: 1, speech: 1 });
    const { manifest } = await readBundle(dir);
    expect(manifest.steps.find((step) => step.step === 'pictures')?.resumed).toBe(true);
  }, 90_000);

  it('dead-letters an entry it cannot act on after maxDeliveries, naming the problem', async () => {
    const state = mesh.pipeline.options.state;
    const id = await state.streamAppend(PIPELINE_STREAMS.storyComplete, {
      type: 'story.complete',
      date: DATE,
      ageBand: '6-8',
      runId: 'run-x',
      storyId: 'story-x',
      input: JSON.stringify({ date: DATE, ageBand: '6-8', pages: 99 }),
    });
    const deadLetters = `${PIPELINE_STREAMS.storyComplete}:dead-letter`;
    await expect
      .poll(async () => (await state.streamRange(deadLetters)).map((entry) => entry.fields.originalId), {
        timeout: 30_000,
        interval: 100,
      })
      .toContain(id);
    const [record] = (await state.streamRange(deadLetters)).filter((entry) => entry.fields.originalId === id);
    expect(record?.fields.lastError).toContain('input.pages');
    expect(Number(record?.fields.deliveryCount)).toBe(options.maxDeliveries + 1);
  }, 60_000);
});
