import { describe, expect, it } from 'vitest';
import { BRIEF_PROFILE, criticalPathBoundMs } from './pipeline-bench.js';

describe('criticalPathBoundMs', () => {
  it('is story + refinement + picture + clip when every page fits in one rate-limit window', () => {
    // 3 s + 1 s + 8 s + 45 s, scaled.
    expect(criticalPathBoundMs(BRIEF_PROFILE, 1, 6, 2)).toBe(57_000);
    expect(criticalPathBoundMs(BRIEF_PROFILE, 0.1, 6, 2)).toBeCloseTo(5_700, 6);
  });

  it('waits for the next window when there are more pictures than the limit allows, and drops the clip when K = 0', () => {
    // The 11th picture starts in the second minute: 60 s + 8 s, then the clip.
    expect(criticalPathBoundMs(BRIEF_PROFILE, 1, 12, 1)).toBe(4_000 + 68_000 + 45_000);
    expect(criticalPathBoundMs(BRIEF_PROFILE, 1, 6, 0)).toBe(4_000 + 8_000);
  });
});
