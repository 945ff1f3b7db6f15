import type { OpenAI } from 'openai';
import { meshErrorFromProvider } from '../provider-errors.js';
import type { ProviderCallOptions, RefineProvider } from '../provider-types.js';
import { chatContentOf } from './openai-story-provider.js';

/** Options for {@link createChatRefineProvider}. */
export interface ChatRefineProviderOptions {
  /** Client for the chat endpoint: Phi-4 on Azure AI (`createChatEndpointClient`) or an OpenAI client. */
  client: OpenAI;
  /** Model name sent in the body and used for pricing (`Phi-4`, `gpt-4o`). */
  model: string;
  /** Deployment sent as `model` when it differs from the model name (Azure OpenAI). Default: `model`. */
  deployment?: string;
  /** Provider name for errors. Default `azure-ai-phi4`. */
  name?: string;
  /** Sampling temperature. Default 0.2 (a rewrite, not a new story). */
  temperature?: number;
}

/**
 * A {@link RefineProvider} that asks a chat model (Phi-4 through an OpenAI-compatible Azure AI endpoint in
 * production) to rewrite text toward a Flesch-Kincaid grade for an age band, keeping names, events and meaning.
 * The tool measures the result and may call again; this provider makes exactly one chat call.
 *
 * Rejects with a `MeshError` mapped by `meshErrorFromProvider`; refusals and filtered outputs are
 * `failed_precondition`.
 *
 * @example
 * ```ts
 * const refine = createChatRefineProvider({ client: createChatEndpointClient(phi4), model: 'Phi-4' });
 * const { text } = await refine.refine({ text, targetGrade: 2, ageBand: '6-8' });
 * ```
 */
export function createChatRefineProvider(options: ChatRefineProviderOptions): RefineProvider {
  const name = options.name ?? 'azure-ai-phi4';
  return {
    name,
    model: options.model,
    async refine(request, callOptions: ProviderCallOptions = {}) {
      const instructions =
        `Rewrite the story text for children aged ${request.ageBand} so that its Flesch-Kincaid grade level ` +
        `is about ${request.targetGrade.toFixed(1)}. Use short sentences and common words for lower grades, ` +
        'richer sentences for higher ones. Keep every name, event, page break and the moral. Answer with the ' +
        'rewritten text only, no notes.';
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = await options.client.chat.completions.create(
          {
            model: options.deployment ?? options.model,
            messages: [
              { role: 'system', content: instructions },
              { role: 'user', content: request.text },
            ],
            temperature: options.temperature ?? 0.2,
            ...(callOptions.seed === undefined ? {} : { seed: callOptions.seed }),
          },
          { signal: callOptions.signal ?? null },
        );
      } catch (error) {
        throw meshErrorFromProvider(error, { provider: name });
      }
      const text = chatContentOf(completion, name).trim();
      return {
        text,
        usage: {
          model: options.model,
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
          requests: 1,
        },
      };
    },
  };
}
