import { MeshError } from '@kidsstories/mesh-core';
import type { EmbeddingProvider, ProviderCallOptions } from '../provider-types.js';

/** The model name the offline embedding reports in its usage. */
export const OFFLINE_EMBEDDING_MODEL = 'offline:feature-hash-384';

/** Options for {@link createOfflineEmbeddingProvider}. */
export interface OfflineEmbeddingOptions {
  /** Vector length. Default 384. */
  dimensions?: number;
  /** Weight of each character 3-gram relative to a word or bigram. Default 0.5. */
  charGramWeight?: number;
}

/** 32-bit FNV-1a hash of a string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The lowercase word tokens of a text. */
function tokensOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

/**
 * Embeds one text by feature hashing: word unigrams and bigrams plus character 3-grams of each word are hashed
 * into `dimensions` buckets with a hashed sign, counts are damped with `1 + log(count)`, and the vector is
 * L2-normalised (an empty text gives the zero vector).
 */
export function featureHashEmbedding(text: string, dimensions = 384, charGramWeight = 0.5): number[] {
  const counts = new Map<string, number>();
  const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
  const tokens = tokensOf(text);
  tokens.forEach((token, index) => {
    add(`w:${token}`, 1);
    const next = tokens[index + 1];
    if (next !== undefined) add(`b:${token} ${next}`, 1);
    const padded = `#${token}#`;
    for (let start = 0; start + 3 <= padded.length; start++)
      add(`c:${padded.slice(start, start + 3)}`, charGramWeight);
  });
  const vector = new Array<number>(dimensions).fill(0);
  for (const [feature, count] of counts) {
    const hash = fnv1a(feature);
    const bucket = hash % dimensions;
    const sign = hash >>> 31 === 1 ? -1 : 1;
    vector[bucket] = (vector[bucket] ?? 0) + sign * (1 + Math.log(count));
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

/**
 * The offline embedding provider: {@link featureHashEmbedding} (no model, no network, deterministic).
 * Paraphrases land near each other (cosine around 0.6) and unrelated texts far apart (around 0.2).
 * Usage counts approximate tokens (4 characters each) under `offline:feature-hash-384`.
 *
 * @example
 * ```ts
 * const { vectors } = await createOfflineEmbeddingProvider().embed(['a fox in the woods']);
 * ```
 */
export function createOfflineEmbeddingProvider(options: OfflineEmbeddingOptions = {}): EmbeddingProvider {
  const dimensions = options.dimensions ?? 384;
  const charGramWeight = options.charGramWeight ?? 0.5;
  if (!Number.isInteger(dimensions) || dimensions < 8 || dimensions > 8192) {
    throw new MeshError('dimensions must be an integer from 8 to 8192', 'invalid_argument', {
      details: { field: 'dimensions' },
    });
  }
  return {
    name: 'offline-feature-hash',
    model: dimensions === 384 ? OFFLINE_EMBEDDING_MODEL : `offline:feature-hash-${dimensions}`,
    dimensions,
    async embed(texts: readonly string[], callOptions: ProviderCallOptions = {}) {
      callOptions.signal?.throwIfAborted();
      const vectors = texts.map((text) => featureHashEmbedding(text, dimensions, charGramWeight));
      const characters = texts.reduce((sum, text) => sum + text.length, 0);
      return {
        vectors,
        usage: {
          model: dimensions === 384 ? OFFLINE_EMBEDDING_MODEL : `offline:feature-hash-${dimensions}`,
          inputTokens: Math.ceil(characters / 4),
          requests: 1,
        },
      };
    },
  };
}
