#!/usr/bin/env node
// The `kidsstories-tools` command. An installed package runs its build (`dist/cli.js`). In a clone of the
// repository before `npm run build` there is no build yet: the TypeScript sources run through `tsx` (a
// development dependency of the repository) instead, so `npx kidsstories-tools` works right after `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);

if (existsSync(built)) {
  await import(built.href);
} else if (existsSync(source)) {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write(
      'kidsstories-tools: no build found (dist/cli.js) and tsx is not installed to run the sources; ' +
        'run `npm ci` and `npm run build` in the repository first.\n',
    );
    process.exit(1);
  }
  const run = spawnSync(
    process.execPath,
    ['--conditions=@kidsstories/source', '--import', tsx, fileURLToPath(source), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(run.status ?? 1);
} else {
  process.stderr.write('kidsstories-tools: this installation has no dist/cli.js; reinstall the package.\n');
  process.exit(1);
}
