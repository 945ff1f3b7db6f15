import { describe, expect, it } from 'vitest';
import { createRandomSource, createSeededRandom, randomBetween } from './seeded-random.js';

describe('the one seeded random', () => {
  it('gives the same sequence for the same seed, and the helpers draw from it', () => {
    const a = createRandomSource(42);
    const b = createSeededRandom(42);
    const draws = [a(), a(), a()];
    expect([b.next(), b.next(), b.next()]).toEqual(draws);
    for (const x of draws) expect(x >= 0 && x < 1).toBe(true);
    expect(createRandomSource(43)()).not.toBe(draws[0]);
    const c = createRandomSource(42);
    expect(randomBetween(c, 10, 20)).toBe(10 + 10 * (draws[0] as number));
  });
});
