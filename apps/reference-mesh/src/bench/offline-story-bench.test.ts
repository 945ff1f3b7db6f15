import { describe, expect, it } from 'vitest';
import { runOfflineStoryBench } from './offline-story-bench.js';

describe('offline story bench', () => {
  it('makes a small story end to end with the offline tools and reports its stages', async () => {
    const result = await runOfflineStoryBench({ pageCount: 2, clipCount: 1 });
    expect(Object.keys(result.stages).sort()).toEqual([
      'characterGuide',
      'images',
      'narration',
      'story',
      'video',
    ]);
    expect(result.totalMs).toBeGreaterThan(0);
    expect(result.totalMs).toBeGreaterThanOrEqual(result.stages.video ?? 0);
    expect(result.peakRssMb).toBeGreaterThan(50);
    expect(result.clips).toMatchObject({ count: 1, sidePx: 1024 });
    expect(result.clips.narratedSec).toBeGreaterThan(1);
    expect(result.legacyVideoMs).toBeGreaterThan(0);
  }, 120_000);
});
