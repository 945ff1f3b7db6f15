#!/usr/bin/env node
/** The `azure-deploy` executable; see `azure-deploy help` and the package README. */
import { runCli } from './run-cli.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());

// No top-level await: the package also builds a CommonJS copy.
void runCli(process.argv.slice(2), { signal: controller.signal }).then((code) => {
  process.exitCode = code;
});
