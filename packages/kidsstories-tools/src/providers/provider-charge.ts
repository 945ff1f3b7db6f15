import { costOf, type PriceTable, type ToolContext, type Usage } from '@kidsstories/mesh-core';
import type { ProviderUsage } from './provider-types.js';

/**
 * Prices of the models the mesh-core ledger's default table does not list: the offline family (free) and
 * media list prices. The ledger's own table (`ctx.ledger.prices`) always wins.
 */
export const MEDIA_PRICE_TABLE: PriceTable = {
  'offline-svg': { perImageUsd: 0 },
  'offline-flite': { perMillionCharactersUsd: 0, perSecondUsd: 0 },
  'offline-panzoom': { perSecondUsd: 0 },
  'dall-e-3': { perImageUsd: 0.04 },
  'gpt-image-1': { perImageUsd: 0.042 },
  'tts-1': { perMillionCharactersUsd: 15 },
  'tts-1-hd': { perMillionCharactersUsd: 30 },
  'gpt-4o-mini-tts': { perMillionCharactersUsd: 15 },
};

/** Which server and tool a provider call is charged to. */
export interface ChargeOptions {
  /** The server scope: charged as `server:{server}`. */
  server: 'text' | 'media' | 'video';
  /** The tool name: charged as `tool:{tool}`. */
  tool: string;
  /** Prices used when the ledger's table lacks a model. */
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
 * the call fails.
 *
 * @throws MeshError `resource_exhausted` from the ledger when a budget would be exceeded (the call never runs),
 *   or whatever the call throws.
 */
export async function chargeProviderCall<T extends { usage: ProviderUsage }>(
  ctx: ToolContext,
  options: ChargeOptions & { worstCase: ProviderUsage },
  call: () => Promise<T>,
): Promise<Charged<T>> {
  if (!isPriced(options.worstCase.model, ctx.ledger.prices, options.prices)) {
    ctx.logger.warn('model has no price: its cost is recorded as 0 and no budget limits it', {
      model: options.worstCase.model,
      tool: options.tool,
    });
  }
  const reservation = await ctx.ledger.reserve(
    ledgerUsageOf(options.worstCase, ctx.ledger.prices, options.prices),
    {
      scopes: chargeScopes(options),
      ...(ctx.budgetId === undefined ? {} : { budgetId: ctx.budgetId }),
    },
  );
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await ctx.ledger.release(reservation).catch(() => undefined);
    throw error;
  }
  const settlement = await ctx.ledger.settle(
    reservation,
    ledgerUsageOf(result.usage, ctx.ledger.prices, options.prices),
  );
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

/** True when the ledger's table or `fallback` prices `model`. */
export function isPriced(model: string, ledgerPrices: PriceTable, fallback: PriceTable): boolean {
  return Object.hasOwn(ledgerPrices, model) || Object.hasOwn(fallback, model);
}

/**
 * A provider usage as the ledger takes it: as is when the ledger's table prices the model, else with an
 * explicit `costUsd` from `fallback` (priced by mesh-core's `costOf`, so every table is read the same way).
 * A model neither table knows (a custom deployment name) is recorded at 0 USD, so the call is not refused;
 * {@link chargeProviderCall} logs a warning for it, since budgets cannot limit what they cannot price.
 */
export function ledgerUsageOf(usage: ProviderUsage, ledgerPrices: PriceTable, fallback: PriceTable): Usage {
  const entry = Object.fromEntries(
    Object.entries(usage).filter(([, value]) => value !== undefined),
  ) as unknown as Usage;
  if (Object.hasOwn(ledgerPrices, usage.model)) return entry;
  if (!Object.hasOwn(fallback, usage.model)) return { ...entry, costUsd: 0 };
  return { ...entry, costUsd: costOf(fallback, entry) };
}
