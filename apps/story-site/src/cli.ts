#!/usr/bin/env node
/**
 * `story-site`: build the static story site from a folder of bundles, or serve a built site locally.
 *
 *   story-site build --bundles out --out out/site
 *   story-site preview --dir out/site [--port 4173]
 *
 * `npm run build -w apps/story-site` compiles this package and then runs `story-site build` with the arguments
 * given after `--`; without `--bundles` it only compiles.
 */
import { parseArgs } from 'node:util';
import { createJsonLogger } from '@kidsstories/mesh-core';
import { buildSite } from './build-site.js';
import { previewSite } from './preview-site.js';

const USAGE = 'usage: story-site build --bundles DIR --out DIR | story-site preview --dir DIR [--port N]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      bundles: { type: 'string' },
      out: { type: 'string' },
      dir: { type: 'string' },
      port: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (command === 'build') {
    if (!values.bundles) {
      process.stdout.write('story-site compiled; to build the site pass -- --bundles DIR --out DIR\n');
      return;
    }
    if (!values.out) throw new Error(`--out is required with --bundles\n${USAGE}`);
    const logger = createJsonLogger({ level: 'warn' });
    const result = await buildSite({ bundlesDir: values.bundles, outDir: values.out, logger });
    for (const { dir, reason } of result.skipped) process.stdout.write(`left out ${dir}: ${reason}\n`);
    process.stdout.write(
      `built ${result.stories} stories (${result.pages} pages) into ${result.outDir}` +
        `${result.skipped.length > 0 ? `; ${result.skipped.length} bundle(s) left out` : ''}\n`,
    );
    return;
  }
  if (command === 'preview') {
    if (!values.dir) throw new Error(`--dir is required\n${USAGE}`);
    const preview = await previewSite({ dir: values.dir, port: Number(values.port ?? 4173) });
    process.stdout.write(`story site at ${preview.url} (Ctrl+C stops it)\n`);
    const stop = () => void preview.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  throw new Error(USAGE);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
