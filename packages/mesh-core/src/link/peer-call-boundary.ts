import { type CallMetadata, type CallTimeoutOptions, callTimeoutMs } from '../call/call-metadata.js';
import { MeshError, markLocalFailure } from '../errors/mesh-error.js';
import type { ClientLogRecord, ClientLogSink } from '../observability/client-logger.js';
import type { Logger } from '../observability/logger.js';
import type { PeerAuthSigner } from './peer-auth.js';
import type { PeerTransport, PeerTransportCallOptions } from './peer-transport.js';
import { meshErrorFromTransport } from './transport-errors.js';

// What every request of a peer link (peer-link.ts) goes through, whatever it asks: the closed check, the one
// place where failures become `MeshError`s, the deadline and the signed transport options.

/** What {@link createPeerCallBoundary} needs from its link. */
export interface PeerCallBoundaryOptions {
  /** The transport the link runs on (`transport.url` names the peer in errors). */
  transport: PeerTransport;
  /** Signs every request, when set. */
  signer: PeerAuthSigner | undefined;
  /** Deadline of a request that sets none, in milliseconds. */
  defaultTimeoutMs: number;
  /** The link's logger (with the peer's URL). */
  logger: Logger;
  /** Whether the link was closed. */
  isClosed: () => boolean;
}

/** The transport options of one request, with its deadline resolved. */
export type PeerRequestOptions = PeerTransportCallOptions & { timeoutMs: number };

/** The shared boundary of one peer link's requests, made by {@link createPeerCallBoundary}. */
export interface PeerCallBoundary {
  /** The peer's URL. */
  readonly url: string;
  readonly transport: PeerTransport;
  readonly logger: Logger;
  /** The one place where failures on this link become `MeshError`s (see `transport-errors.ts`). */
  toMeshError(reason: unknown): MeshError;
  /** Runs `run` unless the link is closed (`unavailable`, a local failure), converting what it throws. */
  guard<T>(run: () => Promise<T>): Promise<T>;
  /**
   * A failure of the part of a request that happens before it leaves this process (arguments that cannot be
   * serialised, a deadline already passed, a failing signer): marked as local, so it does not count against the
   * peer's breaker.
   */
  localFailure(error: unknown, what: string, serialising?: boolean): MeshError;
  /** The transport options of one request: its deadline, signal, metadata and signed token. */
  transportOptions(
    options: CallTimeoutOptions & { signal?: AbortSignal | undefined; metadata?: CallMetadata | undefined },
  ): Promise<PeerRequestOptions>;
  /** Hands a received log record to `sink`; a malformed record is dropped (logged), never failing the request. */
  deliverLog(sink: ClientLogSink | undefined, read: () => ClientLogRecord): void;
}

/** Creates the boundary every request of one peer link goes through. */
export function createPeerCallBoundary(options: PeerCallBoundaryOptions): PeerCallBoundary {
  const { transport, signer, defaultTimeoutMs, logger, isClosed } = options;
  const url = transport.url;

  const toMeshError = (reason: unknown): MeshError => meshErrorFromTransport(reason, url);

  /**
   * The call's deadline in milliseconds (`callTimeoutMs`: its `timeoutMs`, else its metadata's deadline, else the
   * link's default); rejects a deadline that already passed.
   */
  const deadlineMs = (options: CallTimeoutOptions): number => {
    const timeoutMs = callTimeoutMs(options, defaultTimeoutMs);
    // Connect reads a timeout <= 0 as "no deadline"; for a caller whose deadline already passed it means "too late".
    if (!(timeoutMs > 0)) {
      throw new MeshError(`the deadline passed before the call to ${url} started`, 'deadline_exceeded', {
        details: { origin: url },
      });
    }
    return timeoutMs;
  };

  return {
    url,
    transport,
    logger,
    toMeshError,

    async guard(run) {
      if (isClosed()) {
        throw markLocalFailure(
          new MeshError(`the peer link to ${url} is closed`, 'unavailable', { details: { origin: url } }),
        );
      }
      try {
        return await run();
      } catch (error) {
        throw toMeshError(error);
      }
    },

    localFailure(error, what, serialising = false) {
      const failure =
        serialising && (error instanceof RangeError || error instanceof TypeError)
          ? new MeshError(`${what} cannot be serialised: ${error.message}`, 'invalid_argument', {
              details: { field: 'arguments' },
            })
          : MeshError.from(error);
      return markLocalFailure(
        new MeshError(failure.message, failure.code, {
          cause: error,
          details: { ...failure.details, origin: url },
        }),
      );
    },

    async transportOptions(options) {
      const call: PeerRequestOptions = { timeoutMs: deadlineMs(options) };
      if (options.signal) call.signal = options.signal;
      if (options.metadata) call.metadata = options.metadata;
      if (signer) call.authorization = await signer.authorization();
      return call;
    },

    deliverLog(sink, read) {
      if (!sink) return;
      try {
        sink(read());
      } catch (error) {
        logger.debug('log record from the peer dropped', { error });
      }
    },
  };
}
