import type { MessageInitShape } from '@bufbuild/protobuf';
import type { GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/server';
import { MeshError } from '../errors/mesh-error.js';
import type {
  ClientLogSchema,
  CompleteRequest,
  CompleteRequestSchema,
  CompleteResponse,
  CompleteResponseSchema,
  GetFeaturesResponse,
  GetFeaturesResponseSchema,
  ClientLog as WireClientLog,
} from '../gen/mesh/v1/mesh_pb.js';
import type {
  CompletionRequest,
  MeshCompletion,
  MeshPromptInfo,
  MeshResourceInfo,
  MeshResourceTemplateInfo,
} from '../host/feature-host.js';
import type { ClientLogRecord } from '../observability/client-logger.js';
import type { LogLevel } from '../observability/logger.js';
import type { PeerFeatureSet } from './peer-link-types.js';
import { parseJson } from './wire-codec.js';

// Conversions of the resource, prompt, completion and log messages of mesh.v1 (issue 18). The MCP data travels as
// JSON strings, as tool results do; what a peer sends is checked for the shape MCP requires, and a peer that sends
// something else fails the request `internal` naming the field (it is the peer's fault, never the caller's).

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);

/** A client log record as a `ClientLog` message. @internal */
export function clientLogToWire(record: ClientLogRecord): MessageInitShape<typeof ClientLogSchema> {
  return { level: record.level, logger: record.logger, dataJson: JSON.stringify(record.data) };
}

/**
 * A received `ClientLog` as a client log record.
 *
 * @throws MeshError `internal` for an unknown level or data that is neither a string nor an object.
 * @internal
 */
export function clientLogFromWire(message: WireClientLog): ClientLogRecord {
  if (!LOG_LEVELS.has(message.level)) {
    throw new MeshError(`log.level must be debug, info, warn or error, got "${message.level}"`, 'internal', {
      details: { field: 'log.level' },
    });
  }
  const data = parseJson(message.dataJson, 'log.data_json', 'internal');
  if (typeof data !== 'string' && !isPlainObject(data)) {
    throw new MeshError('log.data_json must be a JSON string or object', 'internal', {
      details: { field: 'log.data_json' },
    });
  }
  return { level: message.level as LogLevel, logger: message.logger, data };
}

/** @internal */
export function featuresToWire(features: PeerFeatureSet): MessageInitShape<typeof GetFeaturesResponseSchema> {
  return { ...features };
}

/** @internal */
export function featuresFromWire(message: GetFeaturesResponse): PeerFeatureSet {
  return {
    resources: message.resources,
    resourceSubscribe: message.resourceSubscribe,
    prompts: message.prompts,
    completions: message.completions,
    logging: message.logging,
  };
}

/** What a node with no features (or without the GetFeatures method) offers besides tools. @internal */
export const NO_FEATURES: PeerFeatureSet = Object.freeze({
  resources: false,
  resourceSubscribe: false,
  prompts: false,
  completions: false,
  logging: false,
});

/** Parses a JSON array of objects each with the string fields `required`. */
function objectList<T>(text: string, field: string, required: readonly string[]): T[] {
  const value = parseJson(text || '[]', field, 'internal');
  if (!Array.isArray(value)) {
    throw new MeshError(`${field} must be a JSON array`, 'internal', { details: { field } });
  }
  value.forEach((item, index) => {
    if (!isPlainObject(item)) {
      throw new MeshError(`${field}[${index}] must be a JSON object`, 'internal', {
        details: { field: `${field}[${index}]` },
      });
    }
    for (const key of required) {
      if (typeof item[key] !== 'string') {
        throw new MeshError(`${field}[${index}].${key} must be a string`, 'internal', {
          details: { field: `${field}[${index}].${key}` },
        });
      }
    }
  });
  return value as T[];
}

/** @internal */
export function resourcesFromWire(text: string): MeshResourceInfo[] {
  return objectList(text, 'resources_json', ['uri', 'name']);
}

/** @internal */
export function resourceTemplatesFromWire(text: string): MeshResourceTemplateInfo[] {
  return objectList(text, 'resource_templates_json', ['uriTemplate', 'name']);
}

/** @internal */
export function promptsFromWire(text: string): MeshPromptInfo[] {
  return objectList(text, 'prompts_json', ['name']);
}

/** @internal */
export function readResultFromWire(text: string): ReadResourceResult {
  const value = parseJson(text, 'result_json', 'internal');
  if (!isPlainObject(value) || !Array.isArray(value.contents)) {
    throw new MeshError('result_json must be an object with a contents array', 'internal', {
      details: { field: 'result_json' },
    });
  }
  objectList(JSON.stringify(value.contents), 'result_json.contents', ['uri']);
  return value as ReadResourceResult;
}

/** @internal */
export function promptResultFromWire(text: string): GetPromptResult {
  const value = parseJson(text, 'result_json', 'internal');
  if (!isPlainObject(value) || !Array.isArray(value.messages)) {
    throw new MeshError('result_json must be an object with a messages array', 'internal', {
      details: { field: 'result_json' },
    });
  }
  return value as GetPromptResult;
}

/** @internal */
export function completeRequestToWire(
  request: CompletionRequest,
): MessageInitShape<typeof CompleteRequestSchema> {
  return {
    ref:
      request.ref.type === 'ref/prompt'
        ? { case: 'promptName', value: request.ref.name }
        : { case: 'resourceUri', value: request.ref.uri },
    argumentName: request.argument.name,
    argumentValue: request.argument.value,
    arguments: { ...request.arguments },
  };
}

/**
 * A received `CompleteRequest` as a completion request.
 *
 * @throws MeshError `invalid_argument` when it names neither a prompt nor a resource template.
 * @internal
 */
export function completeRequestFromWire(message: CompleteRequest): CompletionRequest {
  const { ref } = message;
  if (ref.case === undefined) {
    throw new MeshError('a completion request names a prompt or a resource template', 'invalid_argument', {
      details: { field: 'ref' },
    });
  }
  return {
    ref:
      ref.case === 'promptName'
        ? { type: 'ref/prompt', name: ref.value }
        : { type: 'ref/resource', uri: ref.value },
    argument: { name: message.argumentName, value: message.argumentValue },
    arguments: { ...message.arguments },
  };
}

/** @internal */
export function completionToWire(
  completion: MeshCompletion,
): MessageInitShape<typeof CompleteResponseSchema> {
  return {
    values: completion.values,
    hasMore: completion.hasMore === true,
    ...(completion.total === undefined ? {} : { total: completion.total }),
  };
}

/** @internal */
export function completionFromWire(message: CompleteResponse): MeshCompletion {
  if (message.values.length > 100) {
    throw new MeshError(`a completion holds at most 100 values, got ${message.values.length}`, 'internal', {
      details: { field: 'values', limit: 100 },
    });
  }
  const completion: MeshCompletion = { values: [...message.values] };
  if (message.total !== undefined) completion.total = message.total;
  if (message.hasMore) completion.hasMore = true;
  return completion;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
