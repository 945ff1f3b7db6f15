import { defineConfig } from 'tsup';

// One entry per subpath of package.json "exports" (README "What to import from where").
const SUBPATHS = [
  'host',
  'link',
  'gateway',
  'ports',
  'wire',
  'observability',
  'resilience',
  'testing',
] as const;

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    ...Object.fromEntries(SUBPATHS.map((subpath) => [`${subpath}/index`, `src/${subpath}/index.ts`])),
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  external: ['vitest'],
});
