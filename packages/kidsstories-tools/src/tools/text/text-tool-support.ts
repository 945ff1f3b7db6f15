import type { PriceTable } from '@kidsstories/mesh-core';
import { createOfflineEmbeddingProvider } from '../../providers/offline/embedding-provider.js';
import { createOfflineRefineProvider } from '../../providers/offline/refine-provider.js';
import { createOfflineSafetyProvider } from '../../providers/offline/safety-provider.js';
import { createOfflineStoryProvider } from '../../providers/offline/story-generator.js';
import type { KidsStoriesProviders } from '../../providers/provider-types.js';

/** The providers the text tools use. */
export type TextProviders = Pick<KidsStoriesProviders, 'story' | 'refine' | 'embedding' | 'safety'>;

/**
 * The text tools' own prices: the offline models cost nothing. They are laid over the ledger's table
 * (`ctx.ledger.prices`) model by model, winning unit by unit; a model neither prices is refused.
 */
export const DEFAULT_TEXT_PRICES: PriceTable = {
  'offline:template-story': { inputPerMillionTokensUsd: 0, outputPerMillionTokensUsd: 0 },
  'offline:readability-refiner': { inputPerMillionTokensUsd: 0, outputPerMillionTokensUsd: 0 },
  'offline:feature-hash-384': { inputPerMillionTokensUsd: 0 },
};

/** Options for {@link createTextTools} and each text tool factory. */
export interface TextToolsOptions {
  /** Providers; any left out are the offline ones (template stories, rule refiner, feature hashing, word lists). */
  providers?: Partial<TextProviders>;
  /**
   * The tools' own prices, laid over the ledger's model by model (they win unit by unit). Default
   * {@link DEFAULT_TEXT_PRICES}; a model neither table prices is refused with `failed_precondition`.
   */
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

/** Rough token count of a text (4 characters per token), for worst-case reservations. */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
