import { copyFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  // `cli` sits at the dist root so the offline providers find their worker scripts beside the bundle.
  entry: {
    index: 'src/index.ts',
    bundle: 'src/bundle/index.ts',
    pipeline: 'src/pipeline/index.ts',
    testing: 'src/testing/index.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  // Declarations for what the package exports; the CLI is a bin, not an import.
  dts: {
    entry: {
      index: 'src/index.ts',
      bundle: 'src/bundle/index.ts',
      pipeline: 'src/pipeline/index.ts',
      testing: 'src/testing/index.ts',
    },
  },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The offline providers locate their worker scripts with import.meta.url, also in the CJS build.
  shims: true,
  // The testing subpath imports vitest (through @kidsstories/mesh-core/testing): never bundle it.
  external: ['vitest'],
  // Worker threads load plain .mjs files (see src/providers/offline/*-worker.mjs): copy them beside the bundles.
  onSuccess: async () => {
    for (const worker of ['flite-worker.mjs', 'video-worker.mjs']) {
      await copyFile(`src/providers/offline/${worker}`, `dist/${worker}`);
    }
  },
});
