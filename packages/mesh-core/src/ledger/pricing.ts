import { MeshError } from '../errors/mesh-error.js';
import type { ModelPrice, PriceTable, TierAdvice, Usage } from '../ports/cost-ledger.js';

/**
 * Public list prices in USD for the models the KidsStories mesh uses, as published by OpenAI and Azure AI
 * Foundry (standard, pay-as-you-go, global deployments; 2025 list prices). Check them against your own
 * agreement and pass your own table to a ledger when they differ.
 *
 * - `gpt-4o`: $2.50 / $10.00 per million input / output tokens.
 * - `gpt-4o-mini`: $0.15 / $0.60 per million input / output tokens.
 * - `phi-4`: $0.125 / $0.50 per million input / output tokens (Azure AI Foundry serverless).
 * - `text-embedding-3-large`: $0.13 per million input tokens.
 * - `dall-e-3`: $0.04 per standard 1024x1024 image; `dall-e-3-hd`: $0.08 per HD 1024x1024 image.
 * - `gpt-4o-mini-tts`: billed $0.60 per million text input tokens and $12.00 per million audio output tokens,
 *   which is about $0.15 per million input characters (4 characters a token) plus $0.015 per minute of speech
 *   ($0.00025 a second). A usage reports either the tokens or the characters and seconds (the narration
 *   providers measure the latter), never both.
 * - `tts-1-hd`: $30 per million input characters; `tts-1`: $15 per million input characters.
 * - `omni-moderation-latest`: free.
 *
 * @example
 * ```ts
 * costOf(DEFAULT_PRICE_TABLE, { model: 'gpt-4o-mini', inputTokens: 1_000, outputTokens: 500 }); // 0.00045
 * ```
 */
export const DEFAULT_PRICE_TABLE: Readonly<Record<string, Readonly<ModelPrice>>> = Object.freeze({
  'gpt-4o': Object.freeze({ inputPerMillionTokensUsd: 2.5, outputPerMillionTokensUsd: 10 }),
  'gpt-4o-mini': Object.freeze({ inputPerMillionTokensUsd: 0.15, outputPerMillionTokensUsd: 0.6 }),
  'phi-4': Object.freeze({ inputPerMillionTokensUsd: 0.125, outputPerMillionTokensUsd: 0.5 }),
  'text-embedding-3-large': Object.freeze({ inputPerMillionTokensUsd: 0.13 }),
  'dall-e-3': Object.freeze({ perImageUsd: 0.04 }),
  'dall-e-3-hd': Object.freeze({ perImageUsd: 0.08 }),
  // Billed by text tokens in and audio tokens out (issue 12 item 8). The narration providers measure characters
  // in and seconds out, so both are priced at what they amount to in billed tokens: 0.60 USD per million tokens
  // of about 4 characters, and about 0.015 USD per minute of speech.
  'gpt-4o-mini-tts': Object.freeze({
    inputPerMillionTokensUsd: 0.6,
    outputPerMillionTokensUsd: 12,
    perMillionCharactersUsd: 0.15,
    perSecondUsd: 0.00025,
  }),
  'tts-1-hd': Object.freeze({ perMillionCharactersUsd: 30 }),
  'tts-1': Object.freeze({ perMillionCharactersUsd: 15 }),
  'omni-moderation-latest': Object.freeze({ perMillionCharactersUsd: 0, perRequestUsd: 0 }),
});

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
 * costOf(DEFAULT_PRICE_TABLE, { model: 'dall-e-3', images: 2 }); // 0.08
 * costOf({}, { model: 'runware:kling', costUsd: 0.3 }); // 0.3
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
    throw new MeshError(
      `unknown model "${usage.model}": it is not in the price table and the usage gives no costUsd`,
      'invalid_argument',
      { details: { field: 'model', model: usage.model } },
    );
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
