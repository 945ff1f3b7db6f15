import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    cli: 'src/cli.ts',
    'bench/index': 'src/bench/index.ts',
    'bench/gateway-child': 'src/bench/gateway-child.ts',
    'bench/soak-child': 'src/bench/soak-child.ts',
  },
  format: ['esm'],
  // One self-contained file per entry, so bench children resolve beside their parent.
  splitting: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
