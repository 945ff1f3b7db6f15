import { defineTool, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { chargeProviderCall } from '../../providers/provider-charge.js';
import { assertTextSafe } from '../../safety/safety-gate.js';
import { AGE_BANDS, READING_LEVELS, targetGradeOf } from '../../story/age-band.js';
import { readabilityOf } from '../../text/readability.js';
import { approximateTokens, resolveTextToolsOptions, type TextToolsOptions } from './text-tool-support.js';

const TOOL_NAME = 'refine_readability';

const inputSchema = z.strictObject({
  text: z.string().trim().min(1).max(20_000).describe('Text to refine; paragraphs separated by blank lines.'),
  age_band: z
    .enum(AGE_BANDS)
    .optional()
    .describe('Reader age band; picks the default target grade. Default 6-8.'),
  reading_level: z
    .enum(['auto', ...READING_LEVELS])
    .optional()
    .describe('Target reading level; auto (the default) is grade 1, 3 or 5 for the bands 3-5, 6-8, 9-12.'),
  target_grade: z
    .number()
    .min(0)
    .max(12)
    .optional()
    .describe('Explicit Flesch-Kincaid grade; overrides reading_level.'),
});

const outputSchema = z.object({
  text: z.string(),
  targetGrade: z.number(),
  gradeBefore: z.number().describe('Flesch-Kincaid grade of the input.'),
  gradeAfter: z.number().describe('Flesch-Kincaid grade of the refined text.'),
  withinOneGrade: z.boolean().describe('Whether the refined text is within 1 grade of the target.'),
  costUsd: z.number(),
  model: z.string().describe('The refinement model (or the offline refiner) that produced the text.'),
});

/** Arguments of `refine_readability`. */
export type RefineReadabilityInput = z.output<typeof inputSchema>;
/** Structured result of `refine_readability`. */
export type RefineReadabilityOutput = z.output<typeof outputSchema>;

/**
 * Creates the `refine_readability` tool: moves a text's Flesch-Kincaid grade toward a target (offline: sentences
 * cut into whole clauses or joined, hard words swapped for familiar ones; cloud: Phi-4). The input and the result both pass the
 * child-safety gate; grades are measured here, whatever the provider. The call is charged on the ledger
 * (scopes `server:text`, `tool:refine_readability`).
 *
 * @throws MeshError `failed_precondition` when the input or the refined text is unsafe.
 * @example
 * ```ts
 * await createRefineReadabilityTool().handler({ text, age_band: '3-5', reading_level: 'auto' }, ctx);
 * ```
 */
export function createRefineReadabilityTool(
  options: TextToolsOptions = {},
): ToolDefinition<RefineReadabilityInput, RefineReadabilityOutput> {
  const { providers, prices } = resolveTextToolsOptions(options);
  return defineTool({
    name: TOOL_NAME,
    title: 'Refine readability',
    description:
      'Rewrites a text toward a Flesch-Kincaid grade (by age band, reading level or explicit grade) and reports the grade before and after.',
    inputSchema,
    outputSchema,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    async handler(input, context) {
      const ageBand = input.age_band ?? '6-8';
      const targetGrade = input.target_grade ?? targetGradeOf(input.reading_level ?? 'auto', ageBand);
      const gate = { ageBand, signal: context.signal };
      await assertTextSafe(providers.safety, input.text, 'input text', gate);
      const { result, costUsd } = await chargeProviderCall(
        context,
        {
          server: 'text',
          tool: TOOL_NAME,
          prices,
          worstCase: {
            model: providers.refine.model ?? providers.refine.name,
            inputTokens: approximateTokens(input.text) + 200,
            outputTokens: approximateTokens(input.text) * 2 + 200,
            requests: 1,
          },
        },
        () => providers.refine.refine({ text: input.text, targetGrade, ageBand }, { signal: context.signal }),
      );
      await assertTextSafe(providers.safety, result.text, 'refined text', gate);
      const gradeAfter = readabilityOf(result.text).fleschKincaidGrade;
      return {
        structuredContent: {
          text: result.text,
          targetGrade,
          gradeBefore: readabilityOf(input.text).fleschKincaidGrade,
          gradeAfter,
          withinOneGrade: Math.abs(gradeAfter - targetGrade) <= 1,
          costUsd,
          model: providers.refine.model ?? providers.refine.name,
        },
      };
    },
  });
}
