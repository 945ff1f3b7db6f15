#!/usr/bin/env node
/**
 * `story-site`: build the static story site from a folder of bundles or a Blob container, or serve a built site
 * locally.
 *
 *   story-site build --bundles out --out out/site
 *   story-site build --container stories [--prefix stories/] --out site   (connection as azure-deploy reads it)
 *   story-site preview --dir out/site [--port 4173]
 *
 * `npm run build -w apps/story-site` compiles this package and then runs `story-site build` with the arguments
 * given after `--`; without `--bundles` or `--container` it only compiles. Relative paths are read from the folder
 * the command was typed in (npm's `INIT_CWD`), not the workspace's folder npm runs the script in.
 */
import { parseArgs } from 'node:util';
import { createContainerClient, resolveBlobConnection } from '@kidsstories/azure-deploy';
import { createJsonLogger } from '@kidsstories/mesh-core';
import { buildSite } from './build-site.js';
import { buildSiteFromBlob } from './build-site-from-blob.js';
import { previewSite } from './preview-site.js';
import { resolveUserPath } from './user-path.js';

const USAGE = `usage:
  story-site build --bundles DIR --out DIR
  story-site build --container NAME [--prefix stories/] --out DIR
      [--connection-string TEXT | --account-url URL | --sas-url URL]
      the bundles in a Blob container; the connection as azure-deploy reads it (flags, else
      AZURE_STORAGE_SAS_URL, AZURE_STORAGE_ACCOUNT_URL with Entra ID, or AZURE_STORAGE_CONNECTION_STRING)
  story-site preview --dir DIR [--port N]`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      bundles: { type: 'string' },
      container: { type: 'string' },
      prefix: { type: 'string' },
      'connection-string': { type: 'string' },
      'account-url': { type: 'string' },
      'sas-url': { type: 'string' },
      out: { type: 'string' },
      dir: { type: 'string' },
      port: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (command === 'build') {
    const fromBlob = values.container !== undefined || values['sas-url'] !== undefined;
    if (!values.bundles && !fromBlob) {
      process.stdout.write(
        'story-site compiled; to build the site pass -- --bundles DIR --out DIR (or --container NAME --out DIR)\n',
      );
      return;
    }
    if (values.bundles && fromBlob) throw new Error(`--bundles and --container do not go together\n${USAGE}`);
    if (!values.out) throw new Error(`--out is required\n${USAGE}`);
    if (!fromBlob && values.prefix !== undefined) throw new Error(`--prefix goes with --container\n${USAGE}`);
    const logger = createJsonLogger({ level: 'warn' });
    const result = fromBlob
      ? await buildSiteFromBlob({
          container: createContainerClient(
            resolveBlobConnection({
              ...(values.container !== undefined && { containerName: values.container }),
              ...(values['connection-string'] !== undefined && {
                connectionString: values['connection-string'],
              }),
              ...(values['account-url'] !== undefined && { accountUrl: values['account-url'] }),
              ...(values['sas-url'] !== undefined && { sasUrl: values['sas-url'] }),
            }),
          ),
          ...(values.prefix !== undefined && { prefix: values.prefix }),
          outDir: resolveUserPath(values.out),
          logger,
        })
      : await buildSite({
          bundlesDir: resolveUserPath(values.bundles ?? ''),
          outDir: resolveUserPath(values.out),
          logger,
        });
    for (const { dir, reason } of result.skipped) process.stdout.write(`left out ${dir}: ${reason}\n`);
    process.stdout.write(
      `built ${result.stories} stories (${result.pages} pages) into ${result.outDir}` +
        `${result.skipped.length > 0 ? `; ${result.skipped.length} bundle(s) left out` : ''}\n`,
    );
    return;
  }
  if (command === 'preview') {
    if (!values.dir) throw new Error(`--dir is required\n${USAGE}`);
    const preview = await previewSite({
      dir: resolveUserPath(values.dir),
      port: Number(values.port ?? 4173),
    });
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
