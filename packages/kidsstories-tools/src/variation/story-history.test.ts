import { createManualClock, createTestPorts } from '@kidsstories/mesh-core/testing';
import { describe, expect, it } from 'vitest';
import { featureHashEmbedding } from '../providers/offline/embedding-provider.js';
import { angularSimilarity, cosineSimilarity } from './cosine-similarity.js';
import { createStoryHistory } from './story-history.js';

const DAY_MS = 86_400_000;

describe('story history', () => {
  const clock = createManualClock();
  const ports = createTestPorts({ now: clock.now });

  it('finds a similar story inside the window and forgets it outside', async () => {
    const history = createStoryHistory({ state: ports.stateStore, now: clock.now, keyPrefix: 'h1' });
    const fox = featureHashEmbedding('Milo the fox found a blue kite in the forest with his friend Luna.');
    await history.record({
      storyId: 's1',
      title: 'Milo',
      ageBand: '6-8',
      createdAt: clock.now(),
      contentHash: 'abc',
      embedding: fox,
    });
    const near = featureHashEmbedding('Milo the fox found a blue kite in the forest with his friend Luna!');
    const far = featureHashEmbedding('A robot counted stars on the moon base all night long.');

    const found = await history.findSimilar(near, { scope: '6-8', windowMs: 30 * DAY_MS, threshold: 0.85 });
    expect(found?.entry.storyId).toBe('s1');
    expect(found?.entry.embedding[0]).toBeCloseTo(fox[0] ?? 0, 6);
    expect(found?.similarity).toBeGreaterThan(0.85);
    expect(
      await history.findSimilar(far, { scope: '6-8', windowMs: 30 * DAY_MS, threshold: 0.85 }),
    ).toBeUndefined();
    // Another band's history is separate; the global scope sees every band.
    expect(
      await history.findSimilar(near, { scope: '3-5', windowMs: 30 * DAY_MS, threshold: 0.85 }),
    ).toBeUndefined();
    expect(
      (await history.findSimilar(near, { scope: 'all', windowMs: 30 * DAY_MS, threshold: 0.85 }))?.entry
        .storyId,
    ).toBe('s1');
    // An equal content hash is a repeat whatever the similarity.
    const exact = await history.findSimilar(far, {
      scope: '6-8',
      windowMs: 30 * DAY_MS,
      threshold: 0.99,
      contentHash: 'abc',
    });
    expect(exact?.exactRepeat).toBe(true);

    clock.advance(31 * DAY_MS);
    expect(
      await history.findSimilar(near, { scope: '6-8', windowMs: 30 * DAY_MS, threshold: 0.85 }),
    ).toBeUndefined();
    expect(await history.recent('6-8', 60 * DAY_MS)).toHaveLength(1);
  });

  it('measures angular similarity when asked', async () => {
    const a = featureHashEmbedding('the fox flew a red kite over the hill');
    const b = featureHashEmbedding('the robot painted a blue boat by the sea');
    expect(angularSimilarity(a, b)).toBeCloseTo(1 - Math.acos(cosineSimilarity(a, b)) / Math.PI, 10);
    const history = createStoryHistory({ state: ports.stateStore, now: clock.now, keyPrefix: 'h2' });
    await history.record({
      storyId: 's2',
      title: 't',
      ageBand: '3-5',
      createdAt: clock.now(),
      contentHash: '',
      embedding: a,
    });
    const cosine = cosineSimilarity(a, b);
    const angular = angularSimilarity(a, b);
    expect(Math.abs(cosine - angular)).toBeGreaterThan(0.01);
    const threshold = (cosine + angular) / 2;
    const byCosine = await history.findSimilar(b, { scope: '3-5', windowMs: DAY_MS, threshold });
    const byAngle = await history.findSimilar(b, {
      scope: '3-5',
      windowMs: DAY_MS,
      threshold,
      measure: 'angular',
    });
    expect(byCosine === undefined).toBe(cosine < threshold);
    expect(byAngle === undefined).toBe(angular < threshold);
    expect(byAngle?.similarity ?? byCosine?.similarity).toBeCloseTo(Math.max(cosine, angular), 6);
  });

  it('expires entries after the retention and trims old ids', async () => {
    const history = createStoryHistory({
      state: ports.stateStore,
      now: clock.now,
      keyPrefix: 'h3',
      retentionMs: 2 * DAY_MS,
    });
    const vector = featureHashEmbedding('old story');
    await history.record({
      storyId: 'old',
      title: 'o',
      ageBand: '9-12',
      createdAt: clock.now(),
      contentHash: '',
      embedding: vector,
    });
    expect(await ports.stateStore.ttl('h3:entry:old')).toBe(2 * DAY_MS);
    clock.advance(3 * DAY_MS);
    await history.record({
      storyId: 'new',
      title: 'n',
      ageBand: '9-12',
      createdAt: clock.now(),
      contentHash: '',
      embedding: vector,
    });
    const ids = (await ports.stateStore.sortedSetRangeByScore('h3:9-12', 0, Number.MAX_SAFE_INTEGER)).map(
      (item) => item.member,
    );
    expect(ids).toEqual(['new']);
  });
});
