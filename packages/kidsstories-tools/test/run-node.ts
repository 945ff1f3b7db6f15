import { spawn } from 'node:child_process';

/** How a child `node` process ended. */
export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` with `env` (and `cwd`), writes `stdin` to it, and resolves what it printed. */
export function runNode(
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: string },
): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], {
      env: options.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A run that fails before reading its input closes the pipe: that is its answer, not a test failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}
