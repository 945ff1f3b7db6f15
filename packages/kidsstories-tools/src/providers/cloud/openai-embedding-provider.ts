import { MeshError } from '@kidsstories/mesh-core';
import type { OpenAI } from 'openai';
import { meshErrorFromProvider } from '../provider-errors.js';
import type { EmbeddingProvider, ProviderCallOptions } from '../provider-types.js';
import { providerNameOf } from './openai-story-provider.js';

/** Options for {@link createOpenAIEmbeddingProvider}. */
export interface OpenAIEmbeddingProviderOptions {
  /** An `openai` client (Azure OpenAI or OpenAI). */
  client: OpenAI;
  /** Model name, for pricing and as `model` on OpenAI. Default `text-embedding-3-large`. */
  model?: string;
  /** Azure deployment sent as `model`. Default: `model`. */
  deployment?: string;
  /**
   * Requested vector length, sent as `dimensions` (text-embedding-3 models shorten their vectors). Default: not
   * sent, and {@link EmbeddingProvider.dimensions} is the model's native length (3072 for
   * text-embedding-3-large, 1536 otherwise).
   */
  dimensions?: number;
  /** Provider name for errors. Default `azure-openai` or `openai` by client. */
  name?: string;
}

/** Most inputs sent in one embeddings request (the API allows 2048). */
const MAX_BATCH = 2048;

/**
 * An {@link EmbeddingProvider} over the embeddings endpoint, requesting `encoding_format: 'float'` (the client
 * would otherwise ask for base64). Vectors come back in input order whatever order the API answers in.
 *
 * @throws MeshError `invalid_argument` for an empty list or more than 2048 texts; provider failures through
 *   `meshErrorFromProvider`; a vector of the wrong length as `internal`.
 * @example
 * ```ts
 * const embedding = createOpenAIEmbeddingProvider({ client, deployment: 'embed-prod' });
 * const { vectors } = await embedding.embed(['Once upon a time…']);
 * ```
 */
export function createOpenAIEmbeddingProvider(options: OpenAIEmbeddingProviderOptions): EmbeddingProvider {
  const model = options.model ?? 'text-embedding-3-large';
  const name = options.name ?? providerNameOf(options.client);
  const dimensions = options.dimensions ?? (model === 'text-embedding-3-large' ? 3072 : 1536);
  return {
    name,
    model,
    dimensions,
    async embed(texts, callOptions: ProviderCallOptions = {}) {
      if (texts.length === 0 || texts.length > MAX_BATCH) {
        throw new MeshError(`embed needs 1 to ${MAX_BATCH} texts, got ${texts.length}`, 'invalid_argument', {
          details: { field: 'texts' },
        });
      }
      let response: OpenAI.CreateEmbeddingResponse;
      try {
        response = await options.client.embeddings.create(
          {
            model: options.deployment ?? model,
            input: [...texts],
            encoding_format: 'float',
            ...(options.dimensions === undefined ? {} : { dimensions: options.dimensions }),
          },
          { signal: callOptions.signal ?? null },
        );
      } catch (error) {
        throw meshErrorFromProvider(error, { provider: name });
      }
      const vectors: number[][] = new Array(texts.length);
      for (const item of response.data) vectors[item.index] = item.embedding;
      for (let index = 0; index < texts.length; index++) {
        const vector = vectors[index];
        if (!vector || vector.length !== dimensions) {
          throw new MeshError(
            `${name}: embedding ${index} has ${vector?.length ?? 0} dimensions, expected ${dimensions}`,
            'internal',
            { details: { provider: name } },
          );
        }
      }
      return {
        vectors,
        usage: { model, inputTokens: response.usage?.prompt_tokens ?? 0, requests: 1 },
      };
    },
  };
}
