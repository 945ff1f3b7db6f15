import type { ContentBlock, StandardSchemaWithJSON, ToolAnnotations } from '@modelcontextprotocol/server';
import type { ToolContext, ToolInputRequired } from './tool-context.js';

/** What a tool handler returns: structured output, content blocks for the model, or both. */
export interface ToolResult<TOutput = unknown> {
  /** Structured output; validated against `outputSchema` when the tool has one. */
  structuredContent?: TOutput;
  /**
   * Content blocks (text, image, audio, resource links, embedded resources). When omitted, the edge sends the
   * structured output as one JSON text block. Large media go as `resource_link` or `resource`, never as text.
   */
  content?: ContentBlock[];
}

/**
 * A tool is data: a name, a description, schemas and a handler. Nodes serve it over MCP and over the mesh
 * service; the gateway federates it.
 *
 * Schemas are Standard Schemas with JSON Schema conversion (Zod 4, ArkType, Valibot): the JSON Schema is
 * advertised in `tools/list`, and arguments are validated before the handler runs, with the failing field
 * named in the error.
 *
 * @example
 * ```ts
 * import * as z from 'zod';
 * export const echo = defineTool({
 *   name: 'echo',
 *   description: 'Returns its input.',
 *   inputSchema: z.object({ text: z.string().max(1000) }),
 *   handler: async ({ text }) => ({ structuredContent: { text } }),
 * });
 * ```
 */
export interface ToolDefinition<TInput = Record<string, unknown>, TOutput = unknown> {
  /** Unique on its node; at most 64 characters of `[A-Za-z0-9_-]`. */
  name: string;
  /** Human-readable name for UIs. */
  title?: string;
  /** What the tool does, for the model. */
  description: string;
  /** Schema of the arguments (an object schema). */
  inputSchema: StandardSchemaWithJSON<TInput, TInput>;
  /** Schema of `structuredContent`, when the tool returns structured output. */
  outputSchema?: StandardSchemaWithJSON<TOutput, TOutput>;
  /** MCP tool annotations (`readOnlyHint`, `idempotentHint`…). `idempotentHint` marks it safe to retry. */
  annotations?: ToolAnnotations;
  /** Deadline for one call in milliseconds; overrides the peer and global timeouts. */
  timeoutMs?: number;
  /**
   * Runs the tool. Throw a `MeshError` to fail with a specific code. Return `inputRequired(...)` (a
   * {@link ToolInputRequired}) to ask the client for input first (elicitation, sampling, roots): the tool is
   * called again with the answers in `context.inputResponses`; an input-required return skips output-schema
   * validation.
   */
  handler: (input: TInput, context: ToolContext) => Promise<ToolResult<TOutput> | ToolInputRequired>;
}

/** A tool definition of any input and output type, as held in registries. */
// biome-ignore lint/suspicious/noExplicitAny: registries hold tools of every input type; the handler is contravariant.
export type AnyToolDefinition = ToolDefinition<any, any>;

/** Identity function that infers a tool's input and output types from its schemas. */
export function defineTool<TInput, TOutput = unknown>(
  definition: ToolDefinition<TInput, TOutput>,
): ToolDefinition<TInput, TOutput> {
  return definition;
}

/** Valid tool names: 1 to 64 characters of `[A-Za-z0-9_-]`. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
