import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { meshErrorFromRedis } from './mesh-error-from-redis.js';

/** A Lua script run with EVALSHA, falling back to EVAL once when the server does not have it cached. */
export interface RedisScript {
  /** SHA-1 of the source, as Redis caches it. */
  readonly sha: string;
  /**
   * Runs the script. Every key the script touches is in `keys` (so it is cluster-safe when the keys share a
   * hash tag). Rejects with a `MeshError` converted by `meshErrorFromRedis`.
   */
  run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/**
 * Defines a Lua script. EVALSHA first (only the 40-byte digest travels), EVAL on `NOSCRIPT` (after a Redis
 * restart or failover flushed the script cache).
 *
 * @example
 * ```ts
 * const getDel = defineRedisScript("local v = redis.call('GET', KEYS[1]); redis.call('DEL', KEYS[1]); return v");
 * await getDel.run(client, ['k'], []);
 * ```
 */
export function defineRedisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    sha,
    async run(client, keys, args) {
      try {
        try {
          return await client.evalsha(sha, keys.length, ...keys, ...args);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
            return await client.eval(source, keys.length, ...keys, ...args);
          }
          throw error;
        }
      } catch (error) {
        throw meshErrorFromRedis(error);
      }
    },
  };
}

/** Wraps a Redis call so any failure rejects with a `MeshError` from `meshErrorFromRedis`. */
export async function redisCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw meshErrorFromRedis(error);
  }
}

/** Formats a score for ZADD / ZRANGEBYSCORE (`+inf` / `-inf` for infinities). */
export function formatScore(score: number): string {
  if (score === Number.POSITIVE_INFINITY) return '+inf';
  if (score === Number.NEGATIVE_INFINITY) return '-inf';
  return String(score);
}

/** Parses a score returned by Redis. */
export function parseScore(text: string): number {
  if (text === 'inf' || text === '+inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}
