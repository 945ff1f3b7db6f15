import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { readBundle, storyManifestSchema } from '@kidsstories/kidsstories-tools/bundle';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_CONTROL, syncBundle } from '../src/index.js';
import {
  type Azurite,
  type RecordingProxy,
  startAzurite,
  startRecordingProxy,
} from '../src/testing/index.js';
import { writeTestBundle } from './write-test-bundle.js';

let azurite: Azurite;
let root: string;
let containerName: string;
const proxies: RecordingProxy[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'azure-deploy-sync-'));
  containerName = `c${Math.random().toString(36).slice(2, 12)}`;
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await rm(root, { recursive: true, force: true });
});

/** A container client straight to Azurite, or through `proxy`; SDK retries off unless asked. */
function containerVia(proxy?: RecordingProxy, maxTries = 1): ContainerClient {
  return BlobServiceClient.fromConnectionString(azurite.connectionString(proxy?.origin), {
    retryOptions: { maxTries, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
  }).getContainerClient(containerName);
}

async function proxy(fail?: Parameters<typeof startRecordingProxy>[0]['fail']): Promise<RecordingProxy> {
  const started = await startRecordingProxy({ target: azurite.origin, ...(fail && { fail }) });
  proxies.push(started);
  return started;
}

/** Every blob under the container with its SHA-256 (of the downloaded bytes) and metadata hash. */
async function blobsOf(container: ContainerClient) {
  const blobs = new Map<
    string,
    { sha256: string; metadataSha256?: string; cacheControl?: string; type?: string }
  >();
  for await (const item of container.listBlobsFlat({ includeMetadata: true })) {
    const data = await container.getBlobClient(item.name).downloadToBuffer();
    blobs.set(item.name, {
      sha256: createHash('sha256').update(data).digest('hex'),
      ...(item.metadata?.sha256 !== undefined && { metadataSha256: item.metadata.sha256 }),
      ...(item.properties.cacheControl !== undefined && { cacheControl: item.properties.cacheControl }),
      ...(item.properties.contentType !== undefined && { type: item.properties.contentType }),
    });
  }
  return blobs;
}

/** Successful blob writes (not lease calls, not the lock blob), in order. */
const blobWrites = (recording: RecordingProxy) =>
  recording.requests.filter(
    (request) =>
      request.method === 'PUT' &&
      request.status < 300 &&
      request.query.get('comp') !== 'lease' &&
      !request.path.endsWith('.sync-lock'),
  );

/** Checks that the container's manifest names only blobs holding exactly the bytes it lists. */
async function expectConsistent(container: ContainerClient, prefix: string) {
  const blobs = await blobsOf(container);
  const manifestBlob = await container.getBlobClient(`${prefix}story-manifest.json`).downloadToBuffer();
  const manifest = storyManifestSchema.parse(JSON.parse(manifestBlob.toString('utf8')));
  for (const asset of manifest.assets) {
    expect(blobs.get(`${prefix}${asset.path}`)?.sha256, asset.path).toBe(asset.sha256);
  }
  return manifest;
}

const PREFIX = 'stories/2026-12-06/6-8/';

describe('syncBundle against Azurite', () => {
  it('uploads everything once, then nothing; a changed file is uploaded again', async () => {
    const dir = await writeTestBundle(root);
    const container = containerVia();
    const first = await syncBundle(dir, { container });
    const { manifest } = await readBundle(dir);
    expect(first.prefix).toBe(PREFIX);
    expect(first.uploaded.map((file) => file.path).sort()).toEqual(manifest.assets.map((a) => a.path).sort());
    expect(first.skipped).toEqual([]);
    expect(first.failed).toEqual([]);
    expect(first.manifest).toBe('uploaded');
    expect(first.uploadedBytes).toBe(manifest.assets.reduce((sum, asset) => sum + asset.bytes, 0));

    const blobs = await blobsOf(container);
    expect(blobs.get(`${PREFIX}pages/01.png`)).toMatchObject({
      type: 'image/png',
      cacheControl: CACHE_CONTROL.media,
    });
    expect(blobs.get(`${PREFIX}story.json`)?.cacheControl).toBe(CACHE_CONTROL.json);
    expect(blobs.get(`${PREFIX}story-manifest.json`)?.cacheControl).toBe(CACHE_CONTROL.manifest);
    for (const [name, blob] of blobs) {
      if (name.startsWith(PREFIX)) expect(blob.metadataSha256, name).toBe(blob.sha256);
    }
    expect(blobs.has('stories/2026-12-06/6-8.sync-lock')).toBe(true);
    await expectConsistent(container, PREFIX);

    const second = await syncBundle(dir, { container });
    expect(second.uploaded).toEqual([]);
    expect(second.skipped).toHaveLength(manifest.assets.length);
    expect(second.manifest).toBe('skipped');

    await writeTestBundle(root, { pictureBytes: 3000 });
    const third = await syncBundle(dir, { container });
    expect(third.uploaded.map((file) => file.path).sort()).toEqual([
      'pages/01.png',
      'pages/02.png',
      'pages/03.png',
    ]);
    expect(third.manifest).toBe('uploaded');
    const rebuilt = await expectConsistent(container, PREFIX);
    expect(rebuilt.assets.find((asset) => asset.path === 'pages/01.png')?.bytes).toBe(3000);
  });

  it('keeps to the concurrency limit and writes the manifest last, rebuilt from the blobs', async () => {
    const dir = await writeTestBundle(root, { pages: 12 });
    for (const concurrency of [4, 2]) {
      containerName = `c${concurrency}${Math.random().toString(36).slice(2, 10)}`;
      const recording = await proxy();
      const report = await syncBundle(dir, { container: containerVia(recording), concurrency });
      expect(report.uploaded).toHaveLength(27);
      expect(recording.maxInFlight).toBeLessThanOrEqual(concurrency);
      expect(recording.maxInFlight).toBe(concurrency);
      const writes = blobWrites(recording);
      expect(writes.at(-1)?.path).toBe(`/devstoreaccount1/${containerName}/${PREFIX}story-manifest.json`);
      const manifest = await expectConsistent(containerVia(), PREFIX);
      expect(manifest.assets).toHaveLength(27);
    }
  });

  it('two syncs at once end with one consistent set', async () => {
    const dir = await writeTestBundle(root);
    const [a, b] = await Promise.all([
      syncBundle(dir, { container: containerVia() }),
      syncBundle(dir, { container: containerVia() }),
    ]);
    expect(a.failed).toEqual([]);
    expect(b.failed).toEqual([]);
    // Each file was written by exactly one of them; the other found it in place.
    expect(a.uploaded.length + b.uploaded.length).toBe(9);
    expect(a.uploaded.length + a.skipped.length).toBe(9);
    await expectConsistent(containerVia(), PREFIX);

    // Two different versions of the same day's bundle, synced at once: whichever wins, the manifest matches.
    const other = await writeTestBundle(join(root, 'other'), { variant: 1 });
    const again = await writeTestBundle(join(root, 'again'), { variant: 2 });
    const reports = await Promise.all([
      syncBundle(other, { container: containerVia(), retryInitialDelayMs: 50 }),
      syncBundle(again, { container: containerVia(), retryInitialDelayMs: 50 }),
    ]);
    // The last to verify wins; a sync that keeps losing the race says so, and never leaves a mixed set.
    expect(reports.some((report) => report.failed.length === 0)).toBe(true);
    for (const report of reports) {
      for (const file of report.failed) expect(file.error).toMatch(/another writer/);
    }
    const manifest = await expectConsistent(containerVia(), PREFIX);
    expect(['run-1', 'run-2']).toContain(manifest.runId);
  });

  it('loses nothing when 20% of block uploads fail, and still writes the manifest last', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const flaky = await proxy((request) => request.method === 'PUT' && random() < 0.2);
    const dir = await writeTestBundle(root, { pages: 6, pictureBytes: 5000 });
    const report = await syncBundle(dir, {
      container: containerVia(flaky),
      // 2 KiB blocks: the 5 000-byte pictures go up as three blocks and a block list.
      maxSingleShotBytes: 2048,
      blockBytes: 2048,
      maxRounds: 20,
      retryInitialDelayMs: 1,
      retryMaxDelayMs: 5,
    });
    expect(flaky.requests.filter((request) => request.injected).length).toBeGreaterThan(3);
    expect(flaky.requests.some((request) => request.query.get('comp') === 'block')).toBe(true);
    expect(report.failed).toEqual([]);
    expect(report.manifest).toBe('uploaded');
    expect(report.rounds).toBeGreaterThan(1);
    const manifest = await expectConsistent(containerVia(), PREFIX);
    expect(manifest.assets).toHaveLength(15);
    const writes = blobWrites(flaky);
    expect(writes.at(-1)?.path).toMatch(/story-manifest\.json$/);
  });

  it('a file that keeps failing is reported, the manifest is not written, and the next sync finishes it', async () => {
    const dir = await writeTestBundle(root);
    const broken = await proxy((request) => request.method === 'PUT' && /02\.mp3/.test(request.url ?? ''));
    const report = await syncBundle(dir, {
      container: containerVia(broken),
      maxRounds: 3,
      retryInitialDelayMs: 1,
    });
    expect(report.failed.map((file) => file.path)).toEqual(['pages/02.mp3']);
    expect(report.failed[0]?.error).toMatch(/injected|ServerBusy|503/);
    expect(report.failedBytes).toBe(512);
    expect(report.uploaded).toHaveLength(8);
    expect(report.manifest).toBe('not-written');
    expect(await containerVia().getBlobClient(`${PREFIX}story-manifest.json`).exists()).toBe(false);

    const next = await syncBundle(dir, { container: containerVia() });
    expect(next.uploaded.map((file) => file.path)).toEqual(['pages/02.mp3']);
    expect(next.manifest).toBe('uploaded');
    await expectConsistent(containerVia(), PREFIX);
  });

  it('a dry run writes nothing and reports what it would upload', async () => {
    const dir = await writeTestBundle(root);
    const report = await syncBundle(dir, { container: containerVia(), dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.uploaded).toHaveLength(9);
    expect(await containerVia().exists()).toBe(false);

    await syncBundle(dir, { container: containerVia() });
    await writeTestBundle(root, { pictureBytes: 100 });
    const after = await syncBundle(dir, { container: containerVia(), dryRun: true });
    expect(after.uploaded).toHaveLength(3);
    expect(after.skipped).toHaveLength(6);
    expect(after.manifest).toBe('uploaded');
    const stored = await containerVia().getBlobClient(`${PREFIX}pages/01.png`).getProperties();
    expect(stored.contentLength).toBe(2048);
  });
});
