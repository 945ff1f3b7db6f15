import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { MeshError } from '../errors/mesh-error.js';
import {
  CircuitState,
  HealthStatus,
  type Tool,
  type ToolResultSchema,
  type ToolSchema,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
  type ToolProgress as WireToolProgress,
  type ToolResult as WireToolResult,
} from '../gen/mesh/v1/mesh_pb.js';
import type { HostHealth } from '../node/tool-host.js';
import type { MeshToolInfo, ToolCallResult, ToolProgress } from '../tool/tool-context.js';
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

/** @internal */
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

/** @internal */
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

/** @internal */
export function resultToWire(result: ToolCallResult): MessageInitShape<typeof ToolResultSchema> {
  return {
    contentJson: JSON.stringify(result.content ?? []),
    isError: result.isError === true,
    ...(result.structuredContent === undefined
      ? {}
      : { structuredContentJson: JSON.stringify(result.structuredContent) }),
  };
}

/** @internal */
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

/** @internal */
export function progressToWire(progress: ToolProgress): Omit<WireToolProgress, '$typeName' | '$unknown'> {
  return {
    progress: progress.progress,
    ...(progress.total === undefined ? {} : { total: progress.total }),
    ...(progress.message === undefined ? {} : { message: progress.message }),
  };
}

/** @internal */
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

/** @internal */
export function healthToWire(health: HostHealth): HealthStatus {
  return HEALTH_TO_WIRE[health];
}

/** @internal */
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

/** @internal */
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
  }
}

/** Converts a received event; returns `undefined` for an event kind this version does not know. @internal */
export function eventFromWire(message: WatchEventsResponse): NodeEvent | undefined {
  const nodeId = message.nodeId;
  switch (message.event.case) {
    case 'toolsChanged':
      return { kind: 'tools_changed', nodeId };
    case 'draining':
      return { kind: 'draining', nodeId };
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

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
