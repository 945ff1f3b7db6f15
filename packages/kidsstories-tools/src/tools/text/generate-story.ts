import { defineTool, MeshError, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { characterGuideSchema } from '../../media/character-guide.js';
import {
  generationParametersInputSchema,
  resolveParameters,
} from '../../parameters/generation-parameters.js';
import { chargeProviderCall, recordProviderUsage } from '../../providers/provider-charge.js';
import { deriveSeed } from '../../random/seeded-random.js';
import { checkStorySafety } from '../../safety/safety-gate.js';
import { targetGradeOf } from '../../story/age-band.js';
import { buildStoryPrompt } from '../../story/story-prompt.js';
import { parseStory, type Story, storyJsonSchema, storySchema } from '../../story/story-schema.js';
import { storyContentHash, storyText } from '../../story/story-text.js';
import { readabilityOf } from '../../text/readability.js';
import { createStoryHistory } from '../../variation/story-history.js';
import { approximateTokens, resolveTextToolsOptions, type TextToolsOptions } from './text-tool-support.js';

const TOOL_NAME = 'generate_story';
const DAY_MS = 86_400_000;

const inputSchema = z.strictObject({
  parameters: generationParametersInputSchema
    .optional()
    .describe('Generation parameters (any subset; see docs/parameters.md). Defaults apply to the rest.'),
  characterGuide: z
    .boolean()
    .optional()
    .describe(
      "Also build and store the story's character guide on the media server (apply_character_guide, called through the mesh) and return it. Default false.",
    ),
});

const rejectionSchema = z.object({
  attempt: z.number().int(),
  seed: z.number().int(),
  reason: z.enum(['invalid', 'unsafe', 'repeat']),
  detail: z.string(),
});

const outputSchema = z.object({
  storyId: z.string(),
  story: storySchema,
  stateKey: z.string().describe('State-store hash holding the story for 24 h.'),
  seed: z.number().int().describe('Seed of the accepted draft.'),
  attempts: z.number().int().describe('Drafts generated, the accepted one included.'),
  rejected: z.array(rejectionSchema).describe('Drafts thrown away and why.'),
  readability: z.object({ fleschKincaidGrade: z.number(), targetGrade: z.number() }),
  costUsd: z.number().describe('Cost of every provider call of this tool call, in USD.'),
  model: z.string().describe('The story model (or the offline generator) that wrote the accepted draft.'),
  characterGuide: characterGuideSchema
    .optional()
    .describe('The character guide the media server stored, when characterGuide was asked for.'),
  repeatOf: z
    .object({ storyId: z.string(), similarity: z.number(), exactRepeat: z.boolean() })
    .optional()
    .describe(
      'Set when a deterministic provider (offline) was given a fixed seed and the story repeats a recent one: the same seed gives the same story, so it is returned and reported here instead of being regenerated with a new seed.',
    ),
});

/** Arguments of `generate_story`. */
export type GenerateStoryInput = z.output<typeof inputSchema>;
/** Structured result of `generate_story`. */
export type GenerateStoryOutput = z.output<typeof outputSchema>;
type Rejection = z.output<typeof rejectionSchema>;

const pagesText = (story: Story) => story.pages.map((page) => page.text).join('\n\n');

function failure(rejections: readonly Rejection[], windowDays: number): MeshError {
  const details = { attempts: rejections.length, rejected: rejections };
  if (rejections.every((rejection) => rejection.reason === 'invalid')) {
    // The model kept breaking the story format: a server-side fault, not the caller's.
    return new MeshError(
      `the story model returned an invalid story ${rejections.length} time(s)`,
      'internal',
      {
        details,
      },
    );
  }
  // failed_precondition, not aborted: retrying the same request meets the same history (and, with a fixed seed,
  // the same drafts). The caller must change the parameters or wait for older stories to leave the window.
  const unsafe = rejections.some((rejection) => rejection.reason === 'unsafe');
  const message = unsafe
    ? `no draft passed the child-safety gate and the variation check after ${rejections.length} attempt(s)`
    : `every draft repeated a story from the last ${windowDays} day(s) after ${rejections.length} attempt(s); change the parameters (theme, setting, characters) or lower uniqueness_threshold`;
  return new MeshError(message, 'failed_precondition', { details });
}

/**
 * Creates the `generate_story` tool: generation (structured output in the story schema) -> schema validation ->
 * child-safety gate -> variation check against the story history, regenerating with a new seed after an invalid,
 * unsafe or repeated draft up to `max_regeneration_attempts` times. A deterministic provider (offline) given a
 * fixed `seed` always yields the same story: a repeat is then returned with `repeatOf` rather than reseeded. Every provider call is charged on the
 * ledger (reserve the worst case, settle the actual usage; scopes `server:text` and `tool:generate_story`).
 * The accepted story is stored in the state store (hash `kidsstories:story:<id>`, 24 h TTL), recorded in the
 * history and announced with a `story.complete` event. Unsafe text is never returned.
 *
 * @throws MeshError `invalid_argument` for bad parameters, `failed_precondition` when every draft was unsafe or
 *   a repeat, `internal` when the model only produced invalid stories, and `resource_exhausted` from the ledger.
 * @example
 * ```ts
 * const tool = createGenerateStoryTool();
 * const { structuredContent } = await tool.handler({ parameters: { page_count: 4, seed: 7 } }, ctx);
 * ```
 */
export function createGenerateStoryTool(
  options: TextToolsOptions = {},
): ToolDefinition<GenerateStoryInput, GenerateStoryOutput> {
  const resolved = resolveTextToolsOptions(options);
  const { providers, prices, now } = resolved;
  return defineTool({
    name: TOOL_NAME,
    title: 'Generate story',
    description:
      'Writes an original, child-safe picture-book story as JSON (title, pages with text and scene descriptions, characters with fixed looks, moral) from up to 102 generation parameters, avoiding repeats of recent stories.',
    inputSchema,
    outputSchema,
    annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: true },
    async handler(input, context) {
      const parameters = resolveParameters(input.parameters);
      const baseSeed = parameters.seed >= 0 ? parameters.seed : Math.floor(resolved.random() * 2_147_483_647);
      const prompt = buildStoryPrompt(parameters);
      const jsonSchema = storyJsonSchema();
      const history = createStoryHistory({ state: context.state, now, keyPrefix: resolved.historyKeyPrefix });
      const scope = parameters.history_scope === 'global' ? 'all' : parameters.age_band;
      const targetGrade = targetGradeOf(parameters.reading_level, parameters.age_band);
      const totalAttempts = parameters.max_regeneration_attempts + 1;
      const rejections: Rejection[] = [];
      let costUsd = 0;

      for (let attempt = 0; attempt < totalAttempts; attempt++) {
        context.signal.throwIfAborted();
        const seed = deriveSeed(baseSeed, attempt);
        context.reportProgress({
          progress: attempt,
          total: totalAttempts,
          message: `drafting story (seed ${seed})`,
        });
        const generated = await chargeProviderCall(
          context,
          {
            server: 'text',
            tool: TOOL_NAME,
            prices,
            worstCase: {
              model: providers.story.model ?? providers.story.name,
              inputTokens: approximateTokens(prompt) + approximateTokens(JSON.stringify(jsonSchema)),
              outputTokens: parameters.max_tokens,
              requests: 1,
            },
          },
          () =>
            providers.story.generateStory(
              { prompt, jsonSchema, parameters: parameters as unknown as Record<string, unknown> },
              { seed, signal: context.signal },
            ),
        );
        costUsd += generated.costUsd;

        let story: Story;
        try {
          story = parseStory(generated.result.story, {
            pageCount: parameters.page_count,
            ageBand: parameters.age_band,
          });
        } catch (error) {
          rejections.push({ attempt, seed, reason: 'invalid', detail: MeshError.from(error).message });
          continue;
        }

        const verdict = await checkStorySafety(providers.safety, story, {
          ageBand: parameters.age_band,
          signal: context.signal,
        });
        costUsd += await recordProviderUsage(
          context,
          { server: 'text', tool: TOOL_NAME, prices },
          verdict.usage,
        );
        if (!verdict.safe) {
          context.logger.warn('story draft failed the safety gate', { seed, reasons: verdict.reasons });
          // Categories only: the matched words themselves are exactly what must not reach the caller.
          const categories = [
            ...new Set(verdict.reasons.map((reason) => reason.split(':')[0]?.trim() ?? 'unsafe')),
          ];
          rejections.push({
            attempt,
            seed,
            reason: 'unsafe',
            detail: `unsafe content: ${categories.join(', ')}`,
          });
          continue;
        }

        const text = storyText(story);
        const embedded = await chargeProviderCall(
          context,
          {
            server: 'text',
            tool: TOOL_NAME,
            prices,
            worstCase: {
              model: providers.embedding.model ?? providers.embedding.name,
              inputTokens: approximateTokens(text),
            },
          },
          () => providers.embedding.embed([text], { signal: context.signal }),
        );
        costUsd += embedded.costUsd;
        const embedding = embedded.result.vectors[0] ?? [];
        const contentHash = parameters.history_hash === 'sha256' ? storyContentHash(story) : '';
        const repeat = await history.findSimilar(embedding, {
          scope,
          windowMs: parameters.repetition_window_days * DAY_MS,
          threshold: parameters.uniqueness_threshold,
          measure: parameters.semantic_distance,
          contentHash,
        });
        // A fixed seed on a deterministic provider means this very story: report the repeat, do not reseed.
        const keepSeed = parameters.seed >= 0 && providers.story.deterministic === true;
        if (repeat && !keepSeed) {
          const how = repeat.exactRepeat ? 'identical to' : `similarity ${repeat.similarity.toFixed(3)} to`;
          rejections.push({
            attempt,
            seed,
            reason: 'repeat',
            detail: `${how} story ${repeat.entry.storyId}`,
          });
          continue;
        }

        const storyId = `story_${storyContentHash(story).slice(0, 24)}`;
        const createdAt = now();
        const stateKey = `${resolved.storyKeyPrefix}${storyId}`;
        if (!repeat) {
          await history.record({
            storyId,
            title: story.title,
            ageBand: story.ageBand,
            createdAt,
            contentHash,
            embedding,
          });
        }
        await context.state.hashSet(
          stateKey,
          {
            story: JSON.stringify(story),
            title: story.title,
            ageBand: story.ageBand,
            readingLevel: story.readingLevel,
            seed: String(seed),
            contentHash: storyContentHash(story),
            createdAt: String(createdAt),
          },
          { ttlMs: resolved.storyTtlMs },
        );
        await context.events.publish(resolved.storyEventTopic, {
          type: 'story.complete',
          source: context.nodeId,
          time: createdAt,
          data: {
            storyId,
            stateKey,
            title: story.title,
            ageBand: story.ageBand,
            pageCount: story.pages.length,
            correlationId: context.correlationId,
          },
        });
        // The brief's text -> media edge: the media server builds and stores the guide every picture keeps to.
        const guide = input.characterGuide
          ? characterGuideSchema.parse(
              (
                (await context.mesh.callTool('apply_character_guide', { story, storyId }))
                  .structuredContent as { guide?: unknown }
              )?.guide,
            )
          : undefined;
        context.reportProgress({ progress: totalAttempts, total: totalAttempts, message: 'story complete' });
        return {
          structuredContent: {
            storyId,
            story,
            stateKey,
            seed,
            attempts: attempt + 1,
            rejected: rejections,
            readability: {
              fleschKincaidGrade: readabilityOf(pagesText(story)).fleschKincaidGrade,
              targetGrade,
            },
            costUsd,
            model: providers.story.model ?? providers.story.name,
            ...(guide ? { characterGuide: guide } : {}),
            ...(repeat
              ? {
                  repeatOf: {
                    storyId: repeat.entry.storyId,
                    similarity: repeat.similarity,
                    exactRepeat: repeat.exactRepeat,
                  },
                }
              : {}),
          },
        };
      }
      throw failure(rejections, parameters.repetition_window_days);
    },
  });
}
