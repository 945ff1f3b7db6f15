import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUserPath, userDirectory } from '../src/user-path.js';

const CLI = resolve(import.meta.dirname, '../dist/cli.js');

describe('paths on the command line', () => {
  it('are read from the folder the command was typed in (INIT_CWD), else the process folder', () => {
    expect(userDirectory({ INIT_CWD: '/home/reader' })).toBe('/home/reader');
    expect(resolveUserPath('out/site', { INIT_CWD: '/home/reader' })).toBe('/home/reader/out/site');
    expect(resolveUserPath('/srv/site', { INIT_CWD: '/home/reader' })).toBe('/srv/site');
    expect(userDirectory({})).toBe(process.cwd());
  });

  describe('story-site preview, run by npm in the workspace folder', () => {
    let root: string;
    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'story-site-cli-'));
      await mkdir(join(root, 'typed-here', 'out', 'site'), { recursive: true });
      await writeFile(
        join(root, 'typed-here', 'out', 'site', 'index.html'),
        '<!doctype html><title>home</title>',
      );
      await mkdir(join(root, 'workspace'));
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('serves the --dir the user named relative to where they typed it', async () => {
      // As `npm run preview -w apps/story-site -- --dir out/site` runs it: cwd the workspace, INIT_CWD the user's.
      const child = spawn(process.execPath, [CLI, 'preview', '--dir', 'out/site', '--port', '0'], {
        cwd: join(root, 'workspace'),
        env: { ...process.env, INIT_CWD: join(root, 'typed-here') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await new Promise<string>((resolveUrl, reject) => {
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const match = /story site at (\S+)/.exec(output);
            if (match?.[1]) resolveUrl(match[1]);
          });
          child.stderr.on('data', (chunk: Buffer) => {
            output += chunk.toString();
          });
          child.on('exit', (code) => reject(new Error(`preview exited ${code}: ${output}`)));
        });
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('<title>home</title>');
      } finally {
        child.kill('SIGTERM');
      }
    });
  });
});
