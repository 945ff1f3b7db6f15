import { MeshError } from '@kidsstories/mesh-core';

/**
 * Cosine similarity of two vectors of the same length: 1 for the same direction, 0 for orthogonal, and 0 when
 * either is the zero vector.
 *
 * @throws MeshError `invalid_argument` when the lengths differ.
 */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new MeshError(`vectors have different lengths (${a.length} and ${b.length})`, 'invalid_argument');
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (normA === 0 || normB === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(normA * normB)));
}

/** Angular similarity `1 - angle / pi` of two vectors (1 same direction, 0.5 orthogonal, 0 opposite). */
export function angularSimilarity(a: readonly number[], b: readonly number[]): number {
  return 1 - Math.acos(cosineSimilarity(a, b)) / Math.PI;
}
