import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@kidsstories/source'] },
  ssr: { resolve: { conditions: ['@kidsstories/source'] } },
  test: {
    name: '@kidsstories/story-site',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
