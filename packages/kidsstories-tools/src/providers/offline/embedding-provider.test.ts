import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from '../../variation/cosine-similarity.js';
import { createOfflineEmbeddingProvider, featureHashEmbedding } from './embedding-provider.js';

describe('offline feature-hashing embedding', () => {
  it('returns deterministic L2-normalised 384-dimension vectors', async () => {
    const provider = createOfflineEmbeddingProvider();
    const { vectors, usage } = await provider.embed(['A fox in the woods.', 'A fox in the woods.', '']);
    expect(provider.dimensions).toBe(384);
    expect(vectors[0]).toHaveLength(384);
    expect(Math.hypot(...(vectors[0] ?? []))).toBeCloseTo(1, 10);
    expect(vectors[0]).toEqual(vectors[1]);
    expect(vectors[2]?.every((value) => value === 0)).toBe(true);
    expect(usage.model).toBe('offline:feature-hash-384');
  });

  it('puts paraphrases closer than unrelated text', () => {
    const a = featureHashEmbedding('The little fox found a shiny key under the old oak tree.');
    const b = featureHashEmbedding('Under the old oak tree, a small fox discovered a shiny key.');
    const c = featureHashEmbedding('Rockets need fuel to fly to the moon and back.');
    expect(cosineSimilarity(a, b)).toBeGreaterThan(0.5);
    expect(cosineSimilarity(a, c)).toBeLessThan(0.3);
  });

  it('rejects a bad dimension count', () => {
    expect(() => createOfflineEmbeddingProvider({ dimensions: 3 })).toThrow(/dimensions/);
  });
});
