// Builds every package for `npm start` and `npm run bench` without printing the build's own output: a newcomer sees
// the program's banner and progress. On a failure the captured output is printed and the exit code kept.
import { spawnSync } from 'node:child_process';

const result = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
  encoding: 'utf8',
  env: { ...process.env, FORCE_COLOR: '0' },
});
if (result.status !== 0) {
  process.stderr.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  process.stderr.write('The build failed (output above).\n');
  process.exit(result.status ?? 1);
}
