import * as z from 'zod';
import { bundleDateSchema } from '../bundle/bundle-manifest.js';
import { generationParametersInputSchema } from '../parameters/generation-parameters.js';
import { AGE_BANDS } from '../story/age-band.js';

/** Input of `orchestrate` (and of a pipeline run). */
export const orchestrateInputSchema = z.strictObject({
  date: bundleDateSchema
    .optional()
    .describe('Calendar day of the story, YYYY-MM-DD (UTC). Default: today (UTC).'),
  ageBand: z.enum(AGE_BANDS).describe('Reader age band.'),
  pages: z
    .number()
    .int()
    .min(1)
    .max(24)
    .optional()
    .describe('Number of pages; default the page_count parameter (6).'),
  clips: z
    .number()
    .int()
    .min(0)
    .max(24)
    .optional()
    .describe('Pages animated into clips (K); default the clips_per_story parameter (2). At most `pages`.'),
  parameters: generationParametersInputSchema
    .optional()
    .describe('Generation parameters (any subset; see docs/parameters.md), passed to every step.'),
});

/** Input of `orchestrate`. */
export type OrchestrateInput = z.input<typeof orchestrateInputSchema>;
/** Validated input of `orchestrate`. */
export type OrchestrateArgs = z.output<typeof orchestrateInputSchema>;

/** The day `now` falls on, in UTC, as `YYYY-MM-DD`. */
export function utcDateOf(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}
