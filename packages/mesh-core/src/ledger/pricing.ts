import { MeshError } from '../errors/mesh-error.js';
import type { ModelPrice, PriceTable, TierAdvice, Usage } from '../ports/cost-ledger.js';

/**
 * The price table of a ledger given none: empty. Nothing in mesh-core knows a model's price, so such a ledger
 * charges only usages that carry their own `costUsd`, and names the model of any other (see {@link costOf}).
 * Give a ledger your prices with its `prices` option (the KidsStories list prices are `KIDSSTORIES_PRICE_TABLE`
 * of `@kidsstories/kidsstories-tools`).
 *
 * @example
 * ```ts
 * costOf(EMPTY_PRICE_TABLE, { model: 'any-model', costUsd: 0.3 }); // 0.3
 * costOf(EMPTY_PRICE_TABLE, { model: 'gpt-4o', inputTokens: 1 }); // throws invalid_argument naming gpt-4o
 * ```
 */
export const EMPTY_PRICE_TABLE: PriceTable = Object.freeze({});

/**
 * The lowest remaining share of a budget (0 to 1) at which each tier is still advised. Below `economy` the
 * advice is `halt`.
 */
export interface TierThresholds {
  /** Advise `premium` while at least this share remains. */
  premium: number;
  /** Advise `standard` while at least this share remains. */
  standard: number;
  /** Advise `economy` while at least this share remains; below it, `halt`. */
  economy: number;
}

/**
 * Default tier thresholds: `premium` with at least 50 % of the tightest budget left, `standard` with at least
 * 25 %, `economy` with at least 5 %, and `halt` below 5 % (too little left for a worst-case reservation of a
 * typical story step).
 */
export const DEFAULT_TIER_THRESHOLDS: Readonly<TierThresholds> = Object.freeze({
  premium: 0.5,
  standard: 0.25,
  economy: 0.05,
});

/** The scope every reservation and record is charged to, whatever else it names. */
export const GLOBAL_SCOPE = 'global';

/** Usage fields charged by the price table, with the price field that charges each and its divisor. */
const METERS = [
  ['inputTokens', 'inputPerMillionTokensUsd', 1_000_000],
  ['outputTokens', 'outputPerMillionTokensUsd', 1_000_000],
  ['images', 'perImageUsd', 1],
  ['seconds', 'perSecondUsd', 1],
  ['characters', 'perMillionCharactersUsd', 1_000_000],
] as const satisfies ReadonlyArray<readonly [keyof Usage, keyof ModelPrice, number]>;

function checkAmount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MeshError(`${field} must be a finite number >= 0, got ${String(value)}`, 'invalid_argument', {
      details: { field },
    });
  }
  return value;
}

/**
 * The cost in USD of a usage: the explicit `costUsd` when given, otherwise the sum over every unit the usage
 * reports times the model's price for it (plus `perRequestUsd` per request, when priced).
 *
 * @throws {MeshError} `invalid_argument` when the model is not in `prices` and no `costUsd` is given (the
 *   message names the model), when a count is negative or not finite, or when the usage reports a non-zero
 *   count of a unit the model has no price for (so a reservation never silently under-counts).
 * @example
 * ```ts
 * costOf({ 'image-model': { perImageUsd: 0.04 } }, { model: 'image-model', images: 2 }); // 0.08
 * costOf(EMPTY_PRICE_TABLE, { model: 'runware:kling', costUsd: 0.3 }); // 0.3
 * ```
 */
export function costOf(prices: PriceTable, usage: Usage): number {
  if (typeof usage !== 'object' || usage === null || typeof usage.model !== 'string' || usage.model === '') {
    throw new MeshError('usage.model must be a non-empty string', 'invalid_argument', {
      details: { field: 'model' },
    });
  }
  if (usage.costUsd !== undefined) return checkAmount(usage.costUsd, 'costUsd');
  const price = Object.hasOwn(prices, usage.model) ? prices[usage.model] : undefined;
  if (price === undefined) {
    const why =
      Object.keys(prices).length === 0
        ? 'the price table is empty (give the ledger a `prices` table, or the usage its costUsd)'
        : 'it is not in the price table and the usage gives no costUsd';
    throw new MeshError(`unknown model "${usage.model}": ${why}`, 'invalid_argument', {
      details: { field: 'model', model: usage.model },
    });
  }
  // Usage often reports more units than a model is billed by (a TTS call reports characters and seconds, and is
  // billed per character): units without a price are informational. A usage in which no reported unit has a
  // price cannot be charged at all, and is refused rather than counted as free.
  let total = 0;
  const unpriced: string[] = [];
  let priced = false;
  for (const [unit, priceField, divisor] of METERS) {
    const count = usage[unit] === undefined ? 0 : checkAmount(usage[unit], unit);
    if (count === 0) continue;
    const unitPrice = price[priceField];
    if (unitPrice === undefined) {
      unpriced.push(unit);
      continue;
    }
    priced = true;
    total += (count / divisor) * unitPrice;
  }
  if (!priced && unpriced.length > 0) {
    throw new MeshError(
      `model "${usage.model}" has no price for any unit the usage reports (${unpriced.join(', ')})`,
      'invalid_argument',
      { details: { field: unpriced[0] ?? 'model', model: usage.model } },
    );
  }
  const requests = usage.requests === undefined ? 0 : checkAmount(usage.requests, 'requests');
  total += requests * (price.perRequestUsd ?? 0);
  return total;
}

/**
 * The tier to use for the next model call given the remaining share of the tightest budget.
 *
 * @param remainingRatio - remaining USD divided by the limit, from 0 to 1 (clamped; `NaN` counts as 0).
 * @param thresholds - default {@link DEFAULT_TIER_THRESHOLDS}.
 * @throws {MeshError} `invalid_argument` when thresholds are outside 0..1 or not descending.
 * @example
 * ```ts
 * adviseTier(0.8); // 'premium'
 * adviseTier(0.3); // 'standard'
 * adviseTier(0.01); // 'halt'
 * ```
 */
export function adviseTier(
  remainingRatio: number,
  thresholds: Readonly<TierThresholds> = DEFAULT_TIER_THRESHOLDS,
): TierAdvice {
  const { premium, standard, economy } = thresholds;
  const valid = [premium, standard, economy].every(
    (value) => Number.isFinite(value) && value >= 0 && value <= 1,
  );
  if (!valid || premium < standard || standard < economy) {
    throw new MeshError(
      'tier thresholds must be between 0 and 1 with premium >= standard >= economy',
      'invalid_argument',
      { details: { field: 'thresholds' } },
    );
  }
  const ratio = Number.isNaN(remainingRatio) ? 0 : Math.min(1, Math.max(0, remainingRatio));
  if (ratio >= premium) return 'premium';
  if (ratio >= standard) return 'standard';
  if (ratio >= economy && ratio > 0) return 'economy';
  return 'halt';
}

/**
 * The scopes a reservation or record is charged to: `global` first, then each given scope once, in order.
 *
 * @throws {MeshError} `invalid_argument` when a scope is not a non-empty string.
 * @example
 * ```ts
 * resolveBudgetScopes(['tool:generate_image', 'global']); // ['global', 'tool:generate_image']
 * ```
 */
export function resolveBudgetScopes(scopes: readonly string[] = []): string[] {
  const resolved = [GLOBAL_SCOPE];
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope === '') {
      throw new MeshError('budget scopes must be non-empty strings', 'invalid_argument', {
        details: { field: 'scopes' },
      });
    }
    if (!resolved.includes(scope)) resolved.push(scope);
  }
  return resolved;
}
