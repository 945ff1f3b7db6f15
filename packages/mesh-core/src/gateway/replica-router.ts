import { MeshError } from '../errors/mesh-error.js';
import type { PeerLink } from '../link/peer-link-types.js';

/**
 * How a call picks among the replicas of one peer:
 * - `round_robin`: each in turn;
 * - `least_outstanding`: the one with the fewest calls in flight from this gateway (ties in turn).
 */
export type RoutingStrategy = 'round_robin' | 'least_outstanding';

/** One replica of a peer, with the counters routing and `circuit_status` read. */
export interface Replica {
  /** Position in the peer's replica list. */
  readonly index: number;
  /** Base URL of the replica's mesh service. */
  readonly url: string;
  /** The link to it. */
  readonly link: PeerLink;
  /** Calls in flight to it from this gateway. */
  outstanding: number;
  /** Calls sent to it so far. */
  calls: number;
  /** Calls that failed with `unavailable`. */
  unavailableCount: number;
  /** Until when it is passed over after failing `unavailable` or draining, in epoch milliseconds (0: never). */
  avoidUntil: number;
  /** The message of its last `unavailable` failure. */
  lastError?: string;
}

/** Options for {@link createReplicaRouter}. */
export interface ReplicaRouterOptions {
  /** The links to the replicas. At least one. */
  links: readonly PeerLink[];
  /** Routing strategy. */
  strategy: RoutingStrategy;
  /** How long a replica that failed `unavailable` is passed over while others are available, in milliseconds. */
  cooldownMs: number;
  /** Clock in epoch milliseconds. */
  now: () => number;
}

/** Picks replicas of one peer and tracks their load and availability. */
export interface ReplicaRouter {
  readonly strategy: RoutingStrategy;
  readonly replicas: readonly Replica[];
  /**
   * The replica for the next attempt, skipping `exclude` (replicas this call already tried). Replicas in their
   * cooldown are used only when no other is left. `undefined` when every replica was excluded.
   */
  pick(exclude?: ReadonlySet<Replica>): Replica | undefined;
  /** The replica the next call would get, without advancing the rotation (for the `route` tool). */
  peek(): Replica | undefined;
  /** Passes a replica over for the cooldown (it refused a call or announced it is draining). */
  markUnavailable(replica: Replica, reason: string): void;
  /** Clears a replica's cooldown (it answered). */
  markAvailable(replica: Replica): void;
  /**
   * Runs `fn` on a replica and fails over to the next one when it rejects `unavailable` (connection refused,
   * draining, a stream refused while the replica shuts down): the request did not run there, so it is safe to
   * send elsewhere. Other failures propagate.
   * Keeps the `outstanding` counters. Rejects with the last `unavailable` when every replica refused.
   */
  withFailover<T>(fn: (replica: Replica) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * Runs `fn` on `replica` and no other, keeping its counters: a call that only that replica can serve (a retry
   * answering a call the replica's link holds open, see `PeerLink.ownsRequestState`). No failover.
   */
  withReplica<T>(replica: Replica, fn: (replica: Replica) => Promise<T>): Promise<T>;
}

/**
 * Creates the router of one peer's replicas.
 *
 * @example
 * ```ts
 * const router = createReplicaRouter({ links, strategy: 'least_outstanding', cooldownMs: 5_000, now: Date.now });
 * const result = await router.withFailover((replica) => replica.link.callTool('echo', args, options));
 * ```
 */
export function createReplicaRouter(options: ReplicaRouterOptions): ReplicaRouter {
  const { strategy, cooldownMs, now } = options;
  const replicas: Replica[] = options.links.map((link, index) => ({
    index,
    url: link.url,
    link,
    outstanding: 0,
    calls: 0,
    unavailableCount: 0,
    avoidUntil: 0,
  }));
  let cursor = -1;

  const choose = (exclude: ReadonlySet<Replica> | undefined, advance: boolean): Replica | undefined => {
    // One replica (the commonest peer): the same answer as below, without its arrays and sort on every call.
    if (replicas.length === 1) {
      const only = replicas[0]!;
      if (exclude?.has(only)) return undefined;
      if (advance) cursor = 0;
      return only;
    }
    const candidates = replicas.filter((replica) => !exclude?.has(replica));
    if (candidates.length === 0) return undefined;
    const at = now();
    const ready = candidates.filter((replica) => replica.avoidUntil <= at);
    const pool = ready.length > 0 ? ready : candidates;
    const next = (cursor + 1) % replicas.length;
    if (advance) cursor = next;
    // Rotate so that ties go to the replica after the last one picked.
    const distance = (replica: Replica) => (replica.index - next + replicas.length) % replicas.length;
    const rotated = [...pool].sort((a, b) => distance(a) - distance(b));
    if (strategy === 'round_robin') return rotated[0];
    let best = rotated[0];
    for (const replica of rotated) if (best && replica.outstanding < best.outstanding) best = replica;
    return best;
  };
  const pick = (exclude?: ReadonlySet<Replica>) => choose(exclude, true);

  /** Runs one attempt on `replica`, keeping its counters; an `unavailable` failure starts its cooldown. */
  const attempt = async <T>(replica: Replica, fn: (replica: Replica) => Promise<T>): Promise<T> => {
    replica.outstanding += 1;
    replica.calls += 1;
    try {
      const result = await fn(replica);
      if (replica.avoidUntil !== 0) router.markAvailable(replica);
      return result;
    } catch (error) {
      const failure = MeshError.from(error);
      if (failure.code === 'unavailable' && failure.details.circuit === undefined) {
        replica.unavailableCount += 1;
        router.markUnavailable(replica, failure.message);
      }
      throw failure;
    } finally {
      replica.outstanding -= 1;
    }
  };

  const router: ReplicaRouter = {
    strategy,
    replicas,
    pick,
    peek: () => choose(undefined, false),
    markUnavailable(replica, reason) {
      replica.avoidUntil = now() + cooldownMs;
      replica.lastError = reason;
    },
    markAvailable(replica) {
      replica.avoidUntil = 0;
    },
    async withFailover(fn, signal) {
      const tried = new Set<Replica>();
      let last: MeshError | undefined;
      for (;;) {
        const replica = pick(tried);
        if (!replica || signal?.aborted) {
          throw last ?? new MeshError('no replica to call', 'unavailable');
        }
        tried.add(replica);
        try {
          return await attempt(replica, fn);
        } catch (error) {
          const failure = MeshError.from(error);
          if (failure.code !== 'unavailable' || failure.details.circuit !== undefined) throw failure;
          last = failure;
        }
      }
    },
    withReplica: (replica, fn) => attempt(replica, fn),
  };
  return router;
}
