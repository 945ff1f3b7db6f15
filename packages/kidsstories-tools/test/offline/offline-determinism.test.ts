import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { offlineFingerprint } from './offline-fingerprint.js';

const run = promisify(execFile);

describe('offline determinism across processes (issue 13)', () => {
  it('gives the same story, picture, narration and clip for a seed in another process and on every call', async () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const child = fileURLToPath(new URL('./offline-fingerprint-child.ts', import.meta.url));
    const [here, again, other] = await Promise.all([
      offlineFingerprint(17),
      offlineFingerprint(17),
      run(process.execPath, ['--import', tsx, '--conditions=@kidsstories/source', child, '17'], {
        timeout: 60_000,
      }),
    ]);
    expect(again).toEqual(here);
    expect(JSON.parse(other.stdout)).toEqual(here);
    expect((await offlineFingerprint(18)).story).not.toBe(here.story);
  }, 90_000);
});
