import { defineProject } from 'vitest/config';

export default defineProject({
  // Inlined @actions/workflow-parser ships source maps without sources; Vite would warn once per file.
  logLevel: 'error',
  resolve: { conditions: ['@kidsstories/source'] },
  ssr: { resolve: { conditions: ['@kidsstories/source'] } },
  test: {
    name: '@kidsstories/azure-deploy',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // @actions/workflow-parser imports its JSON schema without an import attribute, which Node 20 refuses:
    // let Vite transform it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
