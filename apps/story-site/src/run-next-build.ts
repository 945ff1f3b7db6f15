import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { MeshError } from '@kidsstories/mesh-core';

/** Lines of Next's output kept for the error message of a failed build. */
const OUTPUT_LINES_KEPT = 40;

/** Options of {@link runNextBuild}. */
export interface RunNextBuildOptions {
  /** The Next project folder (`next.config.mjs`, `app/`, `site-data.json`). */
  projectDir: string;
  /** The build id, written into the output (`generateBuildId`). */
  buildId: string;
  /** Cancels the build (the child process is killed). */
  signal?: AbortSignal;
}

/**
 * Runs `next build` (a static export, into `projectDir/out`) in a child process with telemetry off.
 *
 * @throws MeshError `internal` when Next fails, with the end of its output; `canceled` when `signal` aborts.
 */
export async function runNextBuild(options: RunNextBuildOptions): Promise<void> {
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  const child = spawn(process.execPath, [nextBin, 'build'], {
    cwd: options.projectDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      STORY_SITE_BUILD_ID: options.buildId,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n'));
    output.splice(0, Math.max(0, output.length - OUTPUT_LINES_KEPT));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).catch((error: unknown) => {
    if (options.signal?.aborted)
      throw new MeshError('the site build was canceled', 'canceled', { cause: error });
    throw error;
  });
  if (code !== 0) {
    throw new MeshError(`next build failed (exit code ${code}):\n${output.join('\n').trim()}`, 'internal', {
      details: { projectDir: options.projectDir, exitCode: code },
    });
  }
}
