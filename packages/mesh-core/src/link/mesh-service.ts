import { randomUUID } from 'node:crypto';
import { ConnectError, createContextKey, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { MeshError, toConnectError } from '../errors/mesh-error.js';
import type { MeshService } from '../gen/mesh/v1/mesh_pb.js';
import type { InboundCall, ToolHost } from '../node/tool-host.js';
import type { Logger } from '../observability/logger.js';
import type { ToolProgress } from '../tool/tool-context.js';
import { createAsyncQueue } from './async-queue.js';
import type { PeerAuthVerifier } from './peer-auth.js';
import type { NodeEvent } from './peer-link-types.js';
import {
  eventToWire,
  healthToWire,
  parseJsonObject,
  progressToWire,
  resultToWire,
  toolToWire,
} from './wire-codec.js';

/** Request headers of the mesh service (see docs/reference/wire.md). */
export const MESH_HEADERS = {
  correlationId: 'mesh-correlation-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  budgetId: 'mesh-budget-id',
  hop: 'mesh-hop',
  authorization: 'authorization',
} as const;

/** Default most peer links a call may cross before it is rejected as a routing loop. */
export const DEFAULT_MAX_HOPS = 8;

/** What the TLS layer knows about the caller, filled by the server for each request. @internal */
export interface PeerTlsInfo {
  /** True when the client presented a certificate that chains to the server's CA. */
  authorized: boolean;
  /** Why the certificate was not authorized (no certificate, unknown CA…). */
  authorizationError?: string;
  /** Subject CN of the verified client certificate. */
  commonName?: string;
}

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
  events: NodeEventSource;
  auth: PeerAuthVerifier | undefined;
  requireClientCertificate: boolean;
  maxHops: number;
  logger: Logger;
  now: () => number;
  generateId: () => string;
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

  const authenticate = async (context: HandlerContext): Promise<string | undefined> => {
    let principal: string | undefined;
    if (options.requireClientCertificate) {
      const tls = context.values.get(peerTlsKey);
      if (!tls?.authorized) {
        throw new MeshError(
          `client certificate required: ${tls?.authorizationError ?? 'the connection is not TLS'}`,
          'unauthenticated',
        );
      }
      principal = tls.commonName;
    }
    if (options.auth) {
      const authorization = context.requestHeader.get(MESH_HEADERS.authorization) ?? undefined;
      const identity = await options.auth.verify(authorization === undefined ? {} : { authorization });
      principal = identity.principal;
    }
    return principal;
  };

  const inboundCall = async (
    context: HandlerContext,
    onProgress?: (progress: ToolProgress) => void,
  ): Promise<InboundCall> => {
    const principal = await authenticate(context);
    const headers = context.requestHeader;
    const hop = parseHop(headers.get(MESH_HEADERS.hop));
    if (hop > options.maxHops) {
      throw new MeshError(
        `hop count ${hop} exceeds the limit of ${options.maxHops} peer links (routing loop?)`,
        'failed_precondition',
        { details: { hop, limit: options.maxHops, limitUnit: 'hops', origin: host.id } },
      );
    }
    const timeoutMs = context.timeoutMs();
    const call: InboundCall = {
      signal: context.signal,
      correlationId: headers.get(MESH_HEADERS.correlationId) || options.generateId(),
      hop,
    };
    if (timeoutMs !== undefined) call.deadline = options.now() + timeoutMs;
    const traceparent = headers.get(MESH_HEADERS.traceparent);
    if (traceparent) call.traceparent = traceparent;
    const tracestate = headers.get(MESH_HEADERS.tracestate);
    if (tracestate) call.tracestate = tracestate;
    const budgetId = headers.get(MESH_HEADERS.budgetId);
    if (budgetId) call.budgetId = budgetId;
    if (principal !== undefined) call.principal = principal;
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

  return {
    async listTools(_request, context) {
      try {
        await authenticate(context);
        const tools = await host.listTools(context.signal);
        return { tools: tools.map(toolToWire) };
      } catch (error) {
        throw toWireError(error, 'ListTools');
      }
    },

    async callTool(request, context) {
      try {
        const call = await inboundCall(context);
        const args = parseJsonObject(request.argumentsJson, 'arguments_json');
        const result = await host.callTool(request.name, args, call);
        return { result: resultToWire(result) };
      } catch (error) {
        throw toWireError(error, 'CallTool');
      }
    },

    async *callToolStream(request, context) {
      try {
        const progress = createAsyncQueue<ToolProgress>(context.signal, { maxItems: 1024 });
        const call = await inboundCall(context, (report) => progress.push(report));
        const args = parseJsonObject(request.argumentsJson, 'arguments_json');
        const pending = host.callTool(request.name, args, call).finally(() => progress.end());
        // Observed here so an early rejection is not reported as unhandled while progress drains.
        pending.catch(() => {});
        for await (const report of progress) {
          yield { event: { case: 'progress', value: progressToWire(report) } };
        }
        const result = await pending;
        yield { event: { case: 'result', value: resultToWire(result) } };
      } catch (error) {
        throw toWireError(error, 'CallToolStream');
      }
    },

    async health(_request, context) {
      try {
        await authenticate(context);
        return { status: healthToWire(host.health()), nodeId: host.id };
      } catch (error) {
        throw toWireError(error, 'Health');
      }
    },

    async *watchEvents(_request, context) {
      try {
        await authenticate(context);
        const queue = createAsyncQueue<NodeEvent>(context.signal, {
          maxItems: 256,
          onDrop: () =>
            logger.warn('watch stream is slow; dropped the oldest node event', { nodeId: host.id }),
        });
        const unsubscribe = options.events.subscribe(queue);
        try {
          // A new watcher (or one that reconnects) may have missed changes: tell it to re-read the list.
          yield eventToWire({ kind: 'tools_changed', nodeId: host.id });
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

/** Default id generator for calls that arrive without a correlation id. @internal */
export const generateCorrelationId = (): string => randomUUID();

function parseHop(value: string | null): number {
  // A caller that sends no hop (a plain gRPC client) has crossed exactly this link.
  if (value === null || value === '') return 1;
  const hop = Number(value);
  if (!Number.isSafeInteger(hop) || hop < 0) {
    throw new MeshError(`${MESH_HEADERS.hop} must be a non-negative integer`, 'invalid_argument', {
      details: { field: MESH_HEADERS.hop },
    });
  }
  return hop;
}
