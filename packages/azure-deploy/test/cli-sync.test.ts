import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { type Azurite, startAzurite } from '../src/testing/index.js';
import { writeTestBundle } from './write-test-bundle.js';

let azurite: Azurite;
let root: string;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'azure-deploy-cli-'));
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString(), ...env },
  });
  return { code, stdout, stderr };
}

describe('azure-deploy sync and manifest', () => {
  it('uploads a bundle, then nothing on the second run (--json lists the files)', async () => {
    const dir = await writeTestBundle(root);
    const container = ['--container', 'cli-one'];
    const dry = await cli(['sync', dir, ...container, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, manifest: 'uploaded' });

    const first = await cli(['sync', dir, ...container, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.uploaded).toHaveLength(9);
    expect(report.uploaded[0]).toEqual(
      expect.objectContaining({
        path: expect.any(String),
        bytes: expect.any(Number),
        sha256: expect.any(String),
      }),
    );
    expect(report.skipped).toEqual([]);
    expect(report.failed).toEqual([]);

    const second = await cli(['sync', dir, ...container]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/uploaded 0 file\(s\), 0 B; skipped 9/);
    expect(second.stdout).toMatch(/manifest: skipped/);
    expect(second.stderr).toMatch(/skipped\s+pages\/01\.png/);

    const manifest = await cli(['manifest', dir, ...container, '--json']);
    expect(manifest.code).toBe(0);
    expect(JSON.parse(manifest.stdout)).toMatchObject({ outcome: 'skipped', stale: [] });
  });

  it('manifest refuses to publish when blobs are missing, and names them', async () => {
    const dir = await writeTestBundle(root);
    const result = await cli(['manifest', dir, '--container', 'cli-two']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/manifest not written: missing or different blobs: story\.json/);
  });

  it('usage errors exit 2 with a message naming the problem', async () => {
    expect((await cli(['sink'])).stderr).toMatch(/unknown command "sink"/);
    const bad = await cli(['sync', 'x', '--concurrency', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--concurrency must be a whole number/);
    const none = await runCli(['sync', join(root, 'missing')], {
      env: {},
      stdout: () => {},
      stderr: () => {},
    });
    expect(none).toBe(2);
    const missing = await cli(['sync', join(root, 'missing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no bundle at .*story-manifest\.json is missing/);
  });
});

describe('azure-deploy receive', () => {
  it('serves the receiver until stopped, and refuses to start without its secret', async () => {
    const controller = new AbortController();
    let stdout = '';
    const running = runCli(
      ['receive', '--port', '0', '--host', '127.0.0.1', '--repository', 'me/site', '--dry-run'],
      {
        env: { RELAY_SECRET: 'a-relay-secret-of-32-characters!' },
        stdout: (text) => {
          stdout += text;
        },
        stderr: () => {},
        signal: controller.signal,
      },
    );
    await expect.poll(() => stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /listening on (\S+)/.exec(stdout)?.[1] ?? '';
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const unauthorized = await fetch(url, { method: 'POST', body: '[]' });
    expect(unauthorized.status).toBe(401);
    controller.abort();
    expect(await running).toBe(0);

    let stderr = '';
    const code = await runCli(['receive', '--repository', 'me/site'], {
      env: { GITHUB_TOKEN: 't' },
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/relay secret must have at least 16 characters/);
  });
});

describe('azure-deploy workflow', () => {
  it('writes the workflow into a repository (dry run first)', async () => {
    const repo = join(root, 'repo');
    const dry = await cli(['workflow', repo, '--dry-run']);
    expect(dry.stdout).toMatch(/would be written: .*publish-site\.yml/);
    expect((await cli(['workflow', repo])).stdout).toMatch(/^written: /);
    const again = await cli(['workflow', repo, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged' });
  });
});

describe('azure-deploy infra', () => {
  it('writes the ARM template, then finds it unchanged', async () => {
    const out = join(root, 'infra');
    expect((await cli(['infra', out])).stdout).toMatch(/^written: .*azuredeploy\.json/);
    expect(JSON.parse((await cli(['infra', out, '--json'])).stdout)).toMatchObject({ outcome: 'unchanged' });
  });
});

describe('azure-deploy release', () => {
  it('prints the plan with --dry-run, and names missing flags', async () => {
    const base = [
      'release',
      '--resource-group',
      'rg',
      '--app',
      'site',
      '--image',
      'acr/site:abc',
      '--revision-suffix',
      'rabc',
    ];
    const dry = await cli([...base, '--cdn-profile', 'cdn', '--cdn-endpoint', 'web', '--dry-run', '--json'], {
      AZURE_SUBSCRIPTION_ID: 'sub-1',
    });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, subscriptionId: 'sub-1', appName: 'site' });
    expect(JSON.parse(dry.stdout).steps).toHaveLength(4);
    const missing = await cli(['release', '--app', 'site']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/release needs --revision-suffix/);
  });
});
