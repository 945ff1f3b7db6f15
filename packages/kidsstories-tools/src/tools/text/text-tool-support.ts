import type { ModelPrice, PriceTable, ToolContext, Usage } from '@kidsstories/mesh-core';
import { createOfflineEmbeddingProvider } from '../../providers/offline/embedding-provider.js';
import { createOfflineRefineProvider } from '../../providers/offline/refine-provider.js';
import { createOfflineSafetyProvider } from '../../providers/offline/safety-provider.js';
import { createOfflineStoryProvider } from '../../providers/offline/story-generator.js';
import type { KidsStoriesProviders, ProviderUsage } from '../../providers/provider-types.js';

/** The providers the text tools use. */
export type TextProviders = Pick<KidsStoriesProviders, 'story' | 'refine' | 'embedding' | 'safety'>;

/**
 * Prices used for models the ledger's own price table does not list: the offline models cost nothing.
 * The ledger's table (`ctx.ledger.prices`) always wins.
 */
export const DEFAULT_TEXT_PRICES: PriceTable = {
  'offline:template-story': {},
  'offline:readability-refiner': {},
  'offline:feature-hash-384': {},
};

/** Options for {@link createTextTools} and each text tool factory. */
export interface TextToolsOptions {
  /** Providers; any left out are the offline ones (template stories, rule refiner, feature hashing, word lists). */
  providers?: Partial<TextProviders>;
  /** Fallback prices for models the ledger does not price. Default {@link DEFAULT_TEXT_PRICES}; unlisted models cost 0. */
  prices?: PriceTable;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Random source in [0, 1) used to draw a seed when `seed` is -1. Default `Math.random`. */
  random?: () => number;
  /** Time to live of a stored story, in milliseconds. Default 86 400 000 (24 h). */
  storyTtlMs?: number;
  /** Prefix of stored story keys. Default `kidsstories:story:`. */
  storyKeyPrefix?: string;
  /** Prefix of the variation history keys. Default `kidsstories:story-history`. */
  historyKeyPrefix?: string;
  /** Topic `story.complete` events are published on. Default `story.complete`. */
  storyEventTopic?: string;
}

/** {@link TextToolsOptions} with every default applied. */
export interface ResolvedTextToolsOptions {
  providers: TextProviders;
  prices: PriceTable;
  now: () => number;
  random: () => number;
  storyTtlMs: number;
  storyKeyPrefix: string;
  historyKeyPrefix: string;
  storyEventTopic: string;
}

/** Applies the defaults of {@link TextToolsOptions} once. */
export function resolveTextToolsOptions(options: TextToolsOptions = {}): ResolvedTextToolsOptions {
  return {
    providers: {
      story: options.providers?.story ?? createOfflineStoryProvider(),
      refine: options.providers?.refine ?? createOfflineRefineProvider(),
      embedding: options.providers?.embedding ?? createOfflineEmbeddingProvider(),
      safety: options.providers?.safety ?? createOfflineSafetyProvider(),
    },
    prices: options.prices ?? DEFAULT_TEXT_PRICES,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    storyTtlMs: options.storyTtlMs ?? 86_400_000,
    storyKeyPrefix: options.storyKeyPrefix ?? 'kidsstories:story:',
    historyKeyPrefix: options.historyKeyPrefix ?? 'kidsstories:story-history',
    storyEventTopic: options.storyEventTopic ?? 'story.complete',
  };
}

function costOf(price: ModelPrice, usage: ProviderUsage): number {
  return (
    ((usage.inputTokens ?? 0) * (price.inputPerMillionTokensUsd ?? 0)) / 1e6 +
    ((usage.outputTokens ?? 0) * (price.outputPerMillionTokensUsd ?? 0)) / 1e6 +
    (usage.images ?? 0) * (price.perImageUsd ?? 0) +
    (usage.seconds ?? 0) * (price.perSecondUsd ?? 0) +
    ((usage.characters ?? 0) * (price.perMillionCharactersUsd ?? 0)) / 1e6 +
    (usage.requests ?? 0) * (price.perRequestUsd ?? 0)
  );
}

/** A provider usage as a ledger usage: priced by the ledger when it knows the model, else by `prices`. */
export function toLedgerUsage(usage: ProviderUsage, context: ToolContext, prices: PriceTable): Usage {
  if (context.ledger.prices[usage.model] !== undefined) return { ...usage };
  const price = prices[usage.model];
  return { ...usage, costUsd: price === undefined ? 0 : costOf(price, usage) };
}

/** The ledger scopes a text tool charges: `server:text` and `tool:<name>` (`global` is added by the ledger). */
export function textScopes(toolName: string): string[] {
  return ['server:text', `tool:${toolName}`];
}

/**
 * Runs one provider call under a reservation: reserves the worst case on the tool's scopes, runs the call,
 * settles to the actual usage, or releases the reservation when the call fails.
 *
 * @returns The call's result and the settled cost in USD.
 * @throws MeshError `resource_exhausted` from the ledger when a budget would be exceeded (the call never runs),
 *   or whatever the call throws.
 */
export async function chargedCall<T extends { usage: ProviderUsage }>(
  context: ToolContext,
  options: { toolName: string; worstCase: ProviderUsage; prices: PriceTable },
  call: () => Promise<T>,
): Promise<{ result: T; costUsd: number }> {
  const scopes = textScopes(options.toolName);
  const reservation = await context.ledger.reserve(
    toLedgerUsage(options.worstCase, context, options.prices),
    {
      scopes,
      ...(context.budgetId === undefined ? {} : { budgetId: context.budgetId }),
    },
  );
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await context.ledger.release(reservation).catch(() => undefined);
    throw error;
  }
  const settlement = await context.ledger.settle(
    reservation,
    toLedgerUsage(result.usage, context, options.prices),
  );
  return { result, costUsd: settlement.costUsd };
}

/** Records a usage that was not reserved (moderation calls), when there is one. */
export async function recordUsage(
  context: ToolContext,
  toolName: string,
  usage: ProviderUsage | undefined,
  prices: PriceTable,
): Promise<number> {
  if (usage === undefined) return 0;
  const settlement = await context.ledger.record(toLedgerUsage(usage, context, prices), {
    scopes: textScopes(toolName),
    ...(context.budgetId === undefined ? {} : { budgetId: context.budgetId }),
  });
  return settlement.costUsd;
}

/** Rough token count of a text (4 characters per token), for worst-case reservations. */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
