import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContainerClient, syncBundle } from '@kidsstories/azure-deploy';
import { type Azurite, startAzurite } from '@kidsstories/azure-deploy/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, downloadBundles } from '../src/index.js';
import { writeSampleBundles } from '../src/testing/index.js';
import { treeHashes } from './tree-hashes.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const CONTAINER = 'site-input';

let azurite: Azurite;
let root: string;
let bundlesDir: string;

const container = () =>
  createContainerClient({
    kind: 'connection-string',
    connectionString: azurite.connectionString(),
    containerName: CONTAINER,
  });

beforeAll(async () => {
  azurite = await startAzurite();
  root = await mkdtemp(join(tmpdir(), 'story-site-blob-'));
  bundlesDir = join(root, 'bundles');
  const good = await writeSampleBundles(bundlesDir, { dates: ['2026-12-06'] });
  // An older day: its 6-8 bundle gets a damaged picture and its 3-5 bundle loses its narration, in the folder and
  // in the container alike.
  const older = await writeSampleBundles(bundlesDir, { dates: ['2026-12-05'], ageBands: ['3-5', '6-8'] });
  for (const dir of [...good, ...older]) {
    const report = await syncBundle(dir, { container: container() });
    expect(report.failed).toEqual([]);
  }
  const junk = 'not the picture the manifest names';
  await writeFile(join(bundlesDir, 'stories/2026-12-05/6-8/pages/01.png'), junk);
  await container().getBlockBlobClient('stories/2026-12-05/6-8/pages/01.png').upload(junk, junk.length);
  await rm(join(bundlesDir, 'stories/2026-12-05/3-5/pages/01.mp3'));
  await container().getBlobClient('stories/2026-12-05/3-5/pages/01.mp3').delete();
});

afterAll(async () => {
  await azurite?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the story site from a Blob container', () => {
  it('downloads only the manifests and the assets they name', async () => {
    // A blob no manifest names, beside a bundle: never downloaded.
    await container().getBlockBlobClient('stories/2026-12-06/6-8/notes.txt').upload('draft', 5);
    const dest = join(root, 'download');
    const downloaded = await downloadBundles({ container: container(), destDir: dest });
    expect(downloaded.bundles.map((bundle) => bundle.blobPrefix)).toEqual([
      'stories/2026-12-05/6-8/',
      'stories/2026-12-06/3-5/',
      'stories/2026-12-06/6-8/',
      'stories/2026-12-06/9-12/',
    ]);
    expect(downloaded.skipped).toEqual([
      {
        dir: `${CONTAINER}/stories/2026-12-05/3-5/`,
        reason: expect.stringMatching(/a blob its manifest names is missing: .*pages\/01\.mp3/),
      },
    ]);
    const files = Object.keys(await treeHashes(dest));
    expect(files).not.toContain('stories/2026-12-06/6-8/notes.txt');
    const manifest = JSON.parse(
      await readFile(join(dest, 'stories/2026-12-06/6-8/story-manifest.json'), 'utf8'),
    ) as { assets: Array<{ path: string }> };
    expect(files.filter((file) => file.startsWith('stories/2026-12-06/6-8/')).sort()).toEqual(
      ['story-manifest.json', ...manifest.assets.map((asset) => asset.path)]
        .map((path) => `stories/2026-12-06/6-8/${path}`)
        .sort(),
    );
    await expect(
      downloadBundles({ container: container(), destDir: dest, prefix: 'stories' }),
    ).rejects.toThrow(/--prefix must end with "\/"/);
  });

  it('story-site build --container gives the same site as the folder, leaving out the same bundles', async () => {
    const fromFolder = await buildSite({ bundlesDir, outDir: join(root, 'site-folder') });
    expect(fromFolder.stories).toBe(3);
    const out = join(root, 'site-blob');
    const cli = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [CLI, 'build', '--container', CONTAINER, '--prefix', 'stories/', '--out', out],
          {
            env: { ...process.env, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString() },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(
      new RegExp(`left out ${CONTAINER}/stories/2026-12-05/3-5/: a blob its manifest names is missing`),
    );
    expect(cli.stdout).toMatch(
      new RegExp(`left out ${CONTAINER}/stories/2026-12-05/6-8/: pages/01\\.png: .*bytes on disk`),
    );
    expect(cli.stdout).toMatch(/built 3 stories \(\d+ pages\) into .*; 2 bundle\(s\) left out/);
    // Same bundles in, same bytes out: every page and media file is identical.
    expect(await treeHashes(out)).toEqual(await treeHashes(fromFolder.outDir));
  }, 600_000);
});
