import type { OpenAI } from 'openai';
import { meshErrorFromProvider } from '../provider-errors.js';
import type { ProviderCallOptions, SafetyProvider } from '../provider-types.js';

/** Options for {@link createOpenAIModerationProvider}. */
export interface OpenAIModerationProviderOptions {
  /** An `openai` client for OpenAI's API (Azure OpenAI has no moderation endpoint). */
  client: OpenAI;
  /** Moderation model. Default `omni-moderation-latest`. */
  model?: string;
  /**
   * Category score at or above which text is unsafe for children even when the API does not flag it, from 0 to
   * 1. Default 0.3: stricter than the API's general-audience thresholds.
   */
  scoreThreshold?: number;
  /** Provider name for errors. Default `openai-moderation`. */
  name?: string;
}

/**
 * A {@link SafetyProvider} over the moderations endpoint. Text is unsafe when the API flags it or when any
 * category score reaches `scoreThreshold`; the reasons list the categories (`violence`, `self-harm/intent`…).
 *
 * @throws MeshError from `meshErrorFromProvider` when the call fails: a failed check never counts as safe.
 * @example
 * ```ts
 * const safety = createOpenAIModerationProvider({ client: createOpenAIClient({ kind: 'openai', apiKey, baseURL }) });
 * const verdict = await safety.check('A dragon shares its cake.');
 * ```
 */
export function createOpenAIModerationProvider(options: OpenAIModerationProviderOptions): SafetyProvider {
  const model = options.model ?? 'omni-moderation-latest';
  const name = options.name ?? 'openai-moderation';
  const threshold = options.scoreThreshold ?? 0.3;
  return {
    name,
    async check(text, callOptions: ProviderCallOptions = {}) {
      let response: OpenAI.ModerationCreateResponse;
      try {
        response = await options.client.moderations.create(
          { model, input: text },
          { signal: callOptions.signal ?? null },
        );
      } catch (error) {
        throw meshErrorFromProvider(error, { provider: name });
      }
      const reasons = new Set<string>();
      for (const result of response.results) {
        const categories = result.categories as unknown as Record<string, boolean | null>;
        const scores = result.category_scores as unknown as Record<string, number>;
        for (const [category, flagged] of Object.entries(categories)) {
          if (flagged || (scores[category] ?? 0) >= threshold) reasons.add(category);
        }
        if (result.flagged && reasons.size === 0) reasons.add('flagged');
      }
      return {
        safe: reasons.size === 0,
        reasons: [...reasons].sort(),
        usage: { model, characters: text.length, requests: 1 },
      };
    },
  };
}
