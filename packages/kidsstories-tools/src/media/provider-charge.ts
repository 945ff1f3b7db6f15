import type { ModelPrice, PriceTable, ToolContext, Usage } from '@kidsstories/mesh-core';
import { MeshError } from '@kidsstories/mesh-core';
import type { ProviderUsage } from '../providers/provider-types.js';

/**
 * Cost accounting of media provider calls on the cost-ledger port: reserve the worst case before the call,
 * settle the actual usage after, release when the call fails. Charged to `global`, `server:{server}` and
 * `tool:{tool}`.
 */

/**
 * Prices of the media models the shared ledger price table may not know: the offline providers (free) and
 * Azure OpenAI's image and speech models at list price. A ledger price for the same model wins.
 */
export const MEDIA_PRICE_TABLE: PriceTable = {
  'offline-svg': { perImageUsd: 0 },
  'offline-flite': { perMillionCharactersUsd: 0 },
  'offline-panzoom': { perSecondUsd: 0 },
  'dall-e-3': { perImageUsd: 0.04 },
  'gpt-image-1': { perImageUsd: 0.042 },
  'tts-1': { perMillionCharactersUsd: 15 },
  'tts-1-hd': { perMillionCharactersUsd: 30 },
  'gpt-4o-mini-tts': { perMillionCharactersUsd: 15 },
};

/** What to charge and where. */
export interface ChargeOptions {
  /** The server scope: charged as `server:{server}`. */
  server: 'media' | 'video';
  /** The tool name: charged as `tool:{tool}`. */
  tool: string;
  /** The most the call may consume. */
  worstCase: ProviderUsage;
  /** Prices used when the ledger's table lacks a model. Default {@link MEDIA_PRICE_TABLE}. */
  prices?: PriceTable;
}

/** The outcome of a charged call. */
export interface Charged<T> {
  result: T;
  /** The settled cost, in USD. */
  costUsd: number;
}

/**
 * Runs `call` between a reservation of the worst case and a settlement of the usage the call reports.
 *
 * @throws MeshError `resource_exhausted` from the ledger when a budget would be exceeded (the call does not run),
 * or whatever `call` throws (the reservation is released).
 * @example
 * ```ts
 * const { result, costUsd } = await chargeProviderCall(ctx, { server: 'media', tool: 'generate_image',
 *   worstCase: { model: 'dall-e-3', images: 1 } }, () => providers.image.generateImage(request));
 * ```
 */
export async function chargeProviderCall<T extends { usage: ProviderUsage }>(
  ctx: ToolContext,
  options: ChargeOptions,
  call: () => Promise<T>,
): Promise<Charged<T>> {
  const prices = options.prices ?? MEDIA_PRICE_TABLE;
  const scopes = [`server:${options.server}`, `tool:${options.tool}`];
  const reservation = await ctx.ledger.reserve(priced(options.worstCase, ctx.ledger.prices, prices), {
    scopes,
    ...(ctx.budgetId === undefined ? {} : { budgetId: ctx.budgetId }),
  });
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await ctx.ledger.release(reservation).catch(() => undefined);
    throw error;
  }
  const settlement = await ctx.ledger.settle(reservation, priced(result.usage, ctx.ledger.prices, prices));
  return { result, costUsd: settlement.costUsd };
}

/**
 * The usage as the ledger should see it: as is when the ledger prices its model, with an explicit `costUsd`
 * from `fallback` otherwise.
 *
 * @throws MeshError `invalid_argument` when neither table prices the model.
 */
export function priced(usage: ProviderUsage, ledgerPrices: PriceTable, fallback: PriceTable): Usage {
  const entry: Usage = stripUndefined(usage);
  if (ledgerPrices[usage.model] !== undefined) return entry;
  const price = fallback[usage.model];
  if (price === undefined) {
    throw new MeshError(`no price for model "${usage.model}"`, 'invalid_argument', {
      details: { field: 'model' },
    });
  }
  return { ...entry, costUsd: costOfUsage(price, usage) };
}

/** The cost in USD of a usage at a price (the same arithmetic as the ledger's `costOf`). */
export function costOfUsage(price: ModelPrice, usage: ProviderUsage): number {
  return (
    ((usage.inputTokens ?? 0) * (price.inputPerMillionTokensUsd ?? 0)) / 1e6 +
    ((usage.outputTokens ?? 0) * (price.outputPerMillionTokensUsd ?? 0)) / 1e6 +
    (usage.images ?? 0) * (price.perImageUsd ?? 0) +
    (usage.seconds ?? 0) * (price.perSecondUsd ?? 0) +
    ((usage.characters ?? 0) * (price.perMillionCharactersUsd ?? 0)) / 1e6 +
    (usage.requests ?? 0) * (price.perRequestUsd ?? 0)
  );
}

function stripUndefined(usage: ProviderUsage): Usage {
  return Object.fromEntries(
    Object.entries(usage).filter(([, value]) => value !== undefined),
  ) as unknown as Usage;
}
