import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { bundleCompleteFields, hashFile, PIPELINE_STREAMS } from '@kidsstories/kidsstories-tools/bundle';
import { createRedisConnection, createRedisStateStore } from '@kidsstories/mesh-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleSyncReport, startBundleSync } from '../src/index.js';
import { type Azurite, startAzurite } from '../src/testing/index.js';
import { startTlsRedis, type TlsRedis } from './tls-redis.js';
import { writeTestBundle } from './write-test-bundle.js';

let redis: TlsRedis;
let azurite: Azurite;
let root: string;
beforeAll(async () => {
  [redis, azurite] = await Promise.all([startTlsRedis(), startAzurite()]);
  root = await mkdtemp(join(tmpdir(), 'azure-deploy-tls-'));
});
afterAll(async () => {
  await Promise.all([redis?.close(), azurite?.close()]);
  await rm(root, { recursive: true, force: true });
});

describe('Redis over TLS, as Azure Cache for Redis serves it (rediss://, access key)', () => {
  it('the mesh Redis ports connect and carry the bundle.complete stream to the cloud sync', async () => {
    const connection = createRedisConnection({
      url: redis.url,
      tls: { ca: redis.ca },
      keyPrefix: 'tls-test:',
    });
    try {
      await connection.ready();
      const store = createRedisStateStore({ connection });
      await store.hashSet('probe', { over: 'tls' });
      expect(await store.hashGet('probe', 'over')).toBe('tls');

      const dir = await writeTestBundle(root);
      const synced: BundleSyncReport[] = [];
      const sync = await startBundleSync({
        store,
        consumer: 'tls-1',
        blockMs: 100,
        container: BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient(
          'tls',
        ),
        onSynced: (report) => synced.push(report),
      });
      try {
        await store.streamAppend(
          PIPELINE_STREAMS.bundleComplete,
          bundleCompleteFields({
            date: '2026-12-06',
            ageBand: '6-8',
            bundleDir: dir,
            runId: 'run-0',
            manifestSha256: (await hashFile(join(dir, 'story-manifest.json'))).sha256,
          }),
        );
        await expect.poll(() => synced.length, { timeout: 10_000 }).toBe(1);
        expect(synced[0]?.uploaded).toHaveLength(9);
      } finally {
        await sync.close();
      }
    } finally {
      await connection.close();
    }
  });

  it('a client that does not trust the certificate is refused', async () => {
    const untrusting = createRedisConnection({ url: redis.url, connectTimeoutMs: 2_000 });
    try {
      await expect(untrusting.ready()).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await untrusting.close();
    }
  });
});
