import { MeshError } from '../errors/mesh-error.js';
import { checkInputRequired } from '../tool/input-required.js';
import {
  isInputRequired,
  type MeshToolInfo,
  type ToolCallResult,
  type ToolInputRequired,
  type ToolOutcome,
} from '../tool/tool-context.js';
import { type AnyToolDefinition, TOOL_NAME_PATTERN, type ToolResult } from '../tool/tool-definition.js';
import { portableJsonSchema } from './portable-json-schema.js';
import { validateWithSchema } from './schema-validation.js';

/** A tool definition with its `tools/list` entry, computed once at registration. */
export interface RegisteredTool {
  definition: AnyToolDefinition;
  info: MeshToolInfo;
}

/** Validates a definition and computes its `tools/list` entry once. */
export function describeTool(tool: AnyToolDefinition): RegisteredTool {
  const name = typeof tool?.name === 'string' ? tool.name : String(tool?.name);
  if (!TOOL_NAME_PATTERN.test(name)) {
    throw new MeshError(
      `invalid tool name "${name}": use 1 to 64 characters of [A-Za-z0-9_-]`,
      'invalid_argument',
      { details: { field: 'name', tool: name } },
    );
  }
  if (typeof tool.handler !== 'function') {
    throw new MeshError(`tool "${name}" has no handler function`, 'invalid_argument', {
      details: { field: 'handler', tool: name },
    });
  }
  const info: MeshToolInfo = {
    name,
    description: typeof tool.description === 'string' ? tool.description : '',
    inputSchema: jsonSchemaOf(tool, 'inputSchema'),
  };
  if (tool.title !== undefined) info.title = tool.title;
  if (tool.outputSchema !== undefined) info.outputSchema = jsonSchemaOf(tool, 'outputSchema');
  if (tool.annotations !== undefined) info.annotations = { ...tool.annotations };
  return { definition: tool, info };
}

function jsonSchemaOf(
  tool: AnyToolDefinition,
  field: 'inputSchema' | 'outputSchema',
): Record<string, unknown> {
  const converter = tool[field]?.['~standard']?.jsonSchema;
  if (typeof converter?.input !== 'function' || typeof tool[field]?.['~standard']?.validate !== 'function') {
    throw new MeshError(
      `tool "${tool.name}": ${field} must be a Standard Schema with JSON Schema conversion (such as a Zod 4 object)`,
      'invalid_argument',
      { details: { field, tool: tool.name } },
    );
  }
  let schema: Record<string, unknown>;
  try {
    schema =
      field === 'inputSchema'
        ? converter.input({ target: 'draft-2020-12' })
        : converter.output({ target: 'draft-2020-12' });
  } catch (error) {
    throw new MeshError(
      `tool "${tool.name}": ${field} cannot be converted to JSON Schema`,
      'invalid_argument',
      {
        cause: error,
        details: { field, tool: tool.name },
      },
    );
  }
  if (schema.type !== 'object') {
    throw new MeshError(`tool "${tool.name}": ${field} must describe an object`, 'invalid_argument', {
      details: { field, tool: tool.name },
    });
  }
  // Nullable fields as `anyOf` branches, which every client and function-calling layer reads (issue 19).
  return portableJsonSchema(schema);
}

/**
 * Checks a handler's result (and its structured output against `outputSchema`) and completes its content. An
 * input-required result skips output validation and is returned as is once {@link checkInputRequired} passes.
 */
export async function toCallResult(
  definition: AnyToolDefinition,
  result: ToolResult | ToolInputRequired,
): Promise<ToolOutcome> {
  if (result === null || typeof result !== 'object') {
    throw new MeshError(
      `tool "${definition.name}" returned ${String(result)} instead of a result object`,
      'internal',
    );
  }
  if (isInputRequired(result)) return checkInputRequired(definition.name, result);
  let structured = result.structuredContent;
  if (definition.outputSchema) {
    if (structured === undefined) {
      throw new MeshError(
        `tool "${definition.name}" declares an outputSchema but returned no structuredContent`,
        'internal',
        { details: { tool: definition.name } },
      );
    }
    const output = await validateWithSchema(definition.outputSchema, structured);
    if (!output.ok) {
      const where = output.field === '' ? 'output' : `output field "${output.field}"`;
      throw new MeshError(
        `tool "${definition.name}" returned invalid ${where}: ${output.message}`,
        'internal',
        {
          details: { ...(output.field === '' ? {} : { field: output.field }), tool: definition.name },
        },
      );
    }
    structured = output.value;
  }
  const content =
    result.content ?? (structured === undefined ? [] : [{ type: 'text', text: JSON.stringify(structured) }]);
  const callResult: ToolCallResult = { content };
  if (structured !== undefined) callResult.structuredContent = structured;
  return callResult;
}
