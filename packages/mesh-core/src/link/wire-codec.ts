import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { MeshError } from '../errors/mesh-error.js';
import {
  type CallToolRequest,
  type CallToolResponse,
  type CallToolResponseSchema,
  type CallToolStreamRequest,
  CircuitState,
  HealthStatus,
  type InputRequiredSchema,
  type Tool,
  type ToolResultSchema,
  type ToolSchema,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
  type InputRequired as WireInputRequired,
  type ToolProgress as WireToolProgress,
  type ToolResult as WireToolResult,
} from '../gen/mesh/v1/mesh_pb.js';
import type { HostHealth } from '../host/tool-host.js';
import { checkInputRequired } from '../tool/input-required.js';
import {
  isInputRequired,
  type MeshToolInfo,
  type ToolCallResult,
  type ToolInputRequired,
  type ToolOutcome,
  type ToolProgress,
} from '../tool/tool-context.js';
import type { NodeEvent } from './peer-link-types.js';

// Conversions between the mesh's TypeScript types and the generated protobuf messages of mesh.v1.
// JSON travels as strings (see protos/mesh/v1/mesh.proto); parse failures name the field.

/**
 * Parses a JSON string field that must hold a JSON object.
 *
 * @throws MeshError `invalid_argument` naming `field` when the text is not JSON or not an object.
 * @internal
 */
export function parseJsonObject(text: string, field: string): Record<string, unknown> {
  if (text === '') return {};
  const value = parseJson(text, field, 'invalid_argument');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MeshError(`${field} must be a JSON object`, 'invalid_argument', { details: { field } });
  }
  return value as Record<string, unknown>;
}

/**
 * Parses a JSON string field.
 *
 * @throws MeshError with `code`, naming `field`, when the text is not JSON.
 * @internal
 */
export function parseJson(text: string, field: string, code: 'invalid_argument' | 'internal'): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MeshError(`${field} is not valid JSON`, code, { cause: error, details: { field } });
  }
}

/** Converts a tool listing to its `mesh.v1.Tool` message (schemas as JSON strings). */
export function toolToWire(tool: MeshToolInfo): MessageInitShape<typeof ToolSchema> {
  return {
    name: tool.name,
    description: tool.description,
    inputSchemaJson: JSON.stringify(tool.inputSchema),
    ...(tool.title === undefined ? {} : { title: tool.title }),
    ...(tool.outputSchema === undefined ? {} : { outputSchemaJson: JSON.stringify(tool.outputSchema) }),
    ...(tool.annotations === undefined ? {} : { annotationsJson: JSON.stringify(tool.annotations) }),
  };
}

/**
 * Converts a received `mesh.v1.Tool` message to a tool listing.
 *
 * @throws MeshError `internal` naming the field when a schema is not a JSON object.
 */
export function toolFromWire(tool: Tool): MeshToolInfo {
  const field = (name: string) => `tools.${tool.name}.${name}`;
  const info: MeshToolInfo = {
    name: tool.name,
    description: tool.description,
    inputSchema: asObject(parseJson(tool.inputSchemaJson || '{}', field('input_schema_json'), 'internal')),
  };
  if (tool.title !== undefined) info.title = tool.title;
  if (tool.outputSchemaJson !== undefined) {
    info.outputSchema = asObject(parseJson(tool.outputSchemaJson, field('output_schema_json'), 'internal'));
  }
  if (tool.annotationsJson !== undefined) {
    info.annotations = asObject(parseJson(tool.annotationsJson, field('annotations_json'), 'internal'));
  }
  return info;
}

/** Converts a tool call result to its `mesh.v1.ToolResult` message. */
export function resultToWire(result: ToolCallResult): MessageInitShape<typeof ToolResultSchema> {
  return {
    contentJson: JSON.stringify(result.content ?? []),
    isError: result.isError === true,
    ...(result.structuredContent === undefined
      ? {}
      : { structuredContentJson: JSON.stringify(result.structuredContent) }),
  };
}

/** Converts a received `mesh.v1.ToolResult` message to a tool call result. */
export function resultFromWire(result: WireToolResult | undefined): ToolCallResult {
  if (result === undefined) throw new MeshError('the peer sent no tool result', 'internal');
  const content = parseJson(result.contentJson || '[]', 'result.content_json', 'internal');
  if (!Array.isArray(content)) {
    throw new MeshError('result.content_json must be a JSON array', 'internal', {
      details: { field: 'result.content_json' },
    });
  }
  const out: ToolCallResult = { content: content as ToolCallResult['content'] };
  if (result.structuredContentJson !== undefined) {
    out.structuredContent = parseJson(
      result.structuredContentJson,
      'result.structured_content_json',
      'internal',
    );
  }
  if (result.isError) out.isError = true;
  return out;
}

/** What a call request carries besides the tool name, as the server reads it. @internal */
export interface WireCallFields {
  args: Record<string, unknown>;
  inputResponses?: Record<string, unknown>;
  requestState?: string;
}

/** The fields of a call request, for `CallToolRequest` and `CallToolStreamRequest` alike. @internal */
export function callRequestToWire(
  name: string,
  args: Record<string, unknown>,
  options: { inputResponses?: Record<string, unknown> | undefined; requestState?: string | undefined },
): Pick<CallToolRequest, 'name' | 'argumentsJson' | 'inputResponsesJson' | 'requestState'> {
  const request: Pick<CallToolRequest, 'name' | 'argumentsJson' | 'inputResponsesJson' | 'requestState'> = {
    name,
    argumentsJson: JSON.stringify(args),
  };
  if (options.inputResponses !== undefined)
    request.inputResponsesJson = JSON.stringify(options.inputResponses);
  if (options.requestState !== undefined) {
    request.requestState = wellFormed(options.requestState, 'requestState', 'invalid_argument');
  }
  return request;
}

/**
 * Reads arguments, input responses and request state from a received call request.
 *
 * @throws MeshError `invalid_argument` naming the field: `arguments_json` or `input_responses_json` that is not
 *   a JSON object, an input response that is not an object.
 * @internal
 */
export function callFieldsFromWire(request: CallToolRequest | CallToolStreamRequest): WireCallFields {
  const fields: WireCallFields = { args: parseJsonObject(request.argumentsJson, 'arguments_json') };
  if (request.inputResponsesJson !== undefined) {
    const field = 'input_responses_json';
    // Unlike `arguments_json`, an empty string is no JSON object here: the field is optional, not defaulted.
    const responses = parseJson(request.inputResponsesJson, field, 'invalid_argument');
    if (!isPlainObject(responses)) {
      throw new MeshError(`${field} must be a JSON object`, 'invalid_argument', { details: { field } });
    }
    for (const [key, response] of Object.entries(responses)) {
      if (!isPlainObject(response)) {
        throw new MeshError(`${field}.${key} must be a JSON object (a bare MCP result)`, 'invalid_argument', {
          details: { field: `${field}.${key}` },
        });
      }
    }
    fields.inputResponses = responses;
  }
  if (request.requestState !== undefined) fields.requestState = request.requestState;
  return fields;
}

/**
 * A tool's outcome as a `CallToolResponse`; an input-required outcome's state must be well-formed Unicode to
 * cross the link unchanged.
 *
 * @throws MeshError `internal` naming the tool when the input request's state is not well-formed Unicode.
 */
export function outcomeToWire(
  outcome: ToolOutcome,
  tool: string,
): MessageInitShape<typeof CallToolResponseSchema> {
  return isInputRequired(outcome)
    ? { outcome: { case: 'inputRequired', value: inputRequiredToWire(outcome, tool) } }
    : { outcome: { case: 'result', value: resultToWire(outcome) } };
}

/** @internal */
export function inputRequiredToWire(
  outcome: ToolInputRequired,
  tool: string,
): MessageInitShape<typeof InputRequiredSchema> {
  const message: MessageInitShape<typeof InputRequiredSchema> = {};
  if (outcome.inputRequests !== undefined) message.inputRequestsJson = JSON.stringify(outcome.inputRequests);
  if (outcome.requestState !== undefined) {
    message.requestState = wellFormed(outcome.requestState, 'requestState', 'internal', tool);
  }
  return message;
}

/**
 * Converts a received input-required outcome, checked as the tool's host checks it.
 *
 * @throws MeshError `internal` when the peer sent invalid JSON or an outcome MCP does not allow.
 * @internal
 */
export function inputRequiredFromWire(message: WireInputRequired, tool: string): ToolInputRequired {
  const outcome: ToolInputRequired = { resultType: 'input_required' };
  if (message.inputRequestsJson !== undefined) {
    const requests = parseJson(message.inputRequestsJson, 'input_required.input_requests_json', 'internal');
    if (!isPlainObject(requests)) {
      throw new MeshError('input_required.input_requests_json must be a JSON object', 'internal', {
        details: { field: 'input_required.input_requests_json', tool },
      });
    }
    outcome.inputRequests = requests as NonNullable<ToolInputRequired['inputRequests']>;
  }
  if (message.requestState !== undefined) outcome.requestState = message.requestState;
  return checkInputRequired(tool, outcome);
}

/** Converts a received `CallToolResponse.outcome` to a tool outcome (a result or an input request). */
export function outcomeFromWire(outcome: CallToolResponse['outcome'], tool: string): ToolOutcome {
  if (outcome.case === 'inputRequired') return inputRequiredFromWire(outcome.value, tool);
  return resultFromWire(outcome.value);
}

/** Converts a progress report to the fields of its `mesh.v1.ToolProgress` message. */
export function progressToWire(progress: ToolProgress): Omit<WireToolProgress, '$typeName' | '$unknown'> {
  return {
    progress: progress.progress,
    ...(progress.total === undefined ? {} : { total: progress.total }),
    ...(progress.message === undefined ? {} : { message: progress.message }),
  };
}

/** Converts a received `mesh.v1.ToolProgress` message to a progress report. */
export function progressFromWire(progress: WireToolProgress): ToolProgress {
  const out: ToolProgress = { progress: progress.progress };
  if (progress.total !== undefined) out.total = progress.total;
  if (progress.message !== undefined) out.message = progress.message;
  return out;
}

const HEALTH_TO_WIRE: Record<HostHealth, HealthStatus> = {
  serving: HealthStatus.SERVING,
  draining: HealthStatus.DRAINING,
  not_serving: HealthStatus.NOT_SERVING,
};

/** Converts a host health to its `mesh.v1.HealthStatus`. */
export function healthToWire(health: HostHealth): HealthStatus {
  return HEALTH_TO_WIRE[health];
}

/** Converts a received `mesh.v1.HealthStatus` to a host health. */
export function healthFromWire(status: HealthStatus): HostHealth {
  if (status === HealthStatus.SERVING) return 'serving';
  if (status === HealthStatus.DRAINING) return 'draining';
  return 'not_serving';
}

const CIRCUIT_TO_WIRE = {
  closed: CircuitState.CLOSED,
  open: CircuitState.OPEN,
  half_open: CircuitState.HALF_OPEN,
} as const;

/** Converts a node event to its `WatchEventsResponse` message. */
export function eventToWire(event: NodeEvent): WatchEventsResponse {
  switch (event.kind) {
    case 'tools_changed':
      return create(WatchEventsResponseSchema, {
        nodeId: event.nodeId,
        event: { case: 'toolsChanged', value: {} },
      });
    case 'circuit':
      return create(WatchEventsResponseSchema, {
        nodeId: event.nodeId,
        event: { case: 'circuit', value: { target: event.target, state: CIRCUIT_TO_WIRE[event.state] } },
      });
    case 'draining':
      return create(WatchEventsResponseSchema, {
        nodeId: event.nodeId,
        event: { case: 'draining', value: {} },
      });
    case 'resources_changed':
      return create(WatchEventsResponseSchema, {
        nodeId: event.nodeId,
        event: { case: 'resourcesChanged', value: {} },
      });
    case 'prompts_changed':
      return create(WatchEventsResponseSchema, {
        nodeId: event.nodeId,
        event: { case: 'promptsChanged', value: {} },
      });
    case 'resource_updated':
      return create(WatchEventsResponseSchema, {
        nodeId: event.nodeId,
        event: { case: 'resourceUpdated', value: { uri: event.uri } },
      });
  }
}

/** Converts a received event; returns `undefined` for an event kind this version does not know. */
export function eventFromWire(message: WatchEventsResponse): NodeEvent | undefined {
  const nodeId = message.nodeId;
  switch (message.event.case) {
    case 'toolsChanged':
      return { kind: 'tools_changed', nodeId };
    case 'draining':
      return { kind: 'draining', nodeId };
    case 'resourcesChanged':
      return { kind: 'resources_changed', nodeId };
    case 'promptsChanged':
      return { kind: 'prompts_changed', nodeId };
    case 'resourceUpdated':
      return { kind: 'resource_updated', nodeId, uri: message.event.value.uri };
    case 'circuit': {
      const { target, state } = message.event.value;
      if (state === CircuitState.CLOSED) return { kind: 'circuit', nodeId, target, state: 'closed' };
      if (state === CircuitState.OPEN) return { kind: 'circuit', nodeId, target, state: 'open' };
      if (state === CircuitState.HALF_OPEN) return { kind: 'circuit', nodeId, target, state: 'half_open' };
      return undefined;
    }
    default:
      return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// A lone UTF-16 surrogate cannot be encoded as UTF-8: protobuf would replace it, and a request state that must
// come back unchanged would not. Such a string is refused instead.
const LONE_SURROGATE = /\p{Cs}/u;

function wellFormed(
  text: string,
  field: string,
  code: 'invalid_argument' | 'internal',
  tool?: string,
): string {
  if (LONE_SURROGATE.test(text)) {
    const whose = tool === undefined ? field : `${field} of tool "${tool}"`;
    throw new MeshError(`${whose} is not well-formed Unicode (it holds a lone surrogate)`, code, {
      details: { field, ...(tool === undefined ? {} : { tool }) },
    });
  }
  return text;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
