import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  // No declaration files: the app is private, and every TypeScript reader in the workspace resolves its sources
  // through the `@kidsstories/source` condition (tsconfig.base.json). They took 20-40 s of every build.
  sourcemap: true,
  clean: true,
  target: 'node20',
});
