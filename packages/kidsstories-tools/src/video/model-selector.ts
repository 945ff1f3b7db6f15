import { randomUUID } from 'node:crypto';
import type { StateStore } from '@kidsstories/mesh-core';
import { MeshError } from '@kidsstories/mesh-core';
import type { TierAdvice } from '@kidsstories/mesh-core/ports';
import {
  billedDurationSec,
  QUALITY_TIERS,
  type QualityTier,
  tierRank,
  type VideoModel,
  validateCatalogue,
} from './model-catalogue.js';

/**
 * Video model selection: the cheapest catalogue model that meets the quality floor and the duration, fits the
 * remaining budget and has rate-limit headroom, with cheaper fallbacks for when a model answers 429.
 * Request counts and cool-downs live in the state store, so every replica sees the same headroom.
 */

/** What a clip needs. */
export interface VideoRequirement {
  /** Lowest acceptable quality tier. */
  quality: QualityTier;
  /** Clip length, in seconds. */
  durationSec: number;
  /**
   * When the ledger advises a lower tier than `quality` (budget running low), accept that tier. Default true.
   * Also allows fallbacks one tier below `quality` after a 429.
   */
  allowDowngrade?: boolean;
  /** Models not to choose (for example the one that just failed). */
  excludeModels?: readonly string[];
  /**
   * Most USD one clip may cost (the `cost_ceiling` parameter): dearer models are not chosen. When it leaves no
   * model at the quality floor and `allowDowngrade` is true, the cheapest model one tier below is chosen.
   */
  costCeilingUsd?: number;
}

/** The budget picture the selection honours. */
export interface BudgetView {
  /** USD left in the tightest budget; `Infinity` without a budget. */
  remainingUsd: number;
  /** The ledger's tier advice. */
  advice: TierAdvice;
}

/** Why a model was or was not eligible. */
export interface ModelVerdict {
  modelId: string;
  eligible: boolean;
  /** For an ineligible model, the first failed criterion (`quality`, `duration`, `budget`, `cost_ceiling`, `rate_limit`, `cooling_down`, `excluded`). */
  reason?: string;
  /** Estimated cost in USD at its billed duration, when it can render the duration. */
  estimatedCostUsd?: number;
}

/** A selection. */
export interface VideoModelSelection {
  model: VideoModel;
  /** The duration the model bills, in seconds (at least the requested one). */
  billedDurationSec: number;
  estimatedCostUsd: number;
  /** The quality floor actually applied (lower than requested when the budget forced a downgrade). */
  appliedQuality: QualityTier;
  /** Models to try, in order, when the chosen one answers 429: cheaper ones first. */
  fallbacks: Array<{ model: VideoModel; billedDurationSec: number; estimatedCostUsd: number }>;
  /** The verdict on every catalogue model. */
  verdicts: ModelVerdict[];
}

/** Options for {@link createVideoModelSelector}. */
export interface VideoModelSelectorOptions {
  catalogue: readonly VideoModel[];
  /** Where request counts and cool-downs are kept (shared between replicas). */
  state: StateStore;
  /** Clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Share of each model's per-minute limit kept free, 0 to 0.9. Default 0.1 (use at most 90%). */
  headroomFraction?: number;
  /** Key prefix in the state store. Default `video-model`. */
  keyPrefix?: string;
}

/** Chooses video models and tracks their rate-limit headroom. */
export interface VideoModelSelector {
  readonly catalogue: readonly VideoModel[];
  /**
   * Chooses the cheapest eligible model.
   *
   * @throws MeshError `resource_exhausted` when the ledger advises `halt` or no model fits the budget or has
   * headroom (details carry the verdicts, and `retryAfterMs` when waiting helps); `failed_precondition` when
   * every model is excluded or below the quality floor (waiting cannot help); `invalid_argument` when no model
   * renders the duration.
   */
  select(requirement: VideoRequirement, budget: BudgetView): Promise<VideoModelSelection>;
  /** Records a request sent to a model (counts against its per-minute limit). */
  recordRequest(modelId: string): Promise<void>;
  /** Records a 429 from a model: it is skipped until `retryAfterMs` (default 60 s) has passed. */
  recordRateLimited(modelId: string, retryAfterMs?: number): Promise<void>;
}

const WINDOW_MS = 60_000;

/**
 * Creates a {@link VideoModelSelector}.
 *
 * @example
 * ```ts
 * const selector = createVideoModelSelector({ catalogue: DEFAULT_VIDEO_MODELS, state });
 * const { model } = await selector.select({ quality: 'standard', durationSec: 6 }, { remainingUsd: 5, advice: 'standard' });
 * ```
 */
export function createVideoModelSelector(options: VideoModelSelectorOptions): VideoModelSelector {
  const catalogue = validateCatalogue(options.catalogue);
  const now = options.now ?? Date.now;
  const headroomFraction = Math.min(0.9, Math.max(0, options.headroomFraction ?? 0.1));
  const prefix = options.keyPrefix ?? 'video-model';
  const requestsKey = (modelId: string) => `${prefix}:requests:${modelId}`;
  const cooldownKey = `${prefix}:cooldown`;
  let sequence = 0;

  async function recentRequests(modelId: string, at: number): Promise<number> {
    await options.state.sortedSetRemoveByScore(requestsKey(modelId), 0, at - WINDOW_MS);
    return (
      await options.state.sortedSetRangeByScore(
        requestsKey(modelId),
        at - WINDOW_MS,
        Number.POSITIVE_INFINITY,
      )
    ).length;
  }

  return {
    catalogue,
    async select(requirement, budget) {
      if (!(requirement.durationSec > 0)) {
        throw new MeshError('durationSec must be positive', 'invalid_argument', {
          details: { field: 'durationSec' },
        });
      }
      if (budget.advice === 'halt') {
        throw new MeshError('the video budget is spent; no model can be chosen', 'resource_exhausted', {
          details: { remainingUsd: budget.remainingUsd },
        });
      }
      const allowDowngrade = requirement.allowDowngrade ?? true;
      const requested = tierRank(requirement.quality);
      const advised = budget.advice === 'premium' ? 2 : tierRank(budget.advice);
      const floor = allowDowngrade ? Math.min(requested, advised) : requested;
      const fallbackFloor = allowDowngrade ? Math.max(0, floor - 1) : floor;
      const at = now();
      const cooldowns = (await options.state.hashGetAll(cooldownKey)) ?? {};
      const excluded = new Set(requirement.excludeModels ?? []);
      const verdicts: ModelVerdict[] = [];
      const eligible: Array<{ model: VideoModel; billed: number; cost: number; meetsFloor: boolean }> = [];
      for (const model of catalogue) {
        const billed = billedDurationSec(model, requirement.durationSec);
        const cost = billed === undefined ? undefined : round6(billed * model.costPerSecondUsd);
        const verdict = (reason?: string): ModelVerdict => ({
          modelId: model.id,
          eligible: reason === undefined,
          ...(reason === undefined ? {} : { reason }),
          ...(cost === undefined ? {} : { estimatedCostUsd: cost }),
        });
        const rank = tierRank(model.quality);
        if (excluded.has(model.id)) verdicts.push(verdict('excluded'));
        else if (rank < fallbackFloor) verdicts.push(verdict('quality'));
        else if (billed === undefined || cost === undefined) verdicts.push(verdict('duration'));
        else if (cost > budget.remainingUsd) verdicts.push(verdict('budget'));
        else if (requirement.costCeilingUsd !== undefined && cost > requirement.costCeilingUsd)
          verdicts.push(verdict('cost_ceiling'));
        else if (Number(cooldowns[model.id] ?? 0) > at) verdicts.push(verdict('cooling_down'));
        else if (
          (await recentRequests(model.id, at)) >=
          Math.max(1, Math.floor(model.rateLimitPerMinute * (1 - headroomFraction)))
        ) {
          verdicts.push(verdict('rate_limit'));
        } else {
          verdicts.push(verdict());
          eligible.push({ model, billed, cost, meetsFloor: rank >= floor });
        }
      }
      const byCost = (a: { cost: number; model: VideoModel }, b: { cost: number; model: VideoModel }) =>
        a.cost - b.cost ||
        tierRank(b.model.quality) - tierRank(a.model.quality) ||
        a.model.typicalLatencySec - b.model.typicalLatencySec;
      const ceilingBound = verdicts.some(
        (verdict) =>
          verdict.reason === 'cost_ceiling' &&
          tierRank(catalogue.find((model) => model.id === verdict.modelId)?.quality ?? 'economy') >= floor,
      );
      const chosen =
        eligible.filter((entry) => entry.meetsFloor).sort(byCost)[0] ??
        // The cost ceiling set aside every model at the floor: one tier lower, when a downgrade is allowed.
        (allowDowngrade && ceilingBound ? [...eligible].sort(byCost)[0] : undefined);
      if (!chosen) {
        const rendersDuration = catalogue.some(
          (model) => billedDurationSec(model, requirement.durationSec) !== undefined,
        );
        if (!rendersDuration) {
          throw new MeshError(
            `no video model renders ${requirement.durationSec} s clips`,
            'invalid_argument',
            {
              details: {
                field: 'durationSec',
                limit: Math.max(...catalogue.map((model) => model.durationsSec.at(-1) ?? 0)),
                limitUnit: 's',
              },
            },
          );
        }
        // Who can fix it decides the code: a request that no model can serve however long one waits (every
        // candidate excluded or below the floor) is the caller's to change, never a retryable code (issue 19).
        const blocked = verdicts.filter(
          (verdict) =>
            verdict.reason === 'budget' ||
            verdict.reason === 'cooling_down' ||
            verdict.reason === 'rate_limit',
        );
        if (blocked.length === 0) {
          throw new MeshError(
            `no ${QUALITY_TIERS[floor]} video model is left for a ${requirement.durationSec} s clip: ${describeVerdicts(verdicts)}`,
            'failed_precondition',
            { details: { field: 'excludeModels', verdicts } },
          );
        }
        // Waiting helps only a model set aside by its rate limit or a cooldown: say how long.
        const coolingUntil = blocked
          .filter((verdict) => verdict.reason === 'cooling_down')
          .map((verdict) => Number(cooldowns[verdict.modelId] ?? 0));
        const retryAfterMs = blocked.some((verdict) => verdict.reason === 'rate_limit')
          ? WINDOW_MS
          : coolingUntil.length > 0
            ? Math.max(1, Math.min(...coolingUntil) - at)
            : undefined;
        throw new MeshError(
          `no ${QUALITY_TIERS[floor]} video model fits the budget and rate limits for a ${requirement.durationSec} s clip: ${describeVerdicts(verdicts)}`,
          'resource_exhausted',
          {
            details: {
              verdicts,
              remainingUsd: budget.remainingUsd,
              ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
            },
          },
        );
      }
      const fallbacks = eligible
        .filter((entry) => entry !== chosen)
        .sort((a, b) => {
          // Cheaper than the chosen model first, then the rest, each by cost.
          const aCheaper = a.cost <= chosen.cost ? 0 : 1;
          const bCheaper = b.cost <= chosen.cost ? 0 : 1;
          return aCheaper - bCheaper || byCost(a, b);
        })
        .map((entry) => ({
          model: entry.model,
          billedDurationSec: entry.billed,
          estimatedCostUsd: entry.cost,
        }));
      return {
        model: chosen.model,
        billedDurationSec: chosen.billed,
        estimatedCostUsd: chosen.cost,
        appliedQuality: chosen.meetsFloor ? (QUALITY_TIERS[floor] as QualityTier) : chosen.model.quality,
        fallbacks,
        verdicts,
      };
    },
    async recordRequest(modelId) {
      const at = now();
      await options.state.sortedSetAdd(requestsKey(modelId), `${at}-${sequence++}-${randomUUID()}`, at);
    },
    async recordRateLimited(modelId, retryAfterMs = WINDOW_MS) {
      await options.state.hashSet(
        cooldownKey,
        { [modelId]: String(now() + retryAfterMs) },
        { ttlMs: 10 * WINDOW_MS },
      );
    },
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** `3 excluded, 2 quality` for an error message: how many models each reason set aside. */
function describeVerdicts(verdicts: readonly ModelVerdict[]): string {
  const counts = new Map<string, number>();
  for (const { reason } of verdicts)
    if (reason !== undefined) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${count} ${reason}`).join(', ');
}
