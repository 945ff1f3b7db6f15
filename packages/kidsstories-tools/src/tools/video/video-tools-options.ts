import type { PriceTable } from '@kidsstories/mesh-core';
import { MEDIA_PRICE_TABLE } from '../../providers/provider-charge.js';
import type { VideoProvider } from '../../providers/provider-types.js';
import type { VideoToolsContext } from '../../video/animate-clip.js';
import {
  cataloguePriceTable,
  DEFAULT_VIDEO_MODELS,
  type VideoModel,
  validateCatalogue,
} from '../../video/model-catalogue.js';

/** Options for `createVideoTools`. */
export interface VideoToolsOptions {
  /** The providers; the video tools use `video`. */
  providers: { video: VideoProvider };
  /** The models `select_model` chooses from. Default {@link DEFAULT_VIDEO_MODELS}. */
  catalogue?: readonly VideoModel[];
  /**
   * The tools' own prices, laid over the ledger's model by model (they win unit by unit). Default: the
   * catalogue's per-second prices and the offline models, plus these.
   */
  prices?: PriceTable;
  /** Most fallback models tried after a 429. Default 2. */
  maxFallbacks?: number;
  /** Share of each model's per-minute rate limit kept free, 0 to 0.9. Default 0.1. */
  headroomFraction?: number;
  /** Most clips `batch_render` renders at once when the call does not say. Default 2 (two cores). */
  defaultParallelism?: number;
  /** How often `animate_image` reports progress while a clip renders, in milliseconds. Default 1000. */
  progressIntervalMs?: number;
  /** Clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Resolved video tool options. */
export interface ResolvedVideoToolsOptions extends VideoToolsContext {
  defaultParallelism: number;
  progressIntervalMs: number;
}

/** Defaults of {@link VideoToolsOptions}. */
export const DEFAULT_VIDEO_TOOLS = {
  maxFallbacks: 2,
  headroomFraction: 0.1,
  defaultParallelism: 2,
  progressIntervalMs: 1000,
} as const;

/**
 * Applies the defaults of {@link VideoToolsOptions} once.
 *
 * @throws MeshError `invalid_argument` for an invalid catalogue.
 */
export function resolveVideoToolsOptions(options: VideoToolsOptions): ResolvedVideoToolsOptions {
  const catalogue = validateCatalogue(options.catalogue ?? DEFAULT_VIDEO_MODELS);
  return {
    provider: options.providers.video,
    catalogue,
    prices: { ...MEDIA_PRICE_TABLE, ...cataloguePriceTable(catalogue), ...options.prices },
    maxFallbacks: options.maxFallbacks ?? DEFAULT_VIDEO_TOOLS.maxFallbacks,
    headroomFraction: options.headroomFraction ?? DEFAULT_VIDEO_TOOLS.headroomFraction,
    defaultParallelism: options.defaultParallelism ?? DEFAULT_VIDEO_TOOLS.defaultParallelism,
    progressIntervalMs: options.progressIntervalMs ?? DEFAULT_VIDEO_TOOLS.progressIntervalMs,
    now: options.now ?? Date.now,
  };
}
