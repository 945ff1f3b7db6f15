#!/usr/bin/env node
/**
 * The `kidsstories-tools` executable: runs one KidsStories tool (`call`) or serves one server's tools as a
 * standalone MCP server (`serve`). See `kidsstories-tools help` and the package README.
 */
import { runCli } from './run-cli.js';

// A reader that stops early (`kidsstories-tools list | head`) closes the pipe: that ends the output, not in a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

// No top-level await: the package also builds a CommonJS copy.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Leave time for stdout to drain through a pipe, then exit even if a provider left a handle open.
  setTimeout(() => process.exit(code), 2000).unref();
});
