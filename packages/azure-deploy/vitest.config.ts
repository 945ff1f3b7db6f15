import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@kidsstories/source'] },
  ssr: { resolve: { conditions: ['@kidsstories/source'] } },
  test: {
    name: '@kidsstories/azure-deploy',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
