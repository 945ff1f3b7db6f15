import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../../test/run-node.js';
import { readCallArgs } from './read-call-args.js';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const REPO_DIR = join(PACKAGE_DIR, '..', '..');
const BIN = join(PACKAGE_DIR, 'bin', 'kidsstories-tools.js');
/** A clean environment: no cloud keys leak in from the machine running the tests. */
const ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'error' };

function runBin(bin: string, args: string[], stdin?: string) {
  return runNode([bin, ...args], { env: ENV, cwd: work, ...(stdin === undefined ? {} : { stdin }) });
}

/** A PNG of noise: it does not compress, so its base64 is larger than one command-line argument may be. */
function noisyPng(seed: number): Buffer {
  const png = new PNG({ width: 192, height: 192 });
  png.data = Buffer.from(randomBytes(192 * 192 * 4).map((byte) => (byte + seed) % 256));
  return PNG.sync.write(png);
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kidsstories-cli-inputs-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the kidsstories-tools bin in a clone (issue 12 item 11)', () => {
  it('points at a committed file, not at a build that a fresh clone does not have', async () => {
    const manifest = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      files: string[];
    };
    const target = manifest.bin['kidsstories-tools'];
    expect(target).toBe('./bin/kidsstories-tools.js');
    expect(manifest.files).toContain('bin');
    await expect(readFile(join(PACKAGE_DIR, target!), 'utf8')).resolves.toMatch(/^#!\/usr\/bin\/env node/);
    // `npm ci` links bins from the lock file: a stale entry there leaves the command off the PATH.
    const lock = JSON.parse(await readFile(join(REPO_DIR, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { bin?: Record<string, string> }>;
    };
    expect(lock.packages['packages/kidsstories-tools']?.bin).toEqual({
      'kidsstories-tools': 'bin/kidsstories-tools.js',
    });
  });

  it('runs the sources through tsx when there is no build yet', async () => {
    // A clone before `npm run build`: the bin, the sources and the installed dependencies, but no dist/.
    const clone = join(work, 'clone');
    await mkdir(join(clone, 'bin'), { recursive: true });
    await copyFile(BIN, join(clone, 'bin', 'kidsstories-tools.js'));
    await writeFile(join(clone, 'package.json'), '{"type":"module"}');
    await symlink(join(PACKAGE_DIR, 'src'), join(clone, 'src'), 'dir');
    await symlink(join(REPO_DIR, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const result = await runBin(join(clone, 'bin', 'kidsstories-tools.js'), ['list']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('batch_render');
  });
});

describe('kidsstories-tools call with large arguments (issue 12 item 12)', () => {
  it('renders several clips from --args - (standard input), each picture larger than an argument may be', async () => {
    const clips = [1, 2, 3].map((seed) => ({
      png: noisyPng(seed).toString('base64'),
      motion: 'zoom_in',
      durationSec: 1,
      width: 64,
      height: 64,
    }));
    expect(clips[0]!.png.length).toBeGreaterThan(128 * 1024);
    const result = await runBin(BIN, ['call', 'batch_render', '--args', '-'], JSON.stringify({ clips }));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { structuredContent: { rendered: number; failed: number } };
    expect(printed.structuredContent).toMatchObject({ rendered: 3, failed: 0 });
  }, 120_000);

  it('reads --args @file.json with pictures given as @path', async () => {
    await writeFile(join(work, 'page1.png'), noisyPng(4));
    await writeFile(join(work, 'page2.png'), noisyPng(5));
    await writeFile(
      join(work, 'clips.json'),
      JSON.stringify({
        clips: [
          { png: '@page1.png', motion: 'pan_left', durationSec: 1, width: 64, height: 64 },
          { png: '@page2.png', motion: 'pan_right', durationSec: 1, width: 64, height: 64 },
        ],
      }),
    );
    const result = await runBin(BIN, ['call', 'batch_render', '--args', '@clips.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ structuredContent: { rendered: 2, failed: 0 } });
  }, 120_000);

  it('names the problem when a file cannot be read or is not a JSON object', () => {
    const reader = {
      readFile: (path: string) => {
        if (path === 'args.json') return Buffer.from('[1]');
        throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      },
      readStdin: () => Buffer.from('{"clips":[{"png":"@gone.png"}]}'),
    };
    expect(() => readCallArgs('@args.json', reader)).toThrow('--args @args.json must be a JSON object');
    expect(() => readCallArgs('@nowhere.json', reader)).toThrow('cannot read nowhere.json (ENOENT)');
    expect(() => readCallArgs('-', reader)).toThrow(
      expect.objectContaining({
        message: 'cannot read gone.png (ENOENT)',
        details: { field: 'clips.0.png', usage: true },
      }),
    );
    expect(readCallArgs('{"text":"@not-a-picture"}', reader)).toEqual({ text: '@not-a-picture' });
  });
});
