/**
 * Writes docs/parameters.md (at the repository root) from the parameter table.
 * `--check` exits with code 1 instead when the committed file is out of date.
 *
 * Run: `npm run generate:parameters-doc -w @kidsstories/kidsstories-tools [-- --check]`
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderParametersDoc } from '../src/parameters/parameters-doc.js';

const target = fileURLToPath(new URL('../../../docs/parameters.md', import.meta.url));
const expected = renderParametersDoc();

if (process.argv.includes('--check')) {
  const actual = await readFile(target, 'utf8').catch(() => '');
  if (actual !== expected) {
    process.stderr.write(`${target} is out of date: run npm run generate:parameters-doc\n`);
    process.exit(1);
  }
  process.stdout.write(`${target} is up to date\n`);
} else {
  await writeFile(target, expected);
  process.stdout.write(`wrote ${target}\n`);
}
