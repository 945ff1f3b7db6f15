import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth } from './json-depth.js';

describe('exceedsJsonDepth', () => {
  it('counts objects and arrays as levels, scalars as none', () => {
    expect(exceedsJsonDepth('text', 0)).toBe(false);
    expect(exceedsJsonDepth({}, 1)).toBe(false);
    expect(exceedsJsonDepth({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(exceedsJsonDepth({ a: [{ b: 1 }] }, 2)).toBe(true);
    expect(exceedsJsonDepth([[], [[]]], 3)).toBe(false);
    expect(exceedsJsonDepth([[], [[]]], 2)).toBe(true);
  });

  it('walks 100 000 levels without touching the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(exceedsJsonDepth(deep, 64)).toBe(true);
    expect(exceedsJsonDepth(deep, 100_000)).toBe(false);
  });
});
