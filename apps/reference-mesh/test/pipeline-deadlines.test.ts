import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviders, type KidsStoriesProviders } from '@kidsstories/kidsstories-tools';
import { verifyBundle } from '@kidsstories/kidsstories-tools/bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_CALL_TIMEOUT_MS, TOOL_TIMEOUTS_MS } from '../src/mesh-roles.js';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';

/** A picture slower than a peer link's 30 s default deadline, well inside `generate_image`'s own 120 s. */
const SLOW_PICTURE_MS = 32_000;

describe("the pipeline's calls into the gateway", () => {
  let out: string;
  let mesh: ReferenceMesh;
  const calls = { image: 0 };

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'pipeline-deadlines-'));
    const offline = createProviders();
    const providers: KidsStoriesProviders = {
      ...offline,
      image: {
        ...offline.image,
        generateImage: async (request, options) => {
          calls.image++;
          await new Promise((resolve) => setTimeout(resolve, SLOW_PICTURE_MS));
          return offline.image.generateImage(request, options);
        },
      },
    };
    mesh = await startReferenceMesh({ outDir: out, providers });
  });
  afterAll(async () => {
    await mesh?.close();
    await rm(out, { recursive: true, force: true });
  });

  it('allow as long as the slowest tool timeout, so the gateway policy decides', () => {
    expect(PIPELINE_CALL_TIMEOUT_MS).toBeGreaterThan(Math.max(...Object.values(TOOL_TIMEOUTS_MS)));
    expect(TOOL_TIMEOUTS_MS.generate_image).toBeGreaterThan(SLOW_PICTURE_MS + 10_000);
  });

  it('let a picture take longer than 30 s without being cut off and drawn again', async () => {
    const { dir } = await mesh.pipeline.run({ date: '2026-12-03', ageBand: '6-8', pages: 1, clips: 0 });
    expect(calls.image).toBe(1);
    expect((await verifyBundle(dir)).problems).toEqual([]);
  }, 180_000);
});
