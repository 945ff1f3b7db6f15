import { createTestToolContext, expectMeshError, type TestToolContext } from '@kidsstories/mesh-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { RefineProvider } from '../../providers/provider-types.js';
import { fleschKincaidGrade } from '../../text/readability.js';
import { createRefineReadabilityTool } from './refine-readability.js';

const HARD = `Eventually, the determined little otter discovered an extraordinary collection of glittering shells underneath the enormous wooden pier, and she immediately decided to investigate the mysterious pattern because she remembered a wonderful story her grandmother had told her.

The colourful shells were arranged carefully in a magnificent spiral, which suggested that somebody had worked patiently for a considerable time.`;
const EASY = `Pip the duck went to the pond. The sun was out. Pip saw a frog. The frog was green. They sat on a log. Pip was glad. The frog was glad too. They had fun all day. Then it was time to go home. Pip said bye. The frog said bye too. Pip went home. Pip had a big smile.`;

let harness: TestToolContext | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('refine_readability', () => {
  it.each([
    ['3-5', HARD, 1],
    ['6-8', HARD, 3],
    ['9-12', EASY, 5],
  ] as const)('brings text to within 1 grade of the %s target', async (ageBand, text, target) => {
    harness = createTestToolContext();
    const tool = createRefineReadabilityTool();
    const result = await tool.handler({ text, age_band: ageBand }, harness.context);
    const output = result.structuredContent;
    expect(output?.targetGrade).toBe(target);
    expect(Math.abs((output?.gradeBefore ?? 0) - target)).toBeGreaterThan(1);
    expect(Math.abs(fleschKincaidGrade(output?.text ?? '') - target)).toBeLessThanOrEqual(1);
    expect(output?.withinOneGrade).toBe(true);
  });

  it('takes an explicit target grade and charges the ledger for a priced model', async () => {
    harness = createTestToolContext();
    const phi: RefineProvider = {
      name: 'fake-phi',
      model: 'phi-4',
      refine: async ({ text }) => ({
        text: text.toUpperCase(),
        usage: { model: 'phi-4', inputTokens: 1000, outputTokens: 1000 },
      }),
    };
    const tool = createRefineReadabilityTool({ providers: { refine: phi } });
    const result = await tool.handler({ text: EASY, target_grade: 2 }, harness.context);
    expect(result.structuredContent?.targetGrade).toBe(2);
    expect(result.structuredContent?.costUsd).toBeCloseTo((1000 * 0.125 + 1000 * 0.5) / 1e6, 12);
    expect((await harness.ports.costLedger.status('tool:refine_readability')).spentUsd).toBeCloseTo(
      0.000625,
      12,
    );
    expect((await harness.ports.costLedger.status('server:text')).reservedUsd).toBe(0);
  });

  it('refuses unsafe input and never returns unsafe refined text', async () => {
    harness = createTestToolContext();
    const tool = createRefineReadabilityTool();
    await expectMeshError(
      tool.handler({ text: 'The pirate waved his sword.' }, harness.context),
      'failed_precondition',
    );
    const sneaky: RefineProvider = {
      name: 'sneaky',
      model: 'offline:readability-refiner',
      refine: async () => ({
        text: 'Call 555-123-4567 now.',
        usage: { model: 'offline:readability-refiner' },
      }),
    };
    const unsafeOut = createRefineReadabilityTool({ providers: { refine: sneaky } });
    const error = await expectMeshError(
      unsafeOut.handler({ text: EASY }, harness.context),
      'failed_precondition',
    );
    expect(error.message).toContain('refined text');
  });
});
