/**
 * A small deterministic pseudo-random generator (mulberry32) for the offline media providers: the same seed
 * always draws the same picture and the same camera path.
 */

/** Returns numbers in `[0, 1)`, the same sequence for the same seed. */
export type RandomSource = () => number;

/**
 * Creates a mulberry32 generator. The seed is any number; it is reduced to 32 bits.
 *
 * @example
 * ```ts
 * const random = createSeededRandom(42);
 * const x = random(); // always the same for seed 42
 * ```
 */
export function createSeededRandom(seed: number): RandomSource {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number in `[min, max)` from `random`. */
export function randomBetween(random: RandomSource, min: number, max: number): number {
  return min + (max - min) * random();
}
