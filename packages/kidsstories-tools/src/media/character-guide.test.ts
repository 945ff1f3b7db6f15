import { createMemoryStateStore } from '@kidsstories/mesh-core/testing';
import { describe, expect, it } from 'vitest';
import { TEST_CHARACTERS } from '../testing/test-tool-context.js';
import {
  buildCharacterGuide,
  CHARACTER_GUIDE_TTL_MS,
  characterGuideKey,
  characterGuidePrompt,
  characterLooks,
  loadCharacterGuide,
  saveCharacterGuide,
} from './character-guide.js';

describe('character guide', () => {
  it('normalises colours, completes short palettes and infers species', () => {
    const guide = buildCharacterGuide(
      {
        title: 'The Blue Stone',
        characters: [
          { name: 'Pip', physicalFeatures: ['a small fox with a bushy tail'], colorPalette: ['#E07A2F'] },
        ],
      },
      { now: () => 42 },
    );
    const pip = guide.characters[0];
    expect(pip?.colorPalette[0]).toBe('#e07a2f');
    expect(pip?.colorPalette).toHaveLength(3);
    expect(pip?.species).toBe('fox');
    expect(guide.createdAt).toBe(42);
    expect(guide.storyId).toMatch(/^story-[0-9a-f]{8}$/);
    // The derived palette and id are stable.
    const again = buildCharacterGuide({
      title: 'The Blue Stone',
      characters: [
        { name: 'Pip', physicalFeatures: ['a small fox with a bushy tail'], colorPalette: ['#e07a2f'] },
      ],
    });
    expect(again.characters[0]?.colorPalette).toEqual(pip?.colorPalette);
    expect(again.storyId).toBe(guide.storyId);
  });

  it('rejects duplicate names and non-hex colours naming the field', () => {
    expect(() => buildCharacterGuide({ characters: [{ name: 'Pip' }, { name: 'pip' }] })).toThrow(
      /appears twice/,
    );
    try {
      buildCharacterGuide({ characters: [{ name: 'Pip', colorPalette: ['orange'] }] });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'invalid_argument',
        details: { field: 'story.characters.0.colorPalette.0' },
      });
    }
  });

  it('is stored for 24 hours and read back', async () => {
    const state = createMemoryStateStore();
    const guide = buildCharacterGuide({ id: 'story-7', characters: TEST_CHARACTERS });
    await saveCharacterGuide(state, guide);
    const ttl = await state.ttl(characterGuideKey('story-7'));
    expect(ttl).toBeGreaterThan(CHARACTER_GUIDE_TTL_MS - 5_000);
    expect(ttl).toBeLessThanOrEqual(CHARACTER_GUIDE_TTL_MS);
    expect(await loadCharacterGuide(state, 'story-7')).toEqual(guide);
    expect(await loadCharacterGuide(state, 'story-8')).toBeUndefined();
    await state.hashSet(characterGuideKey('story-9'), { guide: '{"storyId":1}' });
    await expect(loadCharacterGuide(state, 'story-9')).rejects.toMatchObject({ code: 'data_loss' });
    await state.close();
  });

  it('describes every look in the image prompt', () => {
    const guide = buildCharacterGuide({ id: 's', characters: TEST_CHARACTERS });
    const prompt = characterGuidePrompt(characterLooks(guide, ['Pip', 'Bolt']));
    expect(prompt).toContain('Pip (fox) | colours #e07a2f, #2e6fd8, #fff4e0');
    expect(prompt).toContain('star-shaped patch on left ear');
    expect(prompt).toContain('Bolt');
    expect(prompt).not.toContain('Mia');
  });
});
