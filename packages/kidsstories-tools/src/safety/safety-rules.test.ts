import { describe, expect, it } from 'vitest';
import { createOfflineSafetyProvider } from '../providers/offline/safety-provider.js';
import { evaluateSafetyRules } from './safety-rules.js';

describe('offline safety rules', () => {
  it.each([
    ['violence', 'The wolf wanted to kill the rabbit.'],
    ['weapons', 'He pulled out a knife.'],
    ['self_harm', 'She said she wanted to hurt herself.'],
    ['adult_content', 'They drank beer at the party.'],
    ['adult_content', 'What the shit was that?'],
    ['personal_data', 'Call me on 555-123-4567 after school.'],
    ['personal_data', 'Write to milo@example.com today.'],
    ['personal_data', 'I live at 42 Maple Street near the park.'],
    ['personal_data', 'Visit https://example.com for more.'],
    ['horror', 'A zombie climbed out of the ground.'],
  ])('flags %s: %s', (category, text) => {
    for (const band of ['3-5', '6-8', '9-12']) {
      const verdict = evaluateSafetyRules(text, band);
      expect(verdict.safe).toBe(false);
      expect(verdict.reasons.some((reason) => reason.startsWith(`${category}:`))).toBe(true);
    }
  });

  it('flags scary content for young bands only', () => {
    const text = 'A ghost lived in the haunted house.';
    expect(evaluateSafetyRules(text, '3-5').safe).toBe(false);
    expect(evaluateSafetyRules(text, '6-8').safe).toBe(false);
    expect(evaluateSafetyRules(text, '9-12').safe).toBe(true);
    expect(evaluateSafetyRules(text).safe).toBe(false);
  });

  it('passes gentle story text and avoids false positives inside words', () => {
    const text =
      'Milo the fox wore a striped scarf and skipped past the old oak tree. Page 3 of 12. He said hello to Dr. Owl.';
    expect(evaluateSafetyRules(text, '3-5')).toEqual({ safe: true, reasons: [] });
  });

  it('names every matched word in the reasons', async () => {
    const verdict = await createOfflineSafetyProvider().check('A sword and a gun.', { ageBand: '9-12' });
    expect(verdict.reasons).toEqual(['weapons: "sword", "gun"']);
  });
});
