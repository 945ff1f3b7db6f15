/**
 * The one deterministic random generator of the tool set (mulberry32): the offline story generator, the offline
 * pictures and the camera paths draw from it, so the same seed always gives the same story, picture and clip.
 */

/** Returns numbers in `[0, 1)`, the same sequence for the same seed. */
export type RandomSource = () => number;

/** A deterministic random source: the same seed yields the same sequence. */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `count` distinct elements (fewer when the list is shorter), in random order. */
  sample<T>(items: readonly T[], count: number): T[];
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A key chosen with probability proportional to its weight (weights <= 0 never chosen). */
  weighted<K extends string>(weights: Partial<Record<K, number>>): K;
}

/**
 * A mulberry32 generator as a bare function. The seed is any number; it is reduced to 32 bits.
 *
 * @example
 * ```ts
 * const random = createRandomSource(42);
 * const x = random(); // always the same for seed 42
 * ```
 */
export function createRandomSource(seed: number): RandomSource {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A mulberry32 generator ({@link createRandomSource}) with helpers to pick, sample and weigh.
 *
 * @example
 * ```ts
 * const random = createSeededRandom(42);
 * random.pick(['fox', 'owl']);
 * ```
 */
export function createSeededRandom(seed: number): SeededRandom {
  const next = createRandomSource(seed);
  const int = (maxExclusive: number) => Math.floor(next() * maxExclusive);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(items.length)] as T;
    },
    sample: <T>(items: readonly T[], count: number): T[] => {
      const pool = [...items];
      for (let index = pool.length - 1; index > 0; index--) {
        const other = int(index + 1);
        [pool[index], pool[other]] = [pool[other] as T, pool[index] as T];
      }
      return pool.slice(0, Math.max(0, count));
    },
    chance: (p: number) => next() < p,
    weighted: <K extends string>(weights: Partial<Record<K, number>>): K => {
      const entries = (Object.entries(weights) as [K, number][]).filter(([, weight]) => weight > 0);
      if (entries.length === 0) throw new RangeError('no positive weight');
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      return (entries[entries.length - 1] as [K, number])[0];
    },
  };
}

/** Derives the seed of regeneration attempt `attempt` (0 is the seed itself) from a base seed. */
export function deriveSeed(seed: number, attempt: number): number {
  if (attempt === 0) return seed;
  let hash = (seed ^ Math.imul(attempt, 0x9e3779b1)) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) & 0x7fffffff;
}

/** A number in `[min, max)` from `random`. */
export function randomBetween(random: RandomSource, min: number, max: number): number {
  return min + (max - min) * random();
}
