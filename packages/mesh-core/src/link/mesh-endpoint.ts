import type { ServiceImpl } from '@connectrpc/connect';
import type { MeshService } from '../gen/mesh/v1/mesh_pb.js';
import type { HostFeatures } from '../host/feature-host.js';
import type { ToolHost } from '../host/tool-host.js';
import type { Logger } from '../observability/logger.js';
import type { CallChannelSession } from './call-channel-server.js';
import {
  createCallToolHandler,
  createMeshServiceImpl,
  type MeshServiceImplOptions,
  type NodeEventSink,
} from './mesh-service.js';
import type { PeerAuthVerifier } from './peer-auth.js';
import type { NodeEvent } from './peer-link-types.js';

/** Options for {@link createMeshEndpoint}. @internal */
export interface MeshEndpointOptions {
  /** The tools served. */
  host: ToolHost;
  /** The resources, prompts and completion served beside them. Default none (those methods `unimplemented`). */
  features?: HostFeatures | undefined;
  /** Checks the `authorization` header of every call. Default: none. */
  auth?: PeerAuthVerifier | undefined;
  /** Require a verified client certificate (mTLS; the mount supplies the TLS facts). Default `false`. */
  requireClientCertificate?: boolean;
  /** Most peer links a call may have crossed. */
  maxHops: number;
  logger: Logger;
  /** Clock in epoch milliseconds, for deadlines. */
  now: () => number;
  /** Generates correlation ids for calls that arrive without one. */
  generateId: () => string;
}

/**
 * The mesh service of one host, independent of how it is mounted: the Connect handlers, the unary `CallTool`
 * handler the lean paths use, the node events fed to `WatchEvents` streams, and the open call channels. `MeshServer`
 * mounts it on HTTP/2; the in-memory transport of `@kidsstories/mesh-core/testing` on a Connect router in-process.
 *
 * @internal
 */
export interface MeshEndpoint {
  /** The Connect implementation of the mesh service (every RPC). */
  readonly implementation: ServiceImpl<typeof MeshService>;
  /** The unary `CallTool` handler with the same checks, for the lean unary path and the call channel. */
  readonly callTool: ReturnType<typeof createCallToolHandler>;
  /** Registers an open call channel, so {@link MeshEndpoint.drain} drains it; returns the function that forgets it. */
  registerChannel(session: CallChannelSession): () => void;
  /** Sends an event to every `WatchEvents` stream. */
  publishEvent(event: NodeEvent): void;
  /**
   * Starts publishing the host's tool list changes and the resource and prompt changes of `features`.
   * Returns nothing; {@link MeshEndpoint.drain} stops it.
   */
  open(): void;
  /**
   * Shuts the service down for a graceful close: stops publishing changes, sends `draining` to watchers, drains
   * call channels (they refuse new calls and end once idle) and ends every watch stream; a watcher that arrives
   * later gets an ended stream. Safe to call more than once.
   */
  drain(): void;
  /** True once {@link MeshEndpoint.drain} ran. */
  readonly draining: boolean;
}

/** Creates the {@link MeshEndpoint} of a host. @internal */
export function createMeshEndpoint(options: MeshEndpointOptions): MeshEndpoint {
  const { host, features } = options;
  const sinks = new Set<NodeEventSink>();
  const channels = new Set<CallChannelSession>();
  let stops: Array<() => void> = [];
  let draining = false;

  const registerChannel = (session: CallChannelSession) => {
    channels.add(session);
    if (draining) session.drain();
    return () => {
      channels.delete(session);
    };
  };
  const serviceOptions: MeshServiceImplOptions = {
    host,
    ...(features ? { features } : {}),
    events: {
      subscribe(sink) {
        if (draining) {
          sink.end();
          return () => {};
        }
        sinks.add(sink);
        return () => {
          sinks.delete(sink);
        };
      },
    },
    auth: options.auth,
    requireClientCertificate: options.requireClientCertificate === true,
    maxHops: options.maxHops,
    logger: options.logger,
    now: options.now,
    generateId: options.generateId,
    registerChannel,
  };
  const publishEvent = (event: NodeEvent) => {
    for (const sink of sinks) sink.push(event);
  };

  return {
    implementation: createMeshServiceImpl(serviceOptions),
    callTool: createCallToolHandler(serviceOptions),
    registerChannel,
    publishEvent,
    open() {
      if (draining || stops.length > 0) return;
      stops.push(host.onToolsChanged(() => publishEvent({ kind: 'tools_changed', nodeId: host.id })));
      const { resources, prompts } = features ?? {};
      if (resources) {
        stops.push(
          resources.onResourcesChanged((change) =>
            publishEvent(
              change.kind === 'list_changed'
                ? { kind: 'resources_changed', nodeId: host.id }
                : { kind: 'resource_updated', nodeId: host.id, uri: change.uri },
            ),
          ),
        );
      }
      if (prompts) {
        stops.push(
          prompts.onPromptsChanged(() => publishEvent({ kind: 'prompts_changed', nodeId: host.id })),
        );
      }
    },
    drain() {
      if (draining) return;
      draining = true;
      for (const stop of stops) stop();
      stops = [];
      publishEvent({ kind: 'draining', nodeId: host.id });
      for (const channel of channels) channel.drain();
      for (const sink of sinks) sink.end();
      sinks.clear();
    },
    get draining() {
      return draining;
    },
  };
}
