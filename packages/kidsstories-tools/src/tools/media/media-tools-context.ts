import type { PriceTable } from '@kidsstories/mesh-core';
import { OFFLINE_IMAGE_MODEL } from '../../providers/offline/image-provider.js';
import { OFFLINE_SPEECH_MODEL } from '../../providers/offline/speech-provider.js';
import { MEDIA_PRICE_TABLE } from '../../providers/provider-charge.js';
import type { ImageProvider, KidsStoriesProviders, SpeechProvider } from '../../providers/provider-types.js';

/** Options for `createMediaTools`. */
export interface MediaToolsOptions {
  /** The providers; the media tools use `image`, `speech` and `safety`. */
  providers: Pick<KidsStoriesProviders, 'image' | 'speech' | 'safety'>;
  /**
   * The tools' own prices, laid over the ledger's model by model (they win unit by unit). Default
   * {@link MEDIA_PRICE_TABLE}, plus these.
   */
  prices?: PriceTable;
  /**
   * Model names reserved as the worst case before a provider call (the provider reports the actual one).
   * Default: the offline models for providers named `offline-*`, else `dall-e-3` and `gpt-4o-mini-tts`.
   */
  worstCaseModels?: { image?: string; speech?: string };
  /** Clock for events and guides, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Options resolved once, shared by the media tools. */
export interface MediaToolsContext {
  providers: Pick<KidsStoriesProviders, 'image' | 'speech' | 'safety'>;
  prices: PriceTable;
  imageModel: string;
  speechModel: string;
  now: () => number;
}

/** Applies the defaults of {@link MediaToolsOptions}. */
export function resolveMediaToolsOptions(options: MediaToolsOptions): MediaToolsContext {
  return {
    providers: options.providers,
    prices: { ...MEDIA_PRICE_TABLE, ...options.prices },
    imageModel: options.worstCaseModels?.image ?? defaultImageModel(options.providers.image),
    speechModel: options.worstCaseModels?.speech ?? defaultSpeechModel(options.providers.speech),
    now: options.now ?? Date.now,
  };
}

function defaultImageModel(provider: ImageProvider): string {
  return provider.name.startsWith('offline') ? OFFLINE_IMAGE_MODEL : 'dall-e-3';
}

function defaultSpeechModel(provider: SpeechProvider): string {
  return provider.name.startsWith('offline') ? OFFLINE_SPEECH_MODEL : 'gpt-4o-mini-tts';
}
