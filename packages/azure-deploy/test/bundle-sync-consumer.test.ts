import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  type BundleCompleteEvent,
  bundleCompleteFields,
  hashFile,
  PIPELINE_STREAMS,
} from '@kidsstories/kidsstories-tools/bundle';
import { createMemoryStateStore } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleSyncReport, startBundleSync } from '../src/index.js';
import { type Azurite, startAzurite } from '../src/testing/index.js';
import { writeTestBundle } from './write-test-bundle.js';

let azurite: Azurite;
let root: string;
beforeAll(async () => {
  azurite = await startAzurite();
  root = await mkdtemp(join(tmpdir(), 'azure-deploy-consumer-'));
});
afterAll(async () => {
  await azurite?.close();
  await rm(root, { recursive: true, force: true });
});

describe('startBundleSync', () => {
  it('syncs each bundle.complete event; a redelivered event uploads nothing; a bad one is dead-lettered', async () => {
    const store = createMemoryStateStore();
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient(
      'consumer',
    );
    const dir = await writeTestBundle(root);
    const synced: Array<{ report: BundleSyncReport; event: BundleCompleteEvent }> = [];
    const sync = await startBundleSync({
      store,
      consumer: 'test-1',
      container,
      blockMs: 50,
      maxDeliveries: 1,
      visibilityTimeoutMs: 50,
      onSynced: (report, event) => synced.push({ report, event }),
    });
    try {
      const event: BundleCompleteEvent = {
        date: '2026-12-06',
        ageBand: '6-8',
        bundleDir: dir,
        runId: 'run-0',
        manifestSha256: (await hashFile(join(dir, 'story-manifest.json'))).sha256,
      };
      // At-least-once delivery: the same event twice.
      await store.streamAppend(PIPELINE_STREAMS.bundleComplete, bundleCompleteFields(event));
      await store.streamAppend(PIPELINE_STREAMS.bundleComplete, bundleCompleteFields(event));
      await store.streamAppend(PIPELINE_STREAMS.bundleComplete, { type: 'bundle.complete', date: 'nope' });
      await expect.poll(() => synced.length, { timeout: 10_000 }).toBe(2);
      expect(synced[0]?.report.uploaded).toHaveLength(9);
      expect(synced[1]?.report.uploaded).toHaveLength(0);
      expect(synced[1]?.report.skipped).toHaveLength(9);
      expect(synced[0]?.event.runId).toBe('run-0');
      const manifest = await container
        .getBlobClient('stories/2026-12-06/6-8/story-manifest.json')
        .downloadToBuffer();
      expect(manifest.toString('utf8')).toBe(await readFile(join(dir, 'story-manifest.json'), 'utf8'));
      await expect
        .poll(
          async () => (await store.streamRange(`${PIPELINE_STREAMS.bundleComplete}:dead-letter`)).length,
          {
            timeout: 10_000,
          },
        )
        .toBe(1);
    } finally {
      await sync.close();
    }
  });
});
