import type { HostHealth } from '../host/tool-host.js';
import { createHttp2PeerTransport } from './http2-peer-transport.js';
import { createPeerCallBoundary } from './peer-call-boundary.js';
import { createPeerEventWatch } from './peer-event-watch.js';
import { createPeerFeatureCalls } from './peer-feature-calls.js';
import {
  type PeerLinkOptions,
  type PeerLinkTransportOptions,
  resolvePeerLinkCommonOptions,
  resolvePeerLinkOptions,
} from './peer-link-options.js';
import type { PeerLink } from './peer-link-types.js';
import { createPeerToolCalls } from './peer-tool-calls.js';
import type { PeerTransport } from './peer-transport.js';
import { healthFromWire } from './wire-codec.js';

// A peer link is made of one module per concern: its options (peer-link-options.ts), the boundary every request
// goes through (peer-call-boundary.ts), tool calls and the choice of their path (peer-tool-calls.ts), resources,
// prompts and completion (peer-feature-calls.ts), and event watches with resource subscriptions
// (peer-event-watch.ts). This module puts them together over a transport.

/** What a peer link holds for its calls and watchers right now. @internal */
export interface PeerLinkInFlight {
  /** Calls on the call channel waiting for their answer. */
  channelCalls: number;
  /** Call channels opened and not yet ended. */
  channels: number;
  /** `watchEvents` loops running. */
  watchers: number;
}

const inFlightOf = new WeakMap<PeerLink, () => PeerLinkInFlight>();

/**
 * What `link` (made by {@link createPeerLink}) holds for calls in flight, for the tests of issue 20 (nothing
 * grows with calls: every count returns to 0 once the calls ended and the watchers stopped). Not exported from
 * the package. @internal
 */
export function peerLinkInFlight(link: PeerLink): PeerLinkInFlight | undefined {
  return inFlightOf.get(link)?.();
}

/**
 * A link to one peer node over a {@link PeerTransport}: by default the HTTP/2 transport to `options.url` (a
 * Connect client speaking gRPC over ONE HTTP/2 session, with keepalive PINGs; a new connection is opened
 * transparently after the peer restarts or sends GOAWAY), or the transport you give as `options.transport`.
 *
 * The link does what is the same on every transport: it checks deadlines, signs calls, encodes and decodes the
 * mesh messages, and converts every failure into a `MeshError` at one boundary. Every call sends its deadline
 * and the metadata headers `mesh-correlation-id`, `traceparent`, `tracestate`, `mesh-budget-id`, `mesh-hop` and
 * `authorization`. An unreachable peer, and a request the peer did not process (a stream refused while it shuts
 * down), are `unavailable`, so callers may fail over or retry.
 *
 * @throws MeshError `invalid_argument` when the URL is not `http:` or `https:`.
 * @example
 * ```ts
 * const link = createPeerLink({ url: 'http://127.0.0.1:7070', auth: peerAuth.signer });
 * const result = await link.callTool('echo', { text: 'hi' }, {
 *   timeoutMs: 2_000,
 *   metadata: { correlationId: 'c-1', hop: 1 },
 * });
 * ```
 */
export function createPeerLink(options: PeerLinkOptions | PeerLinkTransportOptions): PeerLink {
  const resolved = options.transport === undefined ? resolvePeerLinkOptions(options) : undefined;
  const transport: PeerTransport =
    options.transport ??
    createHttp2PeerTransport({
      url: resolved!.url,
      tls: resolved!.tls,
      pingIntervalMs: resolved!.pingIntervalMs,
      pingTimeoutMs: resolved!.pingTimeoutMs,
      idleConnectionTimeoutMs: resolved!.idleConnectionTimeoutMs,
      readMaxBytes: resolved!.readMaxBytes,
      callChannel: resolved!.callChannel,
    });
  const { random, watchBackoff, defaultTimeoutMs, ...common } =
    resolved ?? resolvePeerLinkCommonOptions(options);
  const signer = options.auth;
  let closed = false;
  const isClosed = () => closed;
  const boundary = createPeerCallBoundary({
    transport,
    signer,
    defaultTimeoutMs,
    logger: common.logger.child({ peer: transport.url }),
    isClosed,
  });
  const events = createPeerEventWatch(boundary, { signer, watchBackoff, random, isClosed });

  const link: PeerLink = {
    url: transport.url,
    ...createPeerFeatureCalls(boundary),
    subscribeResource: events.subscribeResource,
    ...createPeerToolCalls(boundary),

    health(options = {}) {
      return boundary.guard(async (): Promise<HostHealth> => {
        const response = await transport.health(await boundary.transportOptions(options));
        return healthFromWire(response.status);
      });
    },

    watchEvents: events.watchEvents,

    async close() {
      closed = true;
      events.close();
      await transport.close();
    },
  };
  inFlightOf.set(link, () => {
    const held = transport.inFlight?.();
    return {
      channelCalls: held?.channelCalls ?? 0,
      channels: held?.channels ?? 0,
      watchers: events.watchers(),
    };
  });
  return link;
}
