import { describe, expect, it } from 'vitest';
import { resolveParameters } from '../parameters/generation-parameters.js';
import { createOfflineRefineProvider } from '../providers/offline/refine-provider.js';
import { generateTemplateStory } from '../providers/offline/story-generator.js';
import { AGE_BANDS, type AgeBand, targetGradeOf } from '../story/age-band.js';
import { fleschKincaidGrade, readabilityOf, splitSentences, wordsOf } from './readability.js';
import { refineTextToGrade } from './refine-text.js';

const HARD = `Eventually, the determined little otter discovered an extraordinary collection of glittering shells underneath the enormous wooden pier, and she immediately decided to investigate the mysterious pattern because she remembered a wonderful story her grandmother had told her. The colourful shells were arranged carefully in a magnificent spiral, which suggested that somebody had worked patiently for a considerable time.`;
const EASY = `Pip the duck went to the pond. The sun was out. Pip saw a frog. The frog was green. They sat on a log. Pip was glad. The frog was glad too. They had fun all day. Then it was time to go home. Pip said bye. The frog said bye too. Pip went home. Pip had a big smile.`;

describe('readability', () => {
  it('counts sentences, words and the Flesch-Kincaid grade', () => {
    const stats = readabilityOf('The cat sat. It was warm! Was it?');
    expect(stats.sentences).toBe(3);
    expect(stats.words).toBe(8);
    expect(stats.syllables).toBe(8);
    expect(stats.fleschKincaidGrade).toBeCloseTo(0.39 * (8 / 3) + 11.8 * (8 / 8) - 15.59, 5);
    expect(readabilityOf('').fleschKincaidGrade).toBe(0);
    expect(splitSentences('"Look!" said Pip. Then he ran')).toEqual(['"Look!" said Pip.', 'Then he ran']);
    expect(splitSentences('Peter ran to Mr. McGregor\u2019s garden. He hid.')).toEqual([
      'Peter ran to Mr. McGregor\u2019s garden.',
      'He hid.',
    ]);
    expect(wordsOf("Finn's spring-cleaning hat")).toEqual(["Finn's", 'spring-cleaning', 'hat']);
  });
});

describe('readability refinement', () => {
  it.each([
    ['a hard passage', HARD, 1],
    ['a hard passage', HARD, 3],
    ['an easy passage', EASY, 3],
    ['an easy passage', EASY, 5],
  ])('moves %s to within 1 grade of the target (case %#)', (_, text, target) => {
    const result = refineTextToGrade(text, target);
    expect(Math.abs(result.gradeAfter - target)).toBeLessThanOrEqual(1);
    expect(Math.abs(result.gradeBefore - target)).toBeGreaterThan(1);
    expect(result.gradeAfter).toBeCloseTo(fleschKincaidGrade(result.text), 6);
  });

  // For each age band, stories written for a different band are refined to this band's target grade.
  it.each(AGE_BANDS.map((band) => [band] as const))(
    'lands within 1 grade of the %s target',
    async (band: AgeBand) => {
      const provider = createOfflineRefineProvider();
      const target = targetGradeOf('auto', band);
      const sourceBands = AGE_BANDS.filter((other) => other !== band);
      for (const [index, sourceBand] of sourceBands.entries()) {
        const story = generateTemplateStory(
          resolveParameters({ age_band: sourceBand, page_count: 4 }),
          40 + index,
        );
        const text = story.pages.map((page) => page.text).join('\n\n');
        const { text: refined, usage } = await provider.refine({ text, targetGrade: target, ageBand: band });
        expect(
          Math.abs(fleschKincaidGrade(refined) - target),
          `${sourceBand} -> ${band}`,
        ).toBeLessThanOrEqual(1);
        expect(refined.split('\n\n')).toHaveLength(4);
        expect(usage.model).toBe('offline:readability-refiner');
      }
    },
  );

  it('leaves text already at the target alone and keeps names capitalised', () => {
    const text = 'Milo ran to the park. Luna came too.';
    const grade = fleschKincaidGrade(text);
    expect(refineTextToGrade(text, grade).text).toBe(text);
    const raised = refineTextToGrade(EASY, 5).text;
    expect(raised).not.toMatch(/\bpip\b/);
    expect(raised).not.toMatch(/\ba enormous\b/);
  });
});
