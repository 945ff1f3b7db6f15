// Issue 20 item 2: what the story pipeline (kidsstories-tools `src/pipeline/`) writes to the state store is bounded.
// Its completion streams are appended with `maxLength` (`streamMaxLength`), and its run record (every finished step
// and asset of a date and age band) carries `recordTtlMs`. Three real runs through the four-node mesh, on an
// in-memory state store whose clock the test moves on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KIDSSTORIES_PRICE_TABLE } from '@kidsstories/kidsstories-tools';
import { PIPELINE_STREAMS } from '@kidsstories/kidsstories-tools/bundle';
import { runRecordKey } from '@kidsstories/kidsstories-tools/pipeline';
import {
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
} from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';
import { orchestrate } from './support/orchestrate-client.js';

const DATES = ['2027-01-04', '2027-01-05', '2027-01-06'];
const AGE_BAND = '6-8';
const STREAM_MAX_LENGTH = 2;
const RECORD_TTL_MS = 3_600_000;

describe('story pipeline bounds (issue 20)', () => {
  let out: string;
  let mesh: ReferenceMesh;
  /** The state store's clock: real time plus what the test adds. */
  let offsetMs = 0;
  const state = createMemoryStateStore({ now: () => Date.now() + offsetMs });

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'pipeline-bounds-'));
    mesh = await startReferenceMesh({
      outDir: out,
      ports: {
        state,
        lock: createMemoryLock({ instanceId: 'pipeline-bounds' }),
        events: createMemoryEventBus(),
        ledger: createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE }),
      },
      pipeline: { streamMaxLength: STREAM_MAX_LENGTH, recordTtlMs: RECORD_TTL_MS },
    });
  });
  afterAll(async () => {
    await mesh?.close();
    await rm(out, { recursive: true, force: true });
  });

  it('keeps at most streamMaxLength entries per completion stream, and lets run records expire after recordTtlMs', async () => {
    const runIds: string[] = [];
    for (const date of DATES) {
      const result = await orchestrate(mesh.gatewayUrl, { date, ageBand: AGE_BAND, pages: 1, clips: 0 });
      expect(result.isError, result.text).toBe(false);
      runIds.push(result.output!.runId);
    }

    // Three runs, each appending once to every completion stream: past the bound of 2, the oldest run is trimmed.
    for (const stream of Object.values(PIPELINE_STREAMS)) {
      const entries = await state.streamRange(stream);
      expect(
        entries.map((entry) => entry.fields.runId),
        stream,
      ).toEqual(runIds.slice(1));
    }

    // Each run's record (its steps and its assets) lives recordTtlMs from its last write.
    for (const date of DATES) {
      const key = runRecordKey(date, AGE_BAND);
      const fields = Object.keys((await state.hashGetAll(key)) ?? {});
      expect(fields).toEqual(expect.arrayContaining(['step:story', 'step:pictures', 'step:narration']));
      expect(fields.some((field) => field.startsWith('asset:'))).toBe(true);
      const ttlMs = (await state.ttl(key)) ?? 0;
      expect(ttlMs).toBeLessThanOrEqual(RECORD_TTL_MS);
      // Written during this test (well under 10 minutes ago), not with some longer TTL.
      expect(ttlMs).toBeGreaterThan(RECORD_TTL_MS - 600_000);
    }
    offsetMs += RECORD_TTL_MS;
    for (const date of DATES) expect(await state.hashGetAll(runRecordKey(date, AGE_BAND))).toBeUndefined();
  }, 600_000);
});
