import { MeshError } from '@kidsstories/mesh-core';
import {
  createManualClock,
  createTestToolContext,
  expectMeshError,
  type TestToolContext,
} from '@kidsstories/mesh-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineStoryProvider } from '../../providers/offline/story-generator.js';
import type { StoryProvider } from '../../providers/provider-types.js';
import { storySchema } from '../../story/story-schema.js';
import { createGenerateStoryTool } from './generate-story.js';

const DAY_MS = 86_400_000;
let harness: TestToolContext | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A story provider that edits the offline story of the given seeds (to inject unsafe or broken output). */
function tamperedProvider(
  tamper: (story: Record<string, unknown>, call: number) => unknown,
): StoryProvider & { calls: number } {
  const offline = createOfflineStoryProvider();
  const provider = {
    name: 'tampered',
    model: 'gpt-4o-mini',
    calls: 0,
    async generateStory(...args: Parameters<StoryProvider['generateStory']>) {
      const result = await offline.generateStory(...args);
      provider.calls++;
      return {
        story: tamper(structuredClone(result.story) as Record<string, unknown>, provider.calls),
        usage: { ...result.usage, model: 'gpt-4o-mini' },
      };
    },
  };
  return provider;
}

describe('generate_story', () => {
  it('generates a valid story, stores it for 24 h, publishes story.complete and charges the ledger', async () => {
    const clock = createManualClock();
    harness = createTestToolContext({ now: clock.now });
    const tool = createGenerateStoryTool({ now: clock.now });
    const result = await tool.handler(
      { parameters: { page_count: 4, seed: 5, age_band: '3-5' } },
      harness.context,
    );
    const output = result.structuredContent;
    if (!output) throw new Error('no structured content');
    expect(storySchema.safeParse(output.story).success).toBe(true);
    expect(output.story.pages).toHaveLength(4);
    expect(output.attempts).toBe(1);
    expect(output.seed).toBe(5);
    expect(
      Math.abs(output.readability.fleschKincaidGrade - output.readability.targetGrade),
    ).toBeLessThanOrEqual(2);

    const stored = await harness.ports.stateStore.hashGetAll(output.stateKey);
    expect(JSON.parse(stored?.story ?? '{}')).toEqual(output.story);
    expect(await harness.ports.stateStore.ttl(output.stateKey)).toBe(DAY_MS);

    expect(harness.published).toHaveLength(1);
    expect(harness.published[0]?.topic).toBe('story.complete');
    expect(harness.published[0]?.event).toMatchObject({
      type: 'story.complete',
      source: 'test-node',
      data: { storyId: output.storyId, stateKey: output.stateKey, pageCount: 4 },
    });
    // The offline models cost nothing, but each call went through the ledger on both scopes.
    expect((await harness.ports.costLedger.status('server:text')).reservedUsd).toBe(0);
    expect(output.costUsd).toBe(0);
    expect(harness.progress.at(-1)?.message).toBe('story complete');
  });

  it('charges priced models on server:text and tool:generate_story', async () => {
    harness = createTestToolContext();
    const provider = tamperedProvider((story) => story);
    const tool = createGenerateStoryTool({ providers: { story: provider } });
    const result = await tool.handler({ parameters: { seed: 9 } }, harness.context);
    const cost = result.structuredContent?.costUsd ?? 0;
    expect(cost).toBeGreaterThan(0);
    expect((await harness.ports.costLedger.status('server:text')).spentUsd).toBeCloseTo(cost, 10);
    expect((await harness.ports.costLedger.status('tool:generate_story')).spentUsd).toBeCloseTo(cost, 10);
  });

  it('gives the same story for a fixed seed on every call, reporting the repeat instead of reseeding', async () => {
    const clock = createManualClock();
    harness = createTestToolContext({ now: clock.now });
    const tool = createGenerateStoryTool({ now: clock.now });
    const first = await tool.handler({ parameters: { seed: 21 } }, harness.context);
    expect(first.structuredContent?.repeatOf).toBeUndefined();

    // Same seed, same parameters: the same story, and the repeat check says so.
    const again = await tool.handler({ parameters: { seed: 21 } }, harness.context);
    expect(again.structuredContent?.story).toEqual(first.structuredContent?.story);
    expect(again.structuredContent).toMatchObject({
      storyId: first.structuredContent?.storyId,
      seed: 21,
      attempts: 1,
      rejected: [],
      repeatOf: { storyId: first.structuredContent?.storyId, exactRepeat: true },
    });
  });

  it('rejects a repeat of a recent story and regenerates when the seed is drawn (-1)', async () => {
    const clock = createManualClock();
    harness = createTestToolContext({ now: clock.now });
    const tool = createGenerateStoryTool({ now: clock.now, random: () => 0.25 });
    const first = await tool.handler({ parameters: { seed: -1 } }, harness.context);

    // The same drawn seed, no regeneration allowed: the identical draft is a repeat.
    const error = await expectMeshError(
      tool.handler({ parameters: { seed: -1, max_regeneration_attempts: 0 } }, harness.context),
      'failed_precondition',
    );
    expect(error.message).toContain('repeated a story from the last 30 day(s)');
    expect(error.details.rejected).toEqual([
      expect.objectContaining({
        reason: 'repeat',
        detail: expect.stringContaining(first.structuredContent?.storyId ?? '?'),
      }),
    ]);

    // With regeneration, the next seed gives a different story that is accepted.
    const second = await tool.handler({ parameters: { seed: -1 } }, harness.context);
    expect(second.structuredContent?.attempts).toBe(2);
    expect(second.structuredContent?.rejected[0]?.reason).toBe('repeat');
    expect(second.structuredContent?.storyId).not.toBe(first.structuredContent?.storyId);

    // Outside the repetition window the same story is fine again.
    clock.advance(31 * DAY_MS);
    const later = await tool.handler(
      { parameters: { seed: -1, max_regeneration_attempts: 0 } },
      harness.context,
    );
    expect(later.structuredContent?.storyId).toBe(first.structuredContent?.storyId);
  });

  it('rejects near-duplicates by embedding similarity, not only exact repeats', async () => {
    harness = createTestToolContext();
    // The second call's first draft differs from the stored story by one word only.
    const provider = tamperedProvider((story, call) => {
      if (call === 2) (story.pages as { text: string }[])[0]!.text += ' The end.';
      return story;
    });
    const tool = createGenerateStoryTool({ providers: { story: provider } });
    await tool.handler({ parameters: { seed: 3 } }, harness.context);
    const error = await expectMeshError(
      tool.handler(
        { parameters: { seed: 3, max_regeneration_attempts: 0, history_hash: 'none' } },
        harness.context,
      ),
      'failed_precondition',
    );
    expect(String((error.details.rejected as { detail: string }[])[0]?.detail)).toMatch(/^similarity 0\.9/);
  });

  it('regenerates unsafe drafts and never returns unsafe text', async () => {
    harness = createTestToolContext();
    const unsafeFirst = tamperedProvider((story, call) => {
      if (call === 1) (story.pages as { text: string }[])[1]!.text = 'Then the fox found a knife and a gun.';
      return story;
    });
    const tool = createGenerateStoryTool({ providers: { story: unsafeFirst } });
    const result = await tool.handler({ parameters: { seed: 8 } }, harness.context);
    expect(result.structuredContent?.attempts).toBe(2);
    expect(result.structuredContent?.rejected[0]).toMatchObject({
      reason: 'unsafe',
      detail: 'unsafe content: weapons',
    });
    expect(JSON.stringify(result)).not.toMatch(/knife|gun/);

    const alwaysUnsafe = tamperedProvider((story) => ({ ...story, title: 'The Haunted Ghost House' }));
    const failing = createGenerateStoryTool({ providers: { story: alwaysUnsafe } });
    const error = await expectMeshError(
      failing.handler(
        { parameters: { seed: 8, max_regeneration_attempts: 2, age_band: '3-5' } },
        harness.context,
      ),
      'failed_precondition',
    );
    expect(alwaysUnsafe.calls).toBe(3);
    expect(error.message).toContain('child-safety gate');
    expect(harness.published).toHaveLength(1);
  });

  it('fails with internal when the model keeps returning invalid stories', async () => {
    harness = createTestToolContext();
    const broken = tamperedProvider((story) => ({ ...story, pages: [] }));
    const tool = createGenerateStoryTool({ providers: { story: broken } });
    const error = await expectMeshError(
      tool.handler({ parameters: { max_regeneration_attempts: 1 } }, harness.context),
      'internal',
    );
    expect(error.details.attempts).toBe(2);
    expect((await harness.ports.costLedger.status('global')).reservedUsd).toBe(0);
  });

  it('names the bad parameter and its range', async () => {
    harness = createTestToolContext();
    const tool = createGenerateStoryTool();
    const error = await expectMeshError(
      tool.handler({ parameters: { page_count: 40 } as never }, harness.context),
      'invalid_argument',
    );
    expect(error.message).toBe('page_count must be an integer from 1 to 24 (got 40)');
    expect(MeshError.isInstance(error)).toBe(true);
  });

  it('draws a seed from the injected random source when seed is -1', async () => {
    harness = createTestToolContext();
    const tool = createGenerateStoryTool({ random: () => 0.5 });
    const result = await tool.handler({}, harness.context);
    expect(result.structuredContent?.seed).toBe(Math.floor(0.5 * 2_147_483_647));
  });
});
