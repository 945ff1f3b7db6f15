import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The package's own `node_modules/.cache`, where a bundle's imports of the workspace's packages resolve. */
const CACHE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.cache');

/** A TypeScript fixture bundled into one `.mjs` file that plain Node runs (a stdio server's process). */
export interface NodeBundle {
  /** The bundled file. */
  entry: string;
  /** Removes the bundle's folder. */
  dispose(): Promise<void>;
}

/**
 * Bundles `source` (a TypeScript entry) into one ES module in a new folder named after `prefix`, its packages left
 * external, so a child process starts it in plain Node without a TypeScript loader.
 */
export async function bundleForNode(source: string, prefix: string): Promise<NodeBundle> {
  await mkdir(CACHE, { recursive: true });
  const folder = await mkdtemp(join(CACHE, `${prefix}-`));
  const entry = join(folder, `${basename(source).replace(/\.ts$/, '')}.mjs`);
  await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: entry,
    packages: 'external',
    logLevel: 'silent',
  });
  return { entry, dispose: () => rm(folder, { recursive: true, force: true }) };
}
