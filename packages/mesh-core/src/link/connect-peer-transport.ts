import { type CallOptions, type Client, createClient, type Transport } from '@connectrpc/connect';
import { MeshService } from '../gen/mesh/v1/mesh_pb.js';
import { metadataHeaders } from './metadata-headers.js';
import type { PeerTransport, PeerTransportCallOptions } from './peer-transport.js';

/** Options for {@link createConnectPeerTransport}. @internal */
export interface ConnectPeerTransportOptions {
  /** Where the transport leads (`PeerTransport.url`). */
  url: string;
  /** The Connect transport every operation runs on (gRPC over HTTP/2, or a router transport in memory). */
  transport: Transport;
  /** Releases what the Connect transport holds (its HTTP/2 session). Default: nothing to release. */
  close?: () => void;
}

/**
 * A {@link PeerTransport} whose every operation is a Connect call of the mesh service on `options.transport`.
 * The HTTP/2 transport builds on it (replacing `callTool` with its call channel and lean unary paths); the
 * in-memory transport is it, over a router transport.
 *
 * @internal
 */
export function createConnectPeerTransport(options: ConnectPeerTransportOptions): PeerTransport {
  const client: Client<typeof MeshService> = createClient(MeshService, options.transport);
  let closed = false;
  return {
    url: options.url,
    callTool: (request, call) => client.callTool(request, connectCallOptions(call)),
    callToolStream: (request, call) => client.callToolStream(request, connectCallOptions(call)),
    listTools: (call) => client.listTools({}, connectCallOptions(call)),
    health: (call) => client.health({}, connectCallOptions(call)),
    watchEvents: (call) => client.watchEvents({}, connectCallOptions(call)),
    getFeatures: (call) => client.getFeatures({}, connectCallOptions(call)),
    listResources: (request, call) => client.listResources(request, connectCallOptions(call)),
    listResourceTemplates: (call) => client.listResourceTemplates({}, connectCallOptions(call)),
    readResource: (request, call) => client.readResource(request, connectCallOptions(call)),
    listPrompts: (call) => client.listPrompts({}, connectCallOptions(call)),
    getPrompt: (request, call) => client.getPrompt(request, connectCallOptions(call)),
    complete: (request, call) => client.complete(request, connectCallOptions(call)),
    async close() {
      if (closed) return;
      closed = true;
      options.close?.();
    },
  };
}

/** Connect's call options for one operation: deadline, signal and the metadata headers. @internal */
export function connectCallOptions(call: PeerTransportCallOptions): CallOptions {
  const options: CallOptions = {};
  if (call.timeoutMs !== undefined) options.timeoutMs = call.timeoutMs;
  if (call.signal) options.signal = call.signal;
  if (call.metadata !== undefined || call.authorization !== undefined) {
    options.headers = metadataHeaders(call.metadata, call.authorization);
  }
  return options;
}
