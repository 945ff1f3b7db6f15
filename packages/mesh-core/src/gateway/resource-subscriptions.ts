import type { Logger } from '../observability/logger.js';
import { featureLinkOf, type PeerFeatures } from './peer-features.js';
import type { Replica } from './replica-router.js';

/** Where a federated URI is served: the peer's feature cache and the URI there. */
export interface ResourceRoute {
  peer: PeerFeatures;
  originalUri: string;
}

/** Options for {@link createResourceSubscriptions}. */
export interface ResourceSubscriptionsOptions {
  /** Where a federated URI is served now; `undefined` for the gateway's own resources and unknown URIs. */
  route(uri: string): ResourceRoute | undefined;
  /** Tells the gateway's listeners that the resource at the federated `uri` changed. */
  updated(uri: string): void;
  now: () => number;
  logger: Logger;
}

/** The resource subscriptions a gateway forwards to its peers. */
export interface ResourceSubscriptions {
  /** Follows `uri` for one more client until the returned function is called (once). */
  subscribe(uri: string): () => void;
  /** Moves the subscriptions held on `replica` to another replica of its peer (it drains or failed). */
  moveFrom(replica: Replica): void;
  /** Places the subscriptions not placed yet (their URI was unknown): call after the lists changed. */
  placePending(): void;
  /** Federated URIs followed now, with the replica URL each is held on (for tests and status). */
  held(): Map<string, string | undefined>;
  close(): void;
}

interface Subscription {
  uri: string;
  clients: number;
  replica?: Replica;
  stop?: () => void;
}

/**
 * Forwards the subscriptions of a gateway's clients to the peers serving the resources: one subscription per
 * federated URI however many clients follow it, held on one replica of the owning peer (the link keeps it across
 * reconnects). When that replica announces it drains, or the link reports the subscription lost, it moves to a
 * replica that is not in its cooldown and the clients get one `updated` (they may have missed a change); with no
 * such replica it stays where it is and the link keeps trying.
 */
export function createResourceSubscriptions(options: ResourceSubscriptionsOptions): ResourceSubscriptions {
  const subscriptions = new Map<string, Subscription>();

  const place = (subscription: Subscription, exclude?: Replica): boolean => {
    const route = options.route(subscription.uri);
    if (!route) return false;
    const replica = route.peer.peer.router.pick(exclude ? new Set([exclude]) : undefined);
    if (!replica || (exclude && replica.avoidUntil > options.now())) return false;
    const link = featureLinkOf(replica);
    if (!link) return false;
    subscription.replica = replica;
    subscription.stop = link.subscribeResource(route.originalUri, () => options.updated(subscription.uri), {
      onError: (error) => {
        if (subscription.replica !== replica) return;
        route.peer.peer.router.markUnavailable(replica, `resource subscription lost: ${error.message}`);
        move(subscription, replica);
      },
    });
    return true;
  };

  const unplace = (subscription: Subscription) => {
    subscription.stop?.();
    delete subscription.stop;
    delete subscription.replica;
  };

  const move = (subscription: Subscription, from: Replica) => {
    const previous = { stop: subscription.stop, replica: subscription.replica };
    delete subscription.stop;
    delete subscription.replica;
    if (place(subscription, from)) {
      previous.stop?.();
      options.logger.info('resource subscription moved to another replica', {
        uri: subscription.uri,
        from: from.url,
        to: (subscription as Subscription).replica?.url,
      });
      options.updated(subscription.uri);
    } else {
      // Nowhere better to go: stay, and let the link reconnect.
      if (previous.stop) subscription.stop = previous.stop;
      if (previous.replica) subscription.replica = previous.replica;
    }
  };

  return {
    subscribe(uri) {
      let subscription = subscriptions.get(uri);
      if (!subscription) {
        subscription = { uri, clients: 0 };
        subscriptions.set(uri, subscription);
      }
      subscription.clients += 1;
      if (subscription.clients === 1) place(subscription);
      const held = subscription;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.clients -= 1;
        if (held.clients > 0) return;
        unplace(held);
        if (subscriptions.get(uri) === held) subscriptions.delete(uri);
      };
    },
    moveFrom(replica) {
      for (const subscription of subscriptions.values()) {
        if (subscription.replica === replica) move(subscription, replica);
      }
    },
    placePending() {
      for (const subscription of subscriptions.values()) {
        if (subscription.replica) {
          // The URI may have moved to another peer (or become the gateway's own) with the new lists.
          const route = options.route(subscription.uri);
          if (route?.peer.peer.router.replicas.includes(subscription.replica)) continue;
          unplace(subscription);
        }
        place(subscription);
      }
    },
    held() {
      return new Map([...subscriptions.values()].map((entry) => [entry.uri, entry.replica?.url]));
    },
    close() {
      for (const subscription of subscriptions.values()) unplace(subscription);
      subscriptions.clear();
    },
  };
}
