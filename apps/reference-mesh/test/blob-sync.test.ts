import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createContainerClient } from '@kidsstories/azure-deploy';
import {
  type Azurite,
  type ProxiedRequest,
  type RecordingProxy,
  startAzurite,
  startRecordingProxy,
} from '@kidsstories/azure-deploy/testing';
import type { OrchestrateOutput } from '@kidsstories/kidsstories-tools/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/cli/parse-command-line.js';
import { callTool } from './support/call-tool.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** The built `azure-deploy` command line, as a user runs it (`npx azure-deploy`). */
const AZURE_DEPLOY_CLI = join(
  dirname(createRequire(import.meta.url).resolve('@kidsstories/azure-deploy/package.json')),
  'dist/cli.js',
);
const CONTAINER = 'serve-sync';

let azurite: Azurite;
let proxy: RecordingProxy;
let out: string;
let server: ChildProcess | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await startRecordingProxy({ target: azurite.origin });
  out = await mkdtemp(join(tmpdir(), 'serve-blob-sync-'));
}, 120_000);
afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await proxy?.close();
  await azurite?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

/** Blob writes (not leases, not the sync lock) that succeeded, in the order they finished. */
const blobWrites = (requests: readonly ProxiedRequest[]) =>
  requests.filter(
    (request) =>
      request.method === 'PUT' &&
      request.status < 300 &&
      request.query.get('comp') !== 'lease' &&
      request.query.get('restype') !== 'container' &&
      !request.path.endsWith('.sync-lock'),
  );

/** Starts the built CLI's `serve` and resolves the gateway's MCP endpoint from its banner. */
async function serve(env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--out', out, '--blob-container', CONTAINER, '--instance-id', 'sync-test'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server = child;
  const errors: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => errors.push(line));
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${errors.join('\n')}`)), 60_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const url = /^Gateway MCP endpoint: (\S+)/.exec(line)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${errors.join('\n')}`));
    });
  });
}

async function orchestrate(url: string, ageBand: string): Promise<OrchestrateOutput> {
  const result = await callTool(url, 'orchestrate', { date: '2026-12-06', ageBand, pages: 1, clips: 0 });
  expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
  return result.structuredContent as OrchestrateOutput;
}

describe('serve --blob-container', () => {
  it('uploads each finished bundle on bundle.complete, manifest last; a second orchestrate uploads nothing', async () => {
    const url = await serve({ AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString(proxy.origin) });
    const container = createContainerClient({
      kind: 'connection-string',
      connectionString: azurite.connectionString(),
      containerName: CONTAINER,
    });
    const manifestBlob = (band: string) =>
      container.getBlobClient(`stories/2026-12-06/${band}/story-manifest.json`);
    const pathOf = (band: string) => `/devstoreaccount1/${CONTAINER}/stories/2026-12-06/${band}/`;

    const first = await orchestrate(url, '6-8');
    await expect.poll(() => manifestBlob('6-8').exists(), { timeout: 30_000, interval: 100 }).toBe(true);
    const uploaded = await manifestBlob('6-8').downloadToBuffer();
    expect(uploaded.toString('utf8')).toBe(
      await readFile(join(first.bundleDir, 'story-manifest.json'), 'utf8'),
    );
    const firstWrites = blobWrites(proxy.requests);
    expect(firstWrites.at(-1)?.path).toBe(`${pathOf('6-8')}story-manifest.json`);
    // Every file the manifest names was written before it.
    const manifest = JSON.parse(uploaded.toString('utf8')) as { assets: Array<{ path: string }> };
    const written = new Set(firstWrites.map((request) => request.path));
    for (const asset of manifest.assets) expect(written).toContain(`${pathOf('6-8')}${asset.path}`);
    const afterFirst = proxy.requests.length;

    // The same story again: the pipeline reuses the bundle and nothing is uploaded. Then another age band: only its
    // files go up. Events are consumed in order, so once its manifest is there any upload of the first is too.
    const again = await orchestrate(url, '6-8');
    expect(again.reused).toBe(true);
    await orchestrate(url, '3-5');
    await expect.poll(() => manifestBlob('3-5').exists(), { timeout: 30_000, interval: 100 }).toBe(true);
    const laterWrites = blobWrites(proxy.requests.slice(afterFirst));
    expect(laterWrites.length).toBeGreaterThan(0);
    expect(laterWrites.filter((request) => !request.path.startsWith(pathOf('3-5')))).toEqual([]);
    expect(laterWrites.at(-1)?.path).toBe(`${pathOf('3-5')}story-manifest.json`);
  }, 180_000);

  it.each([
    [['serve', '--blob-container', 'Bad_Name'], {}, /"Bad_Name" is not a Blob container name/],
    [
      ['serve', '--blob-container', 'stories'],
      {},
      /no Blob Storage connection: set AZURE_STORAGE_CONNECTION_STRING/,
    ],
    [
      ['serve'],
      { KIDSSTORIES_BLOB_CONTAINER: 'stories', AZURE_STORAGE_CONNECTION_STRING: 'nonsense' },
      /--blob-container stories: bad Blob Storage connection \(connection-string\)/,
    ],
    [
      ['serve', '--blob-container', 'stories'],
      { AZURE_STORAGE_ACCOUNT_URL: 'kids.blob.core.windows.net' },
      /AZURE_STORAGE_ACCOUNT_URL "kids.blob.core.windows.net" is not a URL/,
    ],
    [
      ['serve', '--role', 'media', '--blob-container', 'stories'],
      {},
      /--blob-container goes with the gateway/,
    ],
    [['run', '--blob-container', 'stories'], {}, /--blob-container goes with serve, not run/],
  ])('refuses %j %j', (argv, env, message) => {
    expect(() => parseCommandLine(argv, env)).toThrow(UsageError);
    expect(() => parseCommandLine(argv, env)).toThrow(message);
  });

  it('reads the container and connection from the environment; the built CLI exits 2 on a bad one', () => {
    const env = {
      KIDSSTORIES_BLOB_CONTAINER: 'daily',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString(),
    };
    expect(parseCommandLine(['serve'], env)).toMatchObject({
      blobSync: { kind: 'connection-string', containerName: 'daily' },
    });
    expect(parseCommandLine(['serve', '--role', 'text'], env)).not.toHaveProperty('blobSync');
    expect(parseCommandLine(['serve'], {})).not.toHaveProperty('blobSync');
    const result = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--blob-container', 'stories'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(/kidsstories-mesh: --blob-container stories: no Blob Storage connection/);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  }, 90_000);
});

/** Runs a built CLI to its end (killed after `timeoutMs`) and resolves its exit code and output. */
function run(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.slice(1).join(' ')} did not end in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// Issue 14's "Done when": `azure-deploy sync` on the bundle that `npm start` (the run command) wrote, against
// Azurite, uploads it, and a second sync uploads nothing.
describe('azure-deploy sync on the bundle npm start wrote', () => {
  it('uploads every file of the bundle, then nothing', async () => {
    const runOut = await mkdtemp(join(tmpdir(), 'npm-start-sync-'));
    try {
      const made = await run([
        CLI,
        'run',
        '--date',
        '2026-12-07',
        '--pages',
        '2',
        '--clips',
        '0',
        '--out',
        runOut,
        '--no-site',
        '--json',
      ]);
      expect(made.code, made.stderr).toBe(0);
      const bundle = (JSON.parse(made.stdout) as { bundles: Array<{ dir: string }> }).bundles[0];
      expect(bundle?.dir).toBe(join(runOut, 'stories/2026-12-07/6-8'));
      const dir = bundle?.dir ?? '';
      const manifest = JSON.parse(await readFile(join(dir, 'story-manifest.json'), 'utf8')) as {
        assets: Array<{ path: string; bytes: number }>;
      };
      const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString() };
      const sync = () => run([AZURE_DEPLOY_CLI, 'sync', dir, '--container', 'npm-start', '--json'], env);

      const first = await sync();
      expect(first.code, first.stderr).toBe(0);
      const uploaded = JSON.parse(first.stdout);
      expect(uploaded).toMatchObject({
        prefix: 'stories/2026-12-07/6-8/',
        manifest: 'uploaded',
        failed: [],
        skipped: [],
      });
      expect(uploaded.uploaded.map((file: { path: string }) => file.path).sort()).toEqual(
        manifest.assets.map((asset) => asset.path).sort(),
      );
      expect(uploaded.uploadedBytes).toBe(manifest.assets.reduce((sum, asset) => sum + asset.bytes, 0));

      const second = await sync();
      expect(second.code, second.stderr).toBe(0);
      const skipped = JSON.parse(second.stdout);
      expect(skipped).toMatchObject({ uploaded: [], failed: [], manifest: 'skipped', uploadedBytes: 0 });
      expect(skipped.skipped).toHaveLength(manifest.assets.length);
    } finally {
      await rm(runOut, { recursive: true, force: true });
    }
  }, 400_000);
});
