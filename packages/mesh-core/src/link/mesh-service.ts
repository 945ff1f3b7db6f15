import { randomUUID } from 'node:crypto';
import { create, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  createContextKey,
  type HandlerContext,
  type ServiceImpl,
} from '@connectrpc/connect';
import { MeshError, toConnectError } from '../errors/mesh-error.js';
import {
  CallToolChannelResponseSchema,
  type CallToolRequest,
  type CallToolResponseSchema,
  type CallToolStreamResponseSchema,
  type MeshService,
} from '../gen/mesh/v1/mesh_pb.js';
import type { HostFeatures } from '../host/feature-host.js';
import type { InboundCall, ToolHost } from '../host/tool-host.js';
import type { Logger } from '../observability/logger.js';
import { isInputRequired, type ToolProgress } from '../tool/tool-context.js';
import { createAsyncQueue } from './async-queue.js';
import {
  announcedReadMaxBytes,
  type CallChannelSession,
  CHANNEL_READ_MAX_BYTES_HEADER,
  createCallChannelSession,
  oversizedAnswer,
} from './call-channel-server.js';
import { createFeatureServiceImpl } from './feature-service.js';
import { clientLogToWire } from './feature-wire-codec.js';
import type { MeshRequestScope, PeerTlsInfo } from './mesh-request-scope.js';
import type { PeerAuthVerifier } from './peer-auth.js';
import type { NodeEvent } from './peer-link-types.js';
import {
  callFieldsFromWire,
  eventToWire,
  healthToWire,
  inputRequiredToWire,
  outcomeToWire,
  progressToWire,
  resultToWire,
  toolToWire,
  type WireCallFields,
} from './wire-codec.js';
import { callMetadataFromWire, MESH_HEADERS } from './wire-metadata.js';

// A leaf module, so the call channel's server can use them without importing this one back.
export type { MeshRequestScope, PeerTlsInfo } from './mesh-request-scope.js';

// Defined beside their converter (a leaf, so peer links need not import the service); exported from here as before.
export { DEFAULT_MAX_HOPS, MESH_HEADERS } from './wire-metadata.js';

/** Context key under which the server passes {@link PeerTlsInfo} to the handlers. @internal */
export const peerTlsKey = createContextKey<PeerTlsInfo | undefined>(undefined, {
  description: 'mesh peer TLS',
});

/** Where a watch stream receives node events. @internal */
export interface NodeEventSink {
  /** Queues an event for the stream. */
  push(event: NodeEvent): void;
  /** Ends the stream after the events already queued (the server is closing). */
  end(): void;
}

/** A source of node events for WatchEvents. @internal */
export interface NodeEventSource {
  /** Sends every event to `sink` until the returned function is called. */
  subscribe(sink: NodeEventSink): () => void;
}

/** Options for {@link createMeshServiceImpl}. @internal */
export interface MeshServiceImplOptions {
  host: ToolHost;
  /**
   * The resources, prompts and completion served beside the tools.
   * @default none (those methods `unimplemented`)
   */
  features?: HostFeatures;
  events: NodeEventSource;
  auth: PeerAuthVerifier | undefined;
  requireClientCertificate: boolean;
  maxHops: number;
  logger: Logger;
  now: () => number;
  generateId: () => string;
  /** Called with every call channel opened; returns the function that forgets it. */
  registerChannel?: (session: CallChannelSession) => () => void;
}

/**
 * The mesh service over a {@link ToolHost}: the handlers `createMeshServer` registers with Connect.
 *
 * Every failure leaves through one boundary, {@link toWireError}: a `MeshError` keeps its code and details,
 * anything else becomes `internal`.
 *
 * @internal Use `createMeshServer`.
 */
export function createMeshServiceImpl(options: MeshServiceImplOptions): ServiceImpl<typeof MeshService> {
  const { host, logger } = options;
  const { authenticate, inboundCall, toWireError } = createMeshCallScope(options);
  const scopeOf = (context: HandlerContext): MeshRequestScope => ({
    header: (name) => context.requestHeader.get(name),
    tls: () => context.values.get(peerTlsKey),
    signal: context.signal,
    timeoutMs: () => context.timeoutMs(),
  });
  const callTool = createCallToolHandler(options);
  const features = createFeatureServiceImpl({
    nodeId: host.id,
    features: options.features ?? {},
    inboundCall: (context) => inboundCall(scopeOf(context)),
    toWireError,
  });

  return {
    ...features,

    async listTools(_request, context) {
      try {
        await authenticate(scopeOf(context));
        const tools = await host.listTools(context.signal);
        return { tools: tools.map(toolToWire) };
      } catch (error) {
        throw toWireError(error, 'ListTools');
      }
    },

    callTool(request, context) {
      return callTool(request, scopeOf(context));
    },

    async *callToolStream(request, context) {
      try {
        // Progress reports and (when asked) log records, in the order the tool wrote them.
        const events = createAsyncQueue<
          MessageInitShape<typeof CallToolStreamResponseSchema>['event'] & { case: 'progress' | 'log' }
        >(context.signal, { maxItems: 1024 });
        const call = await inboundCall(scopeOf(context), (report) =>
          events.push({ case: 'progress', value: progressToWire(report) }),
        );
        if (request.logs)
          call.onLog = (record) => events.push({ case: 'log', value: clientLogToWire(record) });
        const fields = callFieldsFromWire(request);
        const pending = host
          .callToolOutcome(request.name, fields.args, withInput(call, fields))
          .finally(() => events.end());
        // Observed here so an early rejection is not reported as unhandled while progress drains.
        pending.catch(() => {});
        for await (const event of events) yield { event };
        const outcome = await pending;
        yield isInputRequired(outcome)
          ? { event: { case: 'inputRequired', value: inputRequiredToWire(outcome, request.name) } }
          : { event: { case: 'result', value: resultToWire(outcome) } };
      } catch (error) {
        throw toWireError(error, 'CallToolStream');
      }
    },

    // Connect serves the channels the lean path leaves to it (compressed streams, other gRPC clients).
    async *callToolChannel(requests, context) {
      const answers = createAsyncQueue<MessageInitShape<typeof CallToolChannelResponseSchema>>(
        context.signal,
        // Bounded by the channel's calls in flight (MAX_CHANNEL_CALLS), never dropped.
        { maxItems: Number.POSITIVE_INFINITY },
      );
      const answerMaxBytes = announcedReadMaxBytes(context.requestHeader.get(CHANNEL_READ_MAX_BYTES_HEADER));
      const session = createCallChannelSession(
        {
          callTool,
          streamHeader: (name) => context.requestHeader.get(name),
          tls: () => context.values.get(peerTlsKey),
          nodeId: host.id,
        },
        {
          send: (answer) => {
            if (answerMaxBytes !== Number.POSITIVE_INFINITY) {
              // Measured only when the caller announced a limit (peer links use the lean path).
              const size = toBinary(
                CallToolChannelResponseSchema,
                create(CallToolChannelResponseSchema, answer),
              ).byteLength;
              if (size > answerMaxBytes) return answers.push(oversizedAnswer(answer, size, answerMaxBytes));
            }
            answers.push(answer);
          },
          end: () => answers.end(),
        },
      );
      const unregister = options.registerChannel?.(session) ?? (() => {});
      let failure: unknown;
      const pump = (async () => {
        for await (const message of requests) session.receive(message);
        session.finishReceiving();
      })().catch((error: unknown) => {
        failure = error;
        answers.end();
      });
      try {
        for await (const answer of answers) yield answer;
        await pump;
        if (failure !== undefined) throw toWireError(failure, 'CallToolChannel');
      } finally {
        unregister();
        session.abort(new ConnectError('the call channel closed', Code.Canceled));
      }
    },

    async health(_request, context) {
      try {
        await authenticate(scopeOf(context));
        return { status: healthToWire(host.health()), nodeId: host.id };
      } catch (error) {
        throw toWireError(error, 'Health');
      }
    },

    async *watchEvents(_request, context) {
      try {
        await authenticate(scopeOf(context));
        const queue = createAsyncQueue<NodeEvent>(context.signal, {
          maxItems: 256,
          onDrop: () =>
            logger.warn('watch stream is slow; dropped the oldest node event', { nodeId: host.id }),
        });
        const unsubscribe = options.events.subscribe(queue);
        try {
          // A new watcher (or one that reconnects) may have missed changes: tell it to re-read the list.
          yield eventToWire({ kind: 'tools_changed', nodeId: host.id });
          if (options.features?.resources) yield eventToWire({ kind: 'resources_changed', nodeId: host.id });
          if (options.features?.prompts) yield eventToWire({ kind: 'prompts_changed', nodeId: host.id });
          if (host.health() === 'draining') yield eventToWire({ kind: 'draining', nodeId: host.id });
          for await (const event of queue) yield eventToWire(event);
        } finally {
          unsubscribe();
        }
      } catch (error) {
        throw toWireError(error, 'WatchEvents');
      }
    },
  };
}

/**
 * The unary `CallTool` handler: authentication, hop limit, deadline and error mapping exactly as the Connect
 * service applies them. Rejects only with a `ConnectError`.
 *
 * @internal Used by `createMeshServiceImpl` and by the mesh server's lean unary path.
 */
export function createCallToolHandler(
  options: MeshServiceImplOptions,
): (
  request: CallToolRequest,
  scope: MeshRequestScope,
) => Promise<MessageInitShape<typeof CallToolResponseSchema>> {
  const { host } = options;
  const { inboundCall, toWireError } = createMeshCallScope(options);
  return async (request, scope) => {
    try {
      const call = await inboundCall(scope);
      const fields = callFieldsFromWire(request);
      const outcome = await host.callToolOutcome(request.name, fields.args, withInput(call, fields));
      return outcomeToWire(outcome, request.name);
    } catch (error) {
      throw toWireError(error, 'CallTool');
    }
  };
}

function createMeshCallScope(options: MeshServiceImplOptions) {
  const { host, logger } = options;

  const authenticate = async (scope: MeshRequestScope): Promise<string | undefined> => {
    let principal: string | undefined;
    if (options.requireClientCertificate) {
      const tls = scope.tls();
      if (!tls?.authorized) {
        throw new MeshError(
          `client certificate required: ${tls?.authorizationError ?? 'the connection is not TLS'}`,
          'unauthenticated',
        );
      }
      principal = tls.commonName;
    }
    if (options.auth) {
      const authorization = scope.header(MESH_HEADERS.authorization) ?? undefined;
      const identity = await options.auth.verify(authorization === undefined ? {} : { authorization });
      principal = identity.principal;
    }
    return principal;
  };

  const inboundCall = async (
    scope: MeshRequestScope,
    onProgress?: (progress: ToolProgress) => void,
  ): Promise<InboundCall> => {
    // Without any authentication configured there is nothing to await: skip the extra microtask turn.
    const principal =
      options.requireClientCertificate || options.auth ? await authenticate(scope) : undefined;
    const call: InboundCall = {
      ...callMetadataFromWire((name) => scope.header(name), {
        timeoutMs: scope.timeoutMs(),
        maxHops: options.maxHops,
        generateId: options.generateId,
        now: options.now,
        principal,
        nodeId: host.id,
      }),
      signal: scope.signal,
    };
    if (onProgress) call.onProgress = onProgress;
    return call;
  };

  /** The one place where failures become wire errors. */
  const toWireError = (reason: unknown, method: string): ConnectError => {
    // Connect's own errors (limits, protocol errors) already carry the right code.
    if (reason instanceof ConnectError) return reason;
    if (!MeshError.isInstance(reason)) {
      logger.error('mesh service failure that is not a MeshError', { method, error: reason });
    }
    return toConnectError(MeshError.from(reason, 'internal'));
  };

  return { authenticate, inboundCall, toWireError };
}

/**
 * The inbound call of a received request with its input responses and request state. The service runs it with
 * `callToolOutcome`: an input-required outcome travels back in the response, and the caller's link decides
 * whether its own caller can take it.
 */
function withInput(call: InboundCall, fields: WireCallFields): InboundCall {
  if (fields.inputResponses !== undefined) call.inputResponses = fields.inputResponses;
  if (fields.requestState !== undefined) call.requestState = fields.requestState;
  return call;
}

/** Default id generator for calls that arrive without a correlation id. @internal */
export const generateCorrelationId = (): string => randomUUID();
