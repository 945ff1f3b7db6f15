import { MeshError } from '@kidsstories/mesh-core';
import type { OpenAI } from 'openai';
import { meshErrorFromProvider } from '../provider-errors.js';
import type { ProviderCallOptions, ProviderUsage, StoryProvider } from '../provider-types.js';
import { dropNulls, strictJsonSchema } from './strict-json-schema.js';

/** Options for {@link createOpenAIStoryProvider}. */
export interface OpenAIStoryProviderOptions {
  /** An `openai` client (Azure OpenAI or OpenAI), from `createOpenAIClient`. */
  client: OpenAI;
  /** Model name, used for pricing and as the `model` sent to OpenAI. */
  model: string;
  /** Azure deployment sent as the request's `model` (and so in the path). Default: `model`. */
  deployment?: string;
  /** Provider name for errors and logs. Default `azure-openai` or `openai` by client. */
  name?: string;
  /** System message. Default {@link DEFAULT_STORY_SYSTEM_PROMPT}. */
  systemPrompt?: string;
}

/** The default system message of story generation. */
export const DEFAULT_STORY_SYSTEM_PROMPT =
  "You write original, gentle, age-appropriate children's picture-book stories. Follow the requested page " +
  'count, reading level, theme and characters exactly. Keep every character look (palette, features, clothing, ' +
  'marks) consistent. Answer only with JSON matching the given schema.';

/** Sampling parameters read from the generation parameters (`temperature`, `top_p`…), when present and numeric. */
const SAMPLING_PARAMETERS = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'] as const;

/**
 * A {@link StoryProvider} over chat completions with structured output: `response_format` is
 * `json_schema` with `strict: true` and the story schema (made strict-compatible by `strictJsonSchema`). The
 * LLM-tuning parameters `temperature`, `top_p`, `presence_penalty`, `frequency_penalty` and `max_tokens` are
 * passed through, and the seed when given. The tool validates the returned story against the schema.
 *
 * Rejects with a `MeshError`: provider failures through `meshErrorFromProvider`; a refusal or
 * `content_filter` finish as `failed_precondition`; output that is not JSON as `internal`.
 *
 * @example
 * ```ts
 * const story = createOpenAIStoryProvider({ client, model: 'gpt-4o', deployment: 'gpt-4o-prod' });
 * const { story: json, usage } = await story.generateStory({ prompt, jsonSchema, parameters });
 * ```
 */
export function createOpenAIStoryProvider(options: OpenAIStoryProviderOptions): StoryProvider {
  const name = options.name ?? providerNameOf(options.client);
  const deployment = options.deployment ?? options.model;
  const systemPrompt = options.systemPrompt ?? DEFAULT_STORY_SYSTEM_PROMPT;
  return {
    name,
    model: options.model,
    async generateStory(request, callOptions: ProviderCallOptions = {}) {
      const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
        model: deployment,
        messages: [
          { role: 'system', content: systemPrompt },
          { role: 'user', content: request.prompt },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'story', strict: true, schema: strictJsonSchema(request.jsonSchema) },
        },
        ...samplingOf(request.parameters),
        ...(callOptions.seed === undefined ? {} : { seed: callOptions.seed }),
      };
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = await options.client.chat.completions.create(body, {
          signal: callOptions.signal ?? null,
        });
      } catch (error) {
        throw meshErrorFromProvider(error, { provider: name });
      }
      const usage: ProviderUsage = {
        model: options.model,
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0,
        requests: 1,
      };
      const content = chatContentOf(completion, name);
      let story: unknown;
      try {
        story = JSON.parse(content);
      } catch (error) {
        throw new MeshError(`${name}: the model answered with text that is not JSON`, 'internal', {
          cause: error,
          details: { provider: name },
        });
      }
      return { story: dropNulls(story), usage };
    },
  };
}

/**
 * The text of the first choice of a chat completion; refusals and filtered or truncated outputs become
 * `failed_precondition` errors, as the tools regenerate or fail on them rather than retry blindly.
 */
export function chatContentOf(completion: OpenAI.Chat.ChatCompletion, provider: string): string {
  const choice = completion.choices[0];
  if (!choice) {
    throw new MeshError(`${provider}: the completion has no choices`, 'internal', { details: { provider } });
  }
  if (choice.finish_reason === 'content_filter') {
    throw new MeshError(`${provider}: output was blocked by the content filter`, 'failed_precondition', {
      details: { provider, providerCode: 'content_filter' },
    });
  }
  if (choice.message.refusal) {
    throw new MeshError(`${provider}: the model refused: ${choice.message.refusal}`, 'failed_precondition', {
      details: { provider, providerCode: 'refusal' },
    });
  }
  if (choice.finish_reason === 'length') {
    throw new MeshError(`${provider}: output was cut off at max_tokens`, 'failed_precondition', {
      details: { provider, providerCode: 'length', field: 'max_tokens' },
    });
  }
  const content = choice.message.content;
  if (!content) {
    throw new MeshError(`${provider}: the completion is empty`, 'internal', { details: { provider } });
  }
  return content;
}

function samplingOf(
  parameters: Record<string, unknown>,
): Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> {
  const out: Record<string, number> = {};
  for (const key of SAMPLING_PARAMETERS) {
    const value = parameters[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  const maxTokens = parameters.max_tokens;
  if (typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens > 0)
    out.max_tokens = maxTokens;
  return out;
}

/** `azure-openai` for an `AzureOpenAI` client, `openai` otherwise. */
export function providerNameOf(client: OpenAI): string {
  return 'apiVersion' in client ? 'azure-openai' : 'openai';
}
