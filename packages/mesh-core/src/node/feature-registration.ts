import { UriTemplate } from '@modelcontextprotocol/server';
import { MeshError } from '../errors/mesh-error.js';
import type {
  MeshCompletion,
  MeshPromptInfo,
  MeshResourceInfo,
  MeshResourceTemplateInfo,
} from '../host/feature-host.js';
import { stripUndefined } from '../options/strip-undefined.js';
import type { AnyPromptDefinition } from '../prompt/prompt-definition.js';
import type {
  CompletionValues,
  ResourceDefinition,
  ResourceReadResult,
  ResourceTemplateDefinition,
} from '../resource/resource-definition.js';
import { TOOL_NAME_PATTERN } from '../tool/tool-definition.js';

// Validation of resource, resource-template and prompt definitions at registration, with errors naming the
// definition and the field (as `describeTool` does for tools), and normalisation of what their handlers return.

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const MAX_NAME_CHARS = 128;
/** Most completion values one answer carries (MCP: at most 100). */
export const MAX_COMPLETION_VALUES = 100;

function invalid(message: string, details: Record<string, unknown>): MeshError {
  return new MeshError(message, 'invalid_argument', { details });
}

function checkCommon(
  what: string,
  definition: {
    name?: unknown;
    title?: unknown;
    description?: unknown;
    mimeType?: unknown;
    timeoutMs?: unknown;
  },
  details: Record<string, unknown>,
): void {
  const { name } = definition;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_CHARS) {
    throw invalid(`${what}: name must be a string of 1 to ${MAX_NAME_CHARS} characters`, {
      ...details,
      field: 'name',
    });
  }
  for (const field of ['title', 'description', 'mimeType'] as const) {
    if (definition[field] !== undefined && typeof definition[field] !== 'string') {
      throw invalid(`${what}: ${field} must be a string`, { ...details, field });
    }
  }
  const { timeoutMs } = definition;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || (timeoutMs as number) <= 0)) {
    throw invalid(`${what}: timeoutMs must be a positive integer of milliseconds, got ${String(timeoutMs)}`, {
      ...details,
      field: 'timeoutMs',
    });
  }
}

/** Validates a resource definition and computes its `resources/list` entry. */
export function describeResource(resource: ResourceDefinition): MeshResourceInfo {
  const uri = typeof resource?.uri === 'string' ? resource.uri : String(resource?.uri);
  const what = `resource "${uri}"`;
  if (!SCHEME.test(uri) || !URL.canParse(uri)) {
    throw invalid(`invalid resource URI "${uri}": use an absolute URI with a scheme, such as docs://readme`, {
      field: 'uri',
      uri,
    });
  }
  if (typeof resource.handler !== 'function') {
    throw invalid(`${what} has no handler function`, { field: 'handler', uri });
  }
  checkCommon(what, resource, { uri });
  if (resource.size !== undefined && (!Number.isInteger(resource.size) || resource.size < 0)) {
    throw invalid(`${what}: size must be a non-negative integer of bytes`, { field: 'size', uri });
  }
  return stripUndefined<MeshResourceInfo>({
    uri,
    name: resource.name,
    title: resource.title,
    description: resource.description,
    mimeType: resource.mimeType,
    size: resource.size,
    annotations: resource.annotations as Record<string, unknown> | undefined,
  });
}

/** A validated resource template with its parsed URI template. */
export interface RegisteredTemplate {
  definition: ResourceTemplateDefinition;
  template: UriTemplate;
  info: MeshResourceTemplateInfo;
}

/** Validates a resource template: its URI template parses, has variables, and `complete` names only those. */
export function describeResourceTemplate(definition: ResourceTemplateDefinition): RegisteredTemplate {
  const uriTemplate =
    typeof definition?.uriTemplate === 'string' ? definition.uriTemplate : String(definition?.uriTemplate);
  const what = `resource template "${uriTemplate}"`;
  if (!SCHEME.test(uriTemplate)) {
    throw invalid(
      `invalid URI template "${uriTemplate}": it must start with a scheme, such as docs://{name}`,
      {
        field: 'uriTemplate',
        uriTemplate,
      },
    );
  }
  let template: UriTemplate;
  try {
    template = new UriTemplate(uriTemplate);
  } catch (error) {
    throw new MeshError(
      `invalid URI template "${uriTemplate}": ${(error as Error).message}`,
      'invalid_argument',
      {
        cause: error,
        details: { field: 'uriTemplate', uriTemplate },
      },
    );
  }
  const variables = template.variableNames;
  if (variables.length === 0) {
    throw invalid(`${what} has no variables: define a fixed URI with defineResource instead`, {
      field: 'uriTemplate',
      uriTemplate,
    });
  }
  if (typeof definition.handler !== 'function') {
    throw invalid(`${what} has no handler function`, { field: 'handler', uriTemplate });
  }
  if (definition.list !== undefined && typeof definition.list !== 'function') {
    throw invalid(`${what}: list must be a function`, { field: 'list', uriTemplate });
  }
  checkCommon(what, definition, { uriTemplate });
  for (const [variable, complete] of Object.entries(definition.complete ?? {})) {
    if (!variables.includes(variable)) {
      throw invalid(
        `${what}: complete.${variable} names no variable of the template (variables: ${variables.join(', ')})`,
        {
          field: `complete.${variable}`,
          uriTemplate,
        },
      );
    }
    if (typeof complete !== 'function') {
      throw invalid(`${what}: complete.${variable} must be a function`, {
        field: `complete.${variable}`,
        uriTemplate,
      });
    }
  }
  const info = stripUndefined<MeshResourceTemplateInfo>({
    uriTemplate,
    name: definition.name,
    title: definition.title,
    description: definition.description,
    mimeType: definition.mimeType,
    annotations: definition.annotations as Record<string, unknown> | undefined,
  });
  return { definition, template, info };
}

/** Validates a prompt definition (name, argument names and fields) and computes its `prompts/list` entry. */
export function describePrompt(prompt: AnyPromptDefinition): MeshPromptInfo {
  const name = typeof prompt?.name === 'string' ? prompt.name : String(prompt?.name);
  if (!TOOL_NAME_PATTERN.test(name)) {
    throw invalid(`invalid prompt name "${name}": use 1 to 64 characters of [A-Za-z0-9_-]`, {
      field: 'name',
      prompt: name,
    });
  }
  const what = `prompt "${name}"`;
  if (typeof prompt.handler !== 'function')
    throw invalid(`${what} has no handler function`, { field: 'handler', prompt: name });
  checkCommon(what, prompt, { prompt: name });
  const info = stripUndefined<MeshPromptInfo>({ name, title: prompt.title, description: prompt.description });
  const entries = Object.entries(prompt.arguments ?? {});
  if (entries.length > 0) info.arguments = [];
  for (const [argument, spec] of entries) {
    const field = `arguments.${argument}`;
    if (!TOOL_NAME_PATTERN.test(argument)) {
      throw invalid(`${what}: invalid argument name "${argument}": use 1 to 64 characters of [A-Za-z0-9_-]`, {
        field,
        prompt: name,
      });
    }
    if (spec === null || typeof spec !== 'object')
      throw invalid(`${what}: ${field} must be an object`, { field, prompt: name });
    if (spec.required !== undefined && typeof spec.required !== 'boolean') {
      throw invalid(`${what}: ${field}.required must be a boolean`, {
        field: `${field}.required`,
        prompt: name,
      });
    }
    if (spec.description !== undefined && typeof spec.description !== 'string') {
      throw invalid(`${what}: ${field}.description must be a string`, {
        field: `${field}.description`,
        prompt: name,
      });
    }
    if (spec.schema !== undefined && typeof spec.schema?.['~standard']?.validate !== 'function') {
      throw invalid(
        `${what}: ${field}.schema must be a Standard Schema (such as z.string() or z.enum([...]))`,
        {
          field: `${field}.schema`,
          prompt: name,
        },
      );
    }
    if (spec.complete !== undefined && typeof spec.complete !== 'function') {
      throw invalid(`${what}: ${field}.complete must be a function`, {
        field: `${field}.complete`,
        prompt: name,
      });
    }
    info.arguments?.push(
      stripUndefined<NonNullable<MeshPromptInfo['arguments']>[number]>({
        name: argument,
        description: spec.description,
        required: spec.required ?? false,
      }),
    );
  }
  return info;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A resource handler's result as MCP `contents`: `uri` and `mimeType` filled in from the read, bytes encoded as
 * base64. @throws MeshError `internal` naming the resource when the result is not text or binary content.
 */
export function toResourceContents(
  uri: string,
  mimeType: string | undefined,
  result: ResourceReadResult,
): { contents: Record<string, unknown>[] } {
  const items = Array.isArray(result) ? result : [result];
  const contents = (items as unknown[]).map((item, index) => {
    const where = items.length === 1 ? '' : ` (item ${index})`;
    if (item === null || typeof item !== 'object') {
      throw new MeshError(
        `resource "${uri}" returned ${String(item)}${where} instead of { text } or { blob }`,
        'internal',
      );
    }
    const content = item as Record<string, unknown>;
    const base: Record<string, unknown> = { uri: typeof content.uri === 'string' ? content.uri : uri };
    const type = typeof content.mimeType === 'string' ? content.mimeType : mimeType;
    if (type !== undefined) base.mimeType = type;
    if (content._meta !== undefined) base._meta = content._meta;
    if (typeof content.text === 'string') return { ...base, text: content.text };
    if (content.blob instanceof Uint8Array)
      return { ...base, blob: Buffer.from(content.blob).toString('base64') };
    if (typeof content.blob === 'string' && BASE64.test(content.blob)) return { ...base, blob: content.blob };
    throw new MeshError(
      `resource "${uri}" returned content${where} without a string text, Uint8Array blob or base64 blob`,
      'internal',
    );
  });
  return { contents };
}

/** A `complete` function's answer as at most {@link MAX_COMPLETION_VALUES} values, `hasMore` set when cut. */
export function toCompletion(what: string, answer: CompletionValues): MeshCompletion {
  const values = Array.isArray(answer) ? answer : (answer as { values?: unknown }).values;
  if (!Array.isArray(values) || values.some((value) => typeof value !== 'string')) {
    throw new MeshError(`completion for ${what} returned something other than a list of strings`, 'internal');
  }
  const completion: MeshCompletion = { values: values.slice(0, MAX_COMPLETION_VALUES) as string[] };
  const given = Array.isArray(answer) ? {} : (answer as { total?: unknown; hasMore?: unknown });
  if (typeof given.total === 'number') completion.total = given.total;
  else if (values.length > MAX_COMPLETION_VALUES) completion.total = values.length;
  if (given.hasMore === true || values.length > MAX_COMPLETION_VALUES) completion.hasMore = true;
  return completion;
}
