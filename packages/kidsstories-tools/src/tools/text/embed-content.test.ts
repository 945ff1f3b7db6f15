import { createTestToolContext, expectMeshError, type TestToolContext } from '@kidsstories/mesh-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddingProvider } from '../../providers/provider-types.js';
import { cosineSimilarity } from '../../variation/cosine-similarity.js';
import { createEmbedContentTool } from './embed-content.js';

let harness: TestToolContext | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('embed_content', () => {
  it('returns one normalised vector per text', async () => {
    harness = createTestToolContext();
    const result = await createEmbedContentTool().handler(
      { texts: ['A fox flew a kite.', 'A fox flew a red kite.', 'Rockets fly to the moon.'] },
      harness.context,
    );
    const output = result.structuredContent;
    expect(output?.dimensions).toBe(384);
    expect(output?.model).toBe('offline:feature-hash-384');
    const [a, b, c] = output?.vectors ?? [];
    expect(Math.hypot(...(a ?? []))).toBeCloseTo(1, 4);
    expect(cosineSimilarity(a ?? [], b ?? [])).toBeGreaterThan(cosineSimilarity(a ?? [], c ?? []));
  });

  it('charges a priced embedding model and checks the provider output', async () => {
    harness = createTestToolContext();
    const priced: EmbeddingProvider = {
      name: 'fake-embed',
      model: 'text-embedding-3-large',
      dimensions: 4,
      embed: async (texts) => ({
        vectors: texts.map(() => [1, 0, 0, 0]),
        usage: { model: 'text-embedding-3-large', inputTokens: 1_000_000 },
      }),
    };
    const result = await createEmbedContentTool({ providers: { embedding: priced } }).handler(
      { texts: ['x'] },
      harness.context,
    );
    expect(result.structuredContent?.costUsd).toBeCloseTo(0.13, 10);
    expect((await harness.ports.costLedger.status('tool:embed_content')).spentUsd).toBeCloseTo(0.13, 10);

    const broken: EmbeddingProvider = {
      ...priced,
      embed: async () => ({ vectors: [], usage: { model: 'text-embedding-3-large' } }),
    };
    await expectMeshError(
      createEmbedContentTool({ providers: { embedding: broken } }).handler({ texts: ['x'] }, harness.context),
      'internal',
    );
  });

  it('refuses a call the budget cannot cover, without calling the provider', async () => {
    harness = createTestToolContext({ budgets: { 'server:text': { limitUsd: 0.01 } } });
    let called = false;
    const expensive: EmbeddingProvider = {
      name: 'fake-embed',
      model: 'text-embedding-3-large',
      dimensions: 4,
      embed: async () => {
        called = true;
        return { vectors: [[1, 0, 0, 0]], usage: { model: 'text-embedding-3-large' } };
      },
    };
    const tool = createEmbedContentTool({ providers: { embedding: expensive } });
    // 64 texts of 20 000 characters are about 320 000 tokens: 0.0416 USD worst case, over the 0.01 budget.
    const texts = Array.from({ length: 64 }, () => 'x'.repeat(20_000));
    const error = await expectMeshError(tool.handler({ texts }, harness.context), 'resource_exhausted');
    expect(error.details.scope).toBe('server:text');
    expect(called).toBe(false);
  });
});
