import * as z from 'zod';
import { adviseTier, costOf, resolveBudgetScopes } from '../../ledger/pricing.js';
import type { BudgetStatus } from '../../ports/cost-ledger.js';
import { defineTool, type ToolDefinition } from '../../tool/tool-definition.js';

const count = z.number().finite().nonnegative();

const budgetCheckInput = z.object({
  scopes: z
    .array(z.string().min(1).max(200))
    .max(32)
    .optional()
    .describe('Budget scopes to check, such as "day" or "tool:generate_image". "global" is always included.'),
  estimate: z
    .object({
      model: z.string().min(1).max(200).describe('Model name from the price table.'),
      inputTokens: count.optional(),
      outputTokens: count.optional(),
      images: count.optional(),
      seconds: count.optional(),
      characters: count.optional(),
      requests: count.optional(),
      costUsd: count.optional().describe('Explicit cost in USD, instead of the price table.'),
    })
    .optional()
    .describe('Estimated usage of a planned call: answers whether it fits every scope.'),
});

const tier = z.enum(['premium', 'standard', 'economy', 'halt']);

const scopeStatus = z.object({
  scope: z.string(),
  limitUsd: z.number().nullable().describe('null when the scope has no budget.'),
  spentUsd: z.number(),
  reservedUsd: z.number(),
  remainingUsd: z.number().nullable().describe('null when the scope has no budget.'),
  windowMs: z.number(),
});

const budgetCheckOutput = z.object({
  scopes: z.array(scopeStatus),
  advice: tier.describe('Model tier advised for the next call, from the tightest budget.'),
  estimate: z
    .object({
      costUsd: z.number(),
      fits: z.boolean(),
      /** The scope with the least room left after the call, when any scope has a budget. */
      tightestScope: z.string().optional(),
      adviceAfter: tier.describe('The tier advice once the estimated cost is spent.'),
    })
    .optional(),
});

/** Input of the `budget_check` tool. */
export type BudgetCheckInput = z.infer<typeof budgetCheckInput>;
/** Output of the `budget_check` tool. */
export type BudgetCheckOutput = z.infer<typeof budgetCheckOutput>;

const toJson = (status: BudgetStatus): z.infer<typeof scopeStatus> => ({
  scope: status.scope,
  limitUsd: Number.isFinite(status.limitUsd) ? status.limitUsd : null,
  spentUsd: status.spentUsd,
  reservedUsd: status.reservedUsd,
  remainingUsd: Number.isFinite(status.limitUsd) ? status.remainingUsd : null,
  windowMs: status.windowMs,
});

/**
 * The gateway's `budget_check` tool: where the cost ledger's budgets stand for some scopes, the model tier it
 * advises, and, given an estimated usage, whether that call would fit every budget. Read-only: it reserves
 * nothing (reserve-then-settle happens in the tool making the model call).
 *
 * A factory like `createRouteTool` and `createCircuitStatusTool`; the tool reads the ledger from its call context,
 * so it needs no arguments.
 *
 * @throws MeshError `invalid_argument` for an estimate naming a model missing from the price table.
 * @example
 * ```ts
 * const budget = createBudgetCheckTool();
 * // tools/call budget_check { "scopes": ["day"], "estimate": { "model": "gpt-4o", "outputTokens": 2000 } }
 * // → { scopes: [...], advice: 'premium', estimate: { costUsd: 0.02, fits: true, adviceAfter: 'premium' } }
 * ```
 */
export function createBudgetCheckTool(): ToolDefinition<BudgetCheckInput, BudgetCheckOutput> {
  return defineTool({
    name: 'budget_check',
    title: 'Check budgets',
    description:
      'Reports spent, reserved and remaining USD for budget scopes (global always included), the model tier the ' +
      'ledger advises (premium, standard, economy or halt), and whether an estimated usage would fit.',
    inputSchema: budgetCheckInput,
    outputSchema: budgetCheckOutput,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    handler: async (input, context) => {
      const scopes = resolveBudgetScopes(input.scopes);
      const statuses = await Promise.all(scopes.map((scope) => context.ledger.status(scope)));
      const advice = await context.ledger.advise(scopes);
      const output: BudgetCheckOutput = { scopes: statuses.map(toJson), advice };
      if (input.estimate) {
        const { model, ...meters } = input.estimate;
        const costUsd = costOf(context.ledger.prices, { model, ...definedOnly(meters) });
        let fits = true;
        let tightest: { scope: string; ratio: number } | undefined;
        for (const status of statuses) {
          if (!Number.isFinite(status.limitUsd)) continue;
          const left = status.remainingUsd - costUsd;
          if (left < 0) fits = false;
          const ratio = status.limitUsd > 0 ? left / status.limitUsd : 0;
          if (!tightest || ratio < tightest.ratio) tightest = { scope: status.scope, ratio };
        }
        output.estimate = {
          costUsd,
          fits,
          ...(tightest ? { tightestScope: tightest.scope } : {}),
          adviceAfter: tightest ? adviseTier(fits ? tightest.ratio : 0) : advice,
        };
      }
      return { structuredContent: output };
    },
  }) satisfies ToolDefinition<BudgetCheckInput, BudgetCheckOutput>;
}

function definedOnly<T extends Record<string, number | undefined>>(meters: T): { [K in keyof T]?: number } {
  const out: { [K in keyof T]?: number } = {};
  for (const [key, value] of Object.entries(meters)) if (value !== undefined) out[key as keyof T] = value;
  return out;
}
