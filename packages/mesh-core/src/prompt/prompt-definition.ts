import type { PromptMessage, StandardSchemaV1 } from '@modelcontextprotocol/server';
import type { CompleteFunction, FeatureContext } from '../resource/resource-definition.js';

/** One argument of a prompt. MCP prompt arguments are strings. */
export interface PromptArgumentDefinition {
  /** What the argument means, for the user filling it in. */
  description?: string;
  /** Whether `prompts/get` must carry it. Default `false`. */
  required?: boolean;
  /**
   * Validates (and may transform) the value before the handler runs, such as `z.enum(['3-5', '6-8'])`: a value it
   * rejects fails `prompts/get` with JSON-RPC `-32602` naming the argument. Default: any string.
   */
  schema?: StandardSchemaV1<string, string>;
  /** Suggests values for `completion/complete`. Default: no suggestions (an empty list). */
  complete?: CompleteFunction;
}

/** What a prompt handler returns: MCP's `GetPromptResult` (messages with text, images, audio, embedded resources). */
export interface PromptResult {
  /** Description of this rendering of the prompt. */
  description?: string;
  /** The messages, in order. */
  messages: PromptMessage[];
}

/**
 * A prompt is data: a name, its arguments and a handler that renders messages. Served by `prompts/list`,
 * `prompts/get` and `completion/complete` (per argument).
 *
 * @example
 * ```ts
 * export const review = definePrompt({
 *   name: 'review',
 *   description: 'Review a story for its age band.',
 *   arguments: { ageBand: { required: true, complete: () => ['3-5', '6-8', '9-12'] } },
 *   handler: async ({ ageBand }) => ({
 *     messages: [{ role: 'user', content: { type: 'text', text: `Review for ages ${ageBand}.` } }],
 *   }),
 * });
 * ```
 */
export interface PromptDefinition<TArgumentName extends string = string> {
  /** Unique on its node; at most 64 characters of `[A-Za-z0-9_-]` (as tool names). */
  name: string;
  /** Human-readable name for UIs. */
  title?: string;
  /** What the prompt is for. */
  description?: string;
  /** The arguments, by name (same name rule as the prompt). Default none. */
  arguments?: Readonly<Record<TArgumentName, PromptArgumentDefinition>>;
  /** Deadline of one `prompts/get`, in milliseconds. Default: the node's `defaultTimeoutMs` (60 000). */
  timeoutMs?: number;
  /**
   * Renders the prompt. `args` holds the arguments the client sent (validated: required ones present, unknown ones
   * refused, each through its `schema`). Throw a `MeshError` to fail with a specific code.
   */
  handler: (args: Partial<Record<TArgumentName, string>>, context: FeatureContext) => Promise<PromptResult>;
}

/** A prompt definition of any argument names, as held in registries. */
export type AnyPromptDefinition = PromptDefinition<string>;

/** Identity function that infers a prompt's argument names; the node validates it when it is registered. */
export function definePrompt<TArgumentName extends string = never>(
  definition: PromptDefinition<TArgumentName>,
): PromptDefinition<TArgumentName> {
  return definition;
}
