import { MeshError, type PriceTable, type ToolContext, type Usage } from '@kidsstories/mesh-core';
import { costOf, type ModelPrice } from '@kidsstories/mesh-core/ports';
import { KIDSSTORIES_PRICE_TABLE } from './kidsstories-price-table.js';
import type { ProviderUsage } from './provider-types.js';

/**
 * Prices of the media models {@link KIDSSTORIES_PRICE_TABLE} does not list: the offline family (free) and
 * `gpt-image-1`. Models that table prices (`dall-e-3`, `tts-1`, `gpt-4o-mini-tts`…) are left to the ledger's
 * table, so a ledger configured with an operator's own prices is not overridden by list prices here.
 */
export const MEDIA_PRICE_TABLE: PriceTable = {
  'offline-svg': { perImageUsd: 0 },
  'offline-flite': { perMillionCharactersUsd: 0, perSecondUsd: 0 },
  'offline-panzoom': { perSecondUsd: 0 },
  'gpt-image-1': { perImageUsd: 0.042 },
};

/** Which server and tool a provider call is charged to. */
export interface ChargeOptions {
  /** The server scope: charged as `server:{server}`. */
  server: 'text' | 'media' | 'video';
  /** The tool name: charged as `tool:{tool}`. */
  tool: string;
  /**
   * The tool's own prices: for a model in both tables, the tool's fields win and the ledger's fill the units
   * the tool does not price (see {@link priceOf}).
   */
  prices: PriceTable;
}

/** A provider call's result with its settled cost. */
export interface Charged<T> {
  result: T;
  /** The settled cost, in USD. */
  costUsd: number;
}

/** The ledger scopes a tool charges: `server:<server>` and `tool:<tool>` (the ledger adds `global`). */
export function chargeScopes(options: Pick<ChargeOptions, 'server' | 'tool'>): string[] {
  return [`server:${options.server}`, `tool:${options.tool}`];
}

/**
 * Runs one provider call under a reservation: reserves the worst case on the tool's scopes (so concurrent calls
 * can never overspend a budget), runs the call, settles to the actual usage, or releases the reservation when
 * the call fails. Both usages are priced here with {@link ledgerUsageOf} (the tool's and the ledger's tables
 * merged), and the ledger is handed the cost.
 *
 * @throws MeshError `failed_precondition` when no table prices the model, or none of the units the usage
 *   reports (the message names the model and the units: a configuration fault, not the caller's); the call
 *   never runs then. `resource_exhausted` from the ledger when a budget would be exceeded (the call never
 *   runs), or whatever the call throws.
 */
export async function chargeProviderCall<T extends { usage: ProviderUsage }>(
  ctx: ToolContext,
  options: ChargeOptions & { worstCase: ProviderUsage },
  call: () => Promise<T>,
): Promise<Charged<T>> {
  const reservation = await ctx.ledger.reserve(
    ledgerUsageOf(options.worstCase, ctx.ledger.prices, options.prices),
    {
      scopes: chargeScopes(options),
      ...(ctx.budgetId === undefined ? {} : { budgetId: ctx.budgetId }),
    },
  );
  let result: T;
  let actual: Usage;
  try {
    result = await call();
    actual = ledgerUsageOf(result.usage, ctx.ledger.prices, options.prices);
  } catch (error) {
    await ctx.ledger.release(reservation).catch(() => undefined);
    throw error;
  }
  const settlement = await ctx.ledger.settle(reservation, actual);
  return { result, costUsd: settlement.costUsd };
}

/** Records a usage that was not reserved (moderation calls); resolves its cost in USD (0 without a usage). */
export async function recordProviderUsage(
  ctx: ToolContext,
  options: ChargeOptions,
  usage: ProviderUsage | undefined,
): Promise<number> {
  if (usage === undefined) return 0;
  const settlement = await ctx.ledger.record(ledgerUsageOf(usage, ctx.ledger.prices, options.prices), {
    scopes: chargeScopes(options),
    ...(ctx.budgetId === undefined ? {} : { budgetId: ctx.budgetId }),
  });
  return settlement.costUsd;
}

/**
 * True when the ledger's table, `toolPrices` or the list prices ({@link KIDSSTORIES_PRICE_TABLE}) price `model`
 * (or it is an offline model, which is free).
 */
export function isPriced(model: string, ledgerPrices: PriceTable, toolPrices: PriceTable): boolean {
  return priceOf(model, ledgerPrices, toolPrices) !== undefined;
}

function lookup(table: PriceTable, model: string): ModelPrice | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  // Deployment names differ in case from list names (`Phi-4` on Azure AI Foundry, `phi-4` in the table).
  const lower = model.toLowerCase();
  const key = Object.keys(table).find((name) => name.toLowerCase() === lower);
  return key === undefined ? undefined : table[key];
}

/**
 * The price of `model`: the ledger's entry with the tool's entry laid over it field by field (the tool's own
 * table wins where both price a unit), matched exactly or else ignoring case. A model the ledger's table does not
 * list (mesh-core's ledgers price nothing unless given a table) takes its list price from
 * {@link KIDSSTORIES_PRICE_TABLE} instead, so a node with an unpriced ledger charges what the providers bill,
 * and an operator's own ledger prices always win. Models of the offline family (`offline…`), which run in this
 * process and bill nothing, are free when no table lists them. `undefined` when nothing prices the model.
 *
 * @example
 * ```ts
 * priceOf('gpt-4o-mini-tts', KIDSSTORIES_PRICE_TABLE, {}); // { …, perMillionCharactersUsd: 0.15, perSecondUsd: 0.00025 }
 * ```
 */
export function priceOf(
  model: string,
  ledgerPrices: PriceTable,
  toolPrices: PriceTable,
): ModelPrice | undefined {
  const fromLedger = lookup(ledgerPrices, model) ?? lookup(KIDSSTORIES_PRICE_TABLE, model);
  const fromTool = lookup(toolPrices, model);
  if (fromLedger === undefined && fromTool === undefined) {
    return model.startsWith('offline') ? FREE : undefined;
  }
  return { ...fromLedger, ...fromTool };
}

const FREE: ModelPrice = Object.freeze({
  inputPerMillionTokensUsd: 0,
  outputPerMillionTokensUsd: 0,
  perImageUsd: 0,
  perSecondUsd: 0,
  perMillionCharactersUsd: 0,
  perRequestUsd: 0,
});

/** The usage units a provider may report, for error messages. */
const UNITS = ['inputTokens', 'outputTokens', 'images', 'seconds', 'characters', 'requests'] as const;

/**
 * A provider usage as the ledger takes it: with its cost in USD (`costUsd`), priced by mesh-core's `costOf`
 * against {@link priceOf}, so every table is read the same way and the ledger never re-prices it.
 *
 * @throws MeshError `failed_precondition` (details `model`, `units`) when no table prices the model or any of
 *   the units the usage reports: the price tables need the model, the caller's request is not at fault.
 */
export function ledgerUsageOf(usage: ProviderUsage, ledgerPrices: PriceTable, toolPrices: PriceTable): Usage {
  const entry = Object.fromEntries(
    Object.entries(usage).filter(([, value]) => value !== undefined),
  ) as unknown as Usage;
  const units = UNITS.filter((unit) => (usage[unit] ?? 0) > 0);
  const price = priceOf(usage.model, ledgerPrices, toolPrices);
  if (price === undefined) {
    throw new MeshError(
      `no price for model "${usage.model}" (${units.join(', ') || 'no units'}): add it to the ledger's price table or the tool's prices`,
      'failed_precondition',
      { details: { reason: 'MODEL_NOT_PRICED', model: usage.model, units } },
    );
  }
  try {
    return { ...entry, costUsd: costOf({ [usage.model]: price }, entry) };
  } catch (error) {
    if (!MeshError.isInstance(error)) throw error;
    // The provider reported it: a unit without a price is a configuration fault, never the caller's.
    throw new MeshError(
      `no price for model "${usage.model}" in the units its provider reports (${units.join(', ')}): ${error.message}`,
      'failed_precondition',
      { cause: error, details: { reason: 'UNIT_NOT_PRICED', model: usage.model, units } },
    );
  }
}
