import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundle } from '@kidsstories/kidsstories-tools/bundle';
import { createJsonLogger } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';
import { type Fault, faultInjectingProviders, seededFaults } from './support/fault-providers.js';
import { orchestrate } from './support/orchestrate-client.js';

// The failure matrix's chaos row: every generation provider a run calls (story, refinement, pictures, speech and
// the clip) fails 20% of its calls with a 5xx, a 429 or a timeout, drawn from a seed
// (CHAOS_SEED to replay one), and each of 20 small runs through the real mesh still ends in a bundle that
// verifyBundle accepts.

const SEED = process.env.CHAOS_SEED ?? 'kidsstories-chaos-1';
const RUNS = Number(process.env.CHAOS_RUNS ?? 20);
const AT_ONCE = 3;
const FAULTS: readonly Fault[] = ['5xx', '429', 'timeout'];
const AGE_BANDS = ['3-5', '6-8', '9-12'] as const;

describe(`chaos: ${RUNS} runs with 20% provider faults (seed ${SEED})`, () => {
  let out: string;
  let mesh: ReferenceMesh;
  const faults = faultInjectingProviders(seededFaults(SEED, 0.2, FAULTS), { retryAfterMs: 50 });

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'chaos-'));
    mesh = await startReferenceMesh({
      outDir: out,
      ...(process.env.CHAOS_LOG ? { logger: createJsonLogger({ level: 'warn' }) } : {}),
      providers: faults.providers,
      pipeline: {
        jobRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
        // Rate limits are not under test here: 20 runs would wait minutes for the brief's 10 pictures a minute.
        limits: {
          image: { concurrency: 4, rateLimit: { max: 10_000, durationMs: 60_000 } },
          speech: { concurrency: 4, rateLimit: { max: 10_000, durationMs: 60_000 } },
        },
      },
    });
  });
  afterAll(async () => {
    await mesh?.close();
    await rm(out, { recursive: true, force: true });
  });

  it('every run ends in a complete bundle', async () => {
    const runs = Array.from({ length: RUNS }, (_, index) => ({
      // One date per run, so that no run finds another's bundle.
      date: `2027-01-${String(index + 1).padStart(2, '0')}`,
      ageBand: AGE_BANDS[index % AGE_BANDS.length],
      pages: 2,
      // One clip a run, small (512 px at 12 fps) from small pictures (512 px, not 1024), so that twenty runs stay
      // quick on two cores; the 429 -> cheaper model path has its own row in failure-matrix.test.ts.
      clips: 1,
      parameters: { seed: index, size_spec: '512x512', video_resolution: '512x512', fps: 12 },
    }));
    const outcomes: Array<{ date: string; error?: string; problems?: unknown[] }> = [];
    const durationsMs: number[] = [];
    const startedAt = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < runs.length) {
        const args = runs[next++] as (typeof runs)[number];
        const startedAt = Date.now();
        // Progress keeps the call's stream alive while queued runs wait for the text server.
        const result = await orchestrate(mesh.gatewayUrl, args, () => {});
        durationsMs.push(Date.now() - startedAt);
        if (result.isError || !result.output) {
          outcomes.push({ date: args.date, error: result.text });
          continue;
        }
        const verification = await verifyBundle(result.output.bundleDir);
        outcomes.push({ date: args.date, problems: verification.problems });
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    const injected = faults.calls.filter((call) => call.fault);
    console.info(
      `chaos: ${RUNS} runs in ${Math.round((Date.now() - startedAt) / 1000)} s (longest run ${Math.round(
        Math.max(...durationsMs) / 1000,
      )} s), ${injected.length} faults in ${faults.calls.length} provider calls`,
    );

    expect(outcomes).toHaveLength(RUNS);
    expect(outcomes.filter((outcome) => outcome.error || outcome.problems?.length)).toEqual([]);
    // The faults really happened, of every kind, in about a fifth of the calls.
    expect(new Set(injected.map((call) => call.fault))).toEqual(new Set(FAULTS));
    const share = injected.length / faults.calls.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.3);
    expect(new Set(injected.map((call) => call.kind))).toEqual(
      new Set(['story', 'refine', 'image', 'speech', 'video']),
    );
  }, 900_000);
});
