import type { MeshError } from '../errors/mesh-error.js';
import { backoffDelayMs, type ResolvedBackoffOptions } from '../resilience/backoff.js';
import type { PeerAuthSigner } from './peer-auth.js';
import type { PeerCallBoundary } from './peer-call-boundary.js';
import type { NodeEvent, PeerLink, ResourceSubscriptionOptions } from './peer-link-types.js';
import { eventFromWire } from './wire-codec.js';

// The event side of a peer link (peer-link.ts): `watchEvents` loops that reconnect with backoff, and resource
// subscriptions, which ride on one such loop held while any subscription is.

/** What {@link createPeerEventWatch} needs besides the link's boundary. */
export interface PeerEventWatchOptions {
  /** Signs each (re)connection of the event stream, when set. */
  signer: PeerAuthSigner | undefined;
  /** Backoff between reconnects. */
  watchBackoff: ResolvedBackoffOptions;
  /** Random source in [0, 1) for the backoff's jitter. */
  random: () => number;
  /** Whether the link was closed: a watch or subscription asked for afterwards does nothing. */
  isClosed: () => boolean;
}

/** The event methods of a peer link, and what its `close` and in-flight counts need. */
export interface PeerEventWatch extends Pick<PeerLink, 'watchEvents'> {
  subscribeResource: NonNullable<PeerLink['subscribeResource']>;
  /** `watchEvents` loops running (the resource subscriptions' one included). */
  watchers(): number;
  /** Stops every loop and drops every subscription. */
  close(): void;
}

/** Creates the event watchers of one peer link. */
export function createPeerEventWatch(
  boundary: PeerCallBoundary,
  options: PeerEventWatchOptions,
): PeerEventWatch {
  const { transport, logger } = boundary;
  const { signer, watchBackoff, random, isClosed } = options;
  const watchers = new Set<AbortController>();

  const watchLoop = async (
    listener: (event: NodeEvent) => void,
    signal: AbortSignal,
    onError?: (error: MeshError) => void,
  ) => {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        // No deadline: the stream stays open until the peer closes it or the watcher stops.
        const authorization = signer ? await signer.authorization() : undefined;
        for await (const message of transport.watchEvents({ signal, authorization })) {
          attempt = 0;
          const event = eventFromWire(message);
          if (event === undefined) continue;
          try {
            listener(event);
          } catch (error) {
            logger.error('watchEvents listener threw', { error });
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        const meshError = boundary.toMeshError(error);
        logger.debug('watch stream failed; reconnecting', {
          code: meshError.code,
          message: meshError.message,
        });
        try {
          onError?.(meshError);
        } catch (listenerError) {
          logger.error('watch error listener threw', { error: listenerError });
        }
      }
      const delayMs = backoffDelayMs(attempt, watchBackoff, random);
      attempt += 1;
      await sleep(delayMs, signal);
    }
  };

  /** Starts a loop delivering to `listener`; returns what stops it. */
  const startWatch = (listener: (event: NodeEvent) => void, onError?: (error: MeshError) => void) => {
    const controller = new AbortController();
    watchers.add(controller);
    void watchLoop(listener, controller.signal, onError).finally(() => watchers.delete(controller));
    return () => controller.abort();
  };

  // Resource subscriptions ride on one watch stream of the link, opened while any subscription is held.
  const resourceListeners = new Map<
    string,
    Set<{ listener: () => void; options: ResourceSubscriptionOptions }>
  >();
  let stopResourceWatch: (() => void) | undefined;
  const onResourceEvent = (event: NodeEvent) => {
    if (event.kind !== 'resource_updated') return;
    for (const entry of [...(resourceListeners.get(event.uri) ?? [])]) {
      try {
        entry.listener();
      } catch (error) {
        logger.error('resource listener threw', { error });
      }
    }
  };
  const onResourceWatchError = (error: MeshError) => {
    for (const entries of [...resourceListeners.values()]) {
      for (const entry of [...entries]) entry.options.onError?.(error);
    }
  };

  return {
    watchEvents(listener) {
      if (isClosed()) return () => {};
      return startWatch(listener);
    },

    subscribeResource(uri, listener, options = {}) {
      if (isClosed()) return () => {};
      const entry = { listener, options };
      let entries = resourceListeners.get(uri);
      if (!entries) {
        entries = new Set();
        resourceListeners.set(uri, entries);
      }
      entries.add(entry);
      stopResourceWatch ??= startWatch(onResourceEvent, onResourceWatchError);
      return () => {
        entries.delete(entry);
        if (entries.size === 0 && resourceListeners.get(uri) === entries) resourceListeners.delete(uri);
        if (resourceListeners.size === 0) {
          stopResourceWatch?.();
          stopResourceWatch = undefined;
        }
      };
    },

    watchers: () => watchers.size,

    close() {
      for (const watcher of watchers) watcher.abort();
      watchers.clear();
      resourceListeners.clear();
      stopResourceWatch = undefined;
    },
  };
}

/** Resolves after `delayMs`, or at once when `signal` aborts. */
function sleep(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, delayMs);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
