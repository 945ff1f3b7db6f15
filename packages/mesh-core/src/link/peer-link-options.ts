import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { checkInteger, checkPositive } from '../options/check-options.js';
import {
  type BackoffOptions,
  type ResolvedBackoffOptions,
  resolveBackoffOptions,
} from '../resilience/backoff.js';
import {
  checkPeerUrl,
  DEFAULT_HTTP2_PEER_TRANSPORT,
  type PeerLinkTlsOptions,
} from './http2-peer-transport.js';
import type { PeerAuthSigner } from './peer-auth.js';
import type { PeerTransport } from './peer-transport.js';

// The options of `createPeerLink` (peer-link.ts): their types, their defaults and their one resolver.

export type { PeerLinkTlsOptions } from './http2-peer-transport.js';

/**
 * Backoff between WatchEvents reconnects: the shared {@link BackoffOptions}, by default 250 ms doubling to 10 s
 * with full jitter.
 */
export interface WatchBackoffOptions extends BackoffOptions {
  /** First delay in milliseconds. @deprecated Use `initialDelayMs`; still read when that is unset. */
  initialMs?: number;
  /** Largest delay in milliseconds. @deprecated Use `maxDelayMs`; still read when that is unset. */
  maxMs?: number;
}

/** The options of {@link createPeerLink} that do not depend on the transport. */
export interface PeerLinkCommonOptions {
  /**
   * Adds the `authorization` header to every call.
   * @default none
   */
  auth?: PeerAuthSigner;
  /**
   * Deadline of a call that sets no `timeoutMs`, in milliseconds.
   * @default 30000
   */
  defaultTimeoutMs?: number;
  /**
   * Backoff between WatchEvents reconnects.
   * @default 250 ms doubling to 10 s, full jitter (`DEFAULT_PEER_LINK.watchBackoff`)
   */
  watchBackoff?: WatchBackoffOptions;
  /**
   * Random source in [0, 1) for backoff jitter.
   * @default `Math.random`
   */
  random?: () => number;
  /**
   * Logger.
   * @default silent
   */
  logger?: Logger;
}

/** Options for {@link createPeerLink} over HTTP/2 to a mesh service URL. */
export interface PeerLinkOptions extends PeerLinkCommonOptions {
  /** Base URL of the peer's mesh service: `http://` (h2c) or `https://` (TLS). */
  url: string;
  /**
   * TLS settings for `https://` URLs.
   * @default none (Node's default trust store)
   */
  tls?: PeerLinkTlsOptions;
  /**
   * Interval between HTTP/2 keepalive PINGs, in milliseconds.
   * @default 30000
   */
  pingIntervalMs?: number;
  /**
   * How long to wait for a PING answer before the connection counts as dead, in milliseconds.
   * @default 10000
   */
  pingTimeoutMs?: number;
  /**
   * Close the connection after this long without calls, in milliseconds.
   * @default 900000 (15 minutes)
   */
  idleConnectionTimeoutMs?: number;
  /**
   * Largest response message accepted, in bytes.
   * @default 16777216 (16 MiB)
   */
  readMaxBytes?: number;
  /**
   * Multiplex calls without progress on one long-lived `CallToolChannel` stream instead of opening an HTTP/2
   * stream per call (much less CPU per call on both sides; see docs/reference/wire.md "Call channel"). Calls
   * whose arguments exceed 64 KiB of JSON still go unary, and a node that does not offer the channel is called
   * unary from its first `unimplemented` answer on.
   * @default `true`
   */
  callChannel?: boolean;
  /** Only with {@link PeerLinkTransportOptions}. */
  transport?: never;
}

/** Options for {@link createPeerLink} over a {@link PeerTransport} you give (an in-memory one in tests). */
export interface PeerLinkTransportOptions extends PeerLinkCommonOptions {
  /** The wire the link runs on; the link closes it when it closes. */
  transport: PeerTransport;
  /** The transport says where it leads (`transport.url`). */
  url?: never;
}

/** Defaults of {@link PeerLinkOptions}: the link's own and those of its HTTP/2 transport. */
export const DEFAULT_PEER_LINK = Object.freeze({
  defaultTimeoutMs: 30_000,
  ...DEFAULT_HTTP2_PEER_TRANSPORT,
  callChannel: true,
  watchBackoff: Object.freeze({ initialDelayMs: 250, maxDelayMs: 10_000, multiplier: 2, jitter: 1 }),
});

/** {@link PeerLinkOptions} with every default applied and every value checked. */
export interface ResolvedPeerLinkOptions {
  /** The URL without trailing slashes. */
  url: string;
  auth: PeerAuthSigner | undefined;
  tls: PeerLinkTlsOptions | undefined;
  defaultTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  idleConnectionTimeoutMs: number;
  /** The call channel's idle timeout: {@link DEFAULT_PEER_LINK}'s, never longer than the connection's. */
  channelIdleTimeoutMs: number;
  readMaxBytes: number;
  callChannel: boolean;
  watchBackoff: ResolvedBackoffOptions;
  random: () => number;
  logger: Logger;
}

/**
 * Applies {@link DEFAULT_PEER_LINK} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: a URL that is not `http:` or `https:`, a duration that is
 *   not a positive number, a `readMaxBytes` that is not a positive integer, a bad `watchBackoff`.
 */
export function resolvePeerLinkOptions(options: PeerLinkOptions): ResolvedPeerLinkOptions {
  const url = checkPeerUrl(options.url);
  const positive = (value: number | undefined, fallback: number, field: string) =>
    checkPositive(value ?? fallback, field);
  const common = resolvePeerLinkCommonOptions(options);
  const idleConnectionTimeoutMs = positive(
    options.idleConnectionTimeoutMs,
    DEFAULT_PEER_LINK.idleConnectionTimeoutMs,
    'idleConnectionTimeoutMs',
  );
  return {
    ...common,
    url,
    tls: options.tls,
    pingIntervalMs: positive(options.pingIntervalMs, DEFAULT_PEER_LINK.pingIntervalMs, 'pingIntervalMs'),
    pingTimeoutMs: positive(options.pingTimeoutMs, DEFAULT_PEER_LINK.pingTimeoutMs, 'pingTimeoutMs'),
    idleConnectionTimeoutMs,
    channelIdleTimeoutMs: Math.min(DEFAULT_PEER_LINK.channelIdleTimeoutMs, idleConnectionTimeoutMs),
    readMaxBytes: checkInteger(options.readMaxBytes ?? DEFAULT_PEER_LINK.readMaxBytes, 'readMaxBytes'),
    callChannel: options.callChannel ?? DEFAULT_PEER_LINK.callChannel,
  };
}

/** The transport-independent options of {@link createPeerLink}, resolved and checked. */
export function resolvePeerLinkCommonOptions(
  options: PeerLinkCommonOptions,
): Pick<ResolvedPeerLinkOptions, 'auth' | 'defaultTimeoutMs' | 'watchBackoff' | 'random' | 'logger'> {
  const watch = options.watchBackoff;
  return {
    auth: options.auth,
    defaultTimeoutMs: checkPositive(
      options.defaultTimeoutMs ?? DEFAULT_PEER_LINK.defaultTimeoutMs,
      'defaultTimeoutMs',
    ),
    watchBackoff: resolveBackoffOptions(
      {
        ...watch,
        initialDelayMs: watch?.initialDelayMs ?? watch?.initialMs,
        maxDelayMs: watch?.maxDelayMs ?? watch?.maxMs,
      },
      DEFAULT_PEER_LINK.watchBackoff,
      'watchBackoff',
    ),
    random: options.random ?? Math.random,
    logger: options.logger ?? silentLogger,
  };
}
