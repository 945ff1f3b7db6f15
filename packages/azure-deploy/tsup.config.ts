import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  // Declarations for what the package exports; the CLI is a bin, not an import.
  dts: { entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The templates are located with import.meta.url, also in the CommonJS build.
  shims: true,
});
