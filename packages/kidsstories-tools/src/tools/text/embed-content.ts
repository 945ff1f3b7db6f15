import { defineTool, MeshError, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { chargeProviderCall } from '../../providers/provider-charge.js';
import { approximateTokens, resolveTextToolsOptions, type TextToolsOptions } from './text-tool-support.js';

const TOOL_NAME = 'embed_content';

const inputSchema = z.strictObject({
  texts: z
    .array(z.string().min(1).max(20_000))
    .min(1)
    .max(64)
    .describe('Texts to embed (1 to 64, each at most 20 000 characters).'),
});

const outputSchema = z.object({
  model: z.string(),
  dimensions: z.number().int(),
  vectors: z.array(z.array(z.number())).describe('One L2-normalised vector per text, rounded to 6 decimals.'),
  costUsd: z.number(),
});

/** Arguments of `embed_content`. */
export type EmbedContentInput = z.output<typeof inputSchema>;
/** Structured result of `embed_content`. */
export type EmbedContentOutput = z.output<typeof outputSchema>;

/**
 * Creates the `embed_content` tool: semantic embeddings for deduplication and search (offline: 384-dimension
 * feature hashing; cloud: text-embedding-3). Charged on the ledger (scopes `server:text`, `tool:embed_content`).
 *
 * @throws MeshError `internal` when the provider returns the wrong number or length of vectors.
 * @example
 * ```ts
 * await createEmbedContentTool().handler({ texts: ['a fox in the woods'] }, ctx);
 * ```
 */
export function createEmbedContentTool(
  options: TextToolsOptions = {},
): ToolDefinition<EmbedContentInput, EmbedContentOutput> {
  const { providers, prices } = resolveTextToolsOptions(options);
  return defineTool({
    name: TOOL_NAME,
    title: 'Embed content',
    description: 'Returns an embedding vector per text, for finding similar or repeated stories.',
    inputSchema,
    outputSchema,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    async handler(input, context) {
      const model = providers.embedding.model ?? providers.embedding.name;
      const { result, costUsd } = await chargeProviderCall(
        context,
        {
          server: 'text',
          tool: TOOL_NAME,
          prices,
          worstCase: {
            model,
            inputTokens: input.texts.reduce((sum, text) => sum + approximateTokens(text), 0),
            requests: 1,
          },
        },
        () => providers.embedding.embed(input.texts, { signal: context.signal }),
      );
      const { vectors } = result;
      if (
        vectors.length !== input.texts.length ||
        vectors.some((vector) => vector.length !== providers.embedding.dimensions)
      ) {
        throw new MeshError(
          `the embedding provider returned ${vectors.length} vector(s) for ${input.texts.length} text(s) or a wrong length`,
          'internal',
        );
      }
      return {
        structuredContent: {
          model: result.usage.model,
          dimensions: providers.embedding.dimensions,
          vectors: vectors.map((vector) => vector.map((value) => Math.round(value * 1e6) / 1e6)),
          costUsd,
        },
      };
    },
  });
}
