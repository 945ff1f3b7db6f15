/**
 * The event-bus port: fire-and-forget notifications between nodes (breaker transitions, tool-list changes,
 * `story.complete`). Delivery is at most once: consumers must treat an event as a hint and re-read
 * authoritative state (durable work travels on state-store streams instead).
 * Every implementation must pass `eventBusContract` from `@kidsstories/mesh-core/testing`.
 */

/** An event on the bus. */
export interface MeshEvent<TData = Record<string, unknown>> {
  /** Event type, dotted: `circuit.opened`, `tools.changed`, `story.complete`. */
  type: string;
  /** Instance id of the publisher. */
  source: string;
  /** When it happened, in epoch milliseconds. */
  time: number;
  /** Payload; must be JSON-serialisable. */
  data: TData;
}

/** Stops a subscription. */
export type Unsubscribe = () => Promise<void>;

/** Publish/subscribe between nodes and replicas. */
export interface EventBus {
  /** Publishes an event on a topic. Resolves once handed to the transport. */
  publish(topic: string, event: MeshEvent): Promise<void>;
  /**
   * Calls `listener` for every event published on `topic` after the returned promise resolves, including
   * this process's own events. A listener that throws is logged and does not affect others.
   */
  subscribe(topic: string, listener: (event: MeshEvent) => void): Promise<Unsubscribe>;
  /** Ends every subscription and releases connections. */
  close(): Promise<void>;
}
