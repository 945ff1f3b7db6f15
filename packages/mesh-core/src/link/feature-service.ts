import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { pickCallMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';
import type {
  GetPromptResponseSchema,
  ListResourcesResponseSchema,
  MeshService,
  ReadResourceResponseSchema,
} from '../gen/mesh/v1/mesh_pb.js';
import type { FeatureCall, HostFeatures } from '../host/feature-host.js';
import type { InboundCall } from '../host/tool-host.js';
import type { ClientLogRecord, ClientLogSink } from '../observability/client-logger.js';
import { createAsyncQueue } from './async-queue.js';
import {
  clientLogToWire,
  completeRequestFromWire,
  completionToWire,
  featuresToWire,
} from './feature-wire-codec.js';
import type { PeerFeatureSet } from './peer-link-types.js';

/** Most log records of one request held for a slow reader before the oldest is dropped. */
const MAX_QUEUED_LOGS = 1_024;

/** What the feature handlers need from the mesh service around them. @internal */
export interface FeatureServiceScope {
  /** The node's id, for error messages. */
  nodeId: string;
  /** What the node serves besides tools. */
  features: HostFeatures;
  /** Authenticates, checks the hop count and reads deadline and metadata, as for `CallTool`. */
  inboundCall(context: HandlerContext): Promise<InboundCall>;
  /** Converts a failure into the wire error (the one boundary of the service). */
  toWireError(error: unknown, method: string): Error;
}

/** What a node with `features` offers, as `GetFeatures` reports it. @internal */
export function featureSetOf(features: HostFeatures): PeerFeatureSet {
  const resources = features.resources !== undefined;
  const prompts = features.prompts !== undefined;
  return {
    resources,
    resourceSubscribe: resources,
    prompts,
    completions: features.completion !== undefined && (resources || prompts),
    logging: true,
  };
}

/** The metadata of an inbound request as a feature call. */
function featureCallOf(call: InboundCall, onLog: ClientLogSink | undefined): FeatureCall {
  const feature: FeatureCall = { ...pickCallMetadata(call), signal: call.signal };
  if (onLog) feature.onLog = onLog;
  return feature;
}

/**
 * Runs `run` and yields the log records it writes (when `logs`), then its result: the shape of every streamed
 * feature response (`ListResources`, `ReadResource`, `GetPrompt`).
 */
async function* withLogs<T, M>(
  call: InboundCall,
  logs: boolean,
  run: (call: FeatureCall) => Promise<T>,
  toLog: (record: ClientLogRecord) => M,
  toResult: (value: T) => M,
): AsyncGenerator<M> {
  if (!logs) {
    yield toResult(await run(featureCallOf(call, undefined)));
    return;
  }
  const queue = createAsyncQueue<ClientLogRecord>(call.signal, { maxItems: MAX_QUEUED_LOGS });
  const pending = run(featureCallOf(call, (record) => queue.push(record))).finally(() => queue.end());
  // Observed here so an early rejection is not reported as unhandled while the records drain.
  pending.catch(() => {});
  for await (const record of queue) yield toLog(record);
  yield toResult(await pending);
}

/**
 * The resource, prompt and completion methods of the mesh service over a node's {@link HostFeatures}: each
 * authenticates and reads metadata exactly as `CallTool` does; a feature the node does not serve is `unimplemented`.
 *
 * @internal Used by `createMeshServiceImpl`.
 */
export function createFeatureServiceImpl(
  scope: FeatureServiceScope,
): Pick<
  ServiceImpl<typeof MeshService>,
  | 'getFeatures'
  | 'listResources'
  | 'listResourceTemplates'
  | 'readResource'
  | 'listPrompts'
  | 'getPrompt'
  | 'complete'
> {
  const { features, nodeId, inboundCall, toWireError } = scope;
  const absent = (what: string) =>
    new MeshError(`node "${nodeId}" serves no ${what}`, 'unimplemented', {
      details: { reason: 'feature_absent', feature: what, origin: nodeId },
    });
  const resourceHost = () => {
    if (!features.resources) throw absent('resources');
    return features.resources;
  };
  const promptHost = () => {
    if (!features.prompts) throw absent('prompts');
    return features.prompts;
  };
  return {
    async getFeatures(_request, context) {
      try {
        await inboundCall(context);
        return featuresToWire(featureSetOf(features));
      } catch (error) {
        throw toWireError(error, 'GetFeatures');
      }
    },

    async *listResources(request, context) {
      try {
        const host = resourceHost();
        const call = await inboundCall(context);
        yield* withLogs<unknown, MessageInitShape<typeof ListResourcesResponseSchema>>(
          call,
          request.logs,
          (feature) => host.listResources(feature),
          (record) => ({ event: { case: 'log', value: clientLogToWire(record) } }),
          (resources) => ({ event: { case: 'resourcesJson', value: JSON.stringify(resources) } }),
        );
      } catch (error) {
        throw toWireError(error, 'ListResources');
      }
    },

    async listResourceTemplates(_request, context) {
      try {
        const host = resourceHost();
        const call = await inboundCall(context);
        const templates = await host.listResourceTemplates(call.signal);
        return { resourceTemplatesJson: JSON.stringify(templates) };
      } catch (error) {
        throw toWireError(error, 'ListResourceTemplates');
      }
    },

    async *readResource(request, context) {
      try {
        const host = resourceHost();
        const call = await inboundCall(context);
        if (request.uri === '') {
          throw new MeshError('uri is required', 'invalid_argument', { details: { field: 'uri' } });
        }
        yield* withLogs<unknown, MessageInitShape<typeof ReadResourceResponseSchema>>(
          call,
          request.logs,
          (feature) => host.readResource(request.uri, feature),
          (record) => ({ event: { case: 'log', value: clientLogToWire(record) } }),
          (result) => ({ event: { case: 'resultJson', value: JSON.stringify(result) } }),
        );
      } catch (error) {
        throw toWireError(error, 'ReadResource');
      }
    },

    async listPrompts(_request, context) {
      try {
        const host = promptHost();
        const call = await inboundCall(context);
        return { promptsJson: JSON.stringify(await host.listPrompts(call.signal)) };
      } catch (error) {
        throw toWireError(error, 'ListPrompts');
      }
    },

    async *getPrompt(request, context) {
      try {
        const host = promptHost();
        const call = await inboundCall(context);
        yield* withLogs<unknown, MessageInitShape<typeof GetPromptResponseSchema>>(
          call,
          request.logs,
          (feature) => host.getPrompt(request.name, { ...request.arguments }, feature),
          (record) => ({ event: { case: 'log', value: clientLogToWire(record) } }),
          (result) => ({ event: { case: 'resultJson', value: JSON.stringify(result) } }),
        );
      } catch (error) {
        throw toWireError(error, 'GetPrompt');
      }
    },

    async complete(request, context) {
      try {
        const { completion } = features;
        if (!completion || !(features.resources || features.prompts)) throw absent('completions');
        const call = await inboundCall(context);
        const { signal, ...metadata } = featureCallOf(call, undefined);
        return completionToWire(
          await completion.complete(completeRequestFromWire(request), signal, metadata),
        );
      } catch (error) {
        throw toWireError(error, 'Complete');
      }
    },
  };
}
