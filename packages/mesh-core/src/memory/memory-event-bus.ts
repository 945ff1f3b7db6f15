import { MeshError } from '../errors/mesh-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { EventBus, MeshEvent } from '../ports/event-bus.js';
import { checkKey, closedError } from './validate.js';

/** Options for {@link createMemoryEventBus}. */
export interface MemoryEventBusOptions {
  /**
   * Where a listener that throws is reported.
   * @default {@link silentLogger}
   */
  logger?: Logger;
}

type Listener = (event: MeshEvent) => void;

/**
 * An {@link EventBus} inside one process. Events travel as JSON, as on a real transport: each listener gets
 * its own copy, delivered on a later microtask (never inside `publish`), and an event that is not
 * JSON-serialisable is rejected.
 *
 * @example
 * ```ts
 * const bus = createMemoryEventBus();
 * const stop = await bus.subscribe('circuit', (event) => console.log(event.type));
 * await bus.publish('circuit', { type: 'circuit.opened', source: 'gw-1', time: Date.now(), data: { target: 'peer:media' } });
 * await stop();
 * ```
 */
export function createMemoryEventBus(options: MemoryEventBusOptions = {}): EventBus {
  const logger = options.logger ?? silentLogger;
  const topics = new Map<string, Set<Listener>>();
  let closed = false;

  return {
    async publish(topic, event) {
      if (closed) throw closedError('event bus');
      checkKey(topic, 'topic');
      if (typeof event?.type !== 'string' || event.type === '') {
        throw new MeshError('event.type must be a non-empty string', 'invalid_argument', {
          details: { field: 'type' },
        });
      }
      let json: string;
      try {
        json = JSON.stringify(event);
      } catch (error) {
        throw new MeshError('event must be JSON-serialisable', 'invalid_argument', {
          cause: error,
          details: { field: 'data' },
        });
      }
      // Snapshot the listeners now: a subscription made after publish resolves does not see this event.
      for (const listener of [...(topics.get(topic) ?? [])]) {
        queueMicrotask(() => {
          if (!topics.get(topic)?.has(listener)) return;
          try {
            listener(JSON.parse(json) as MeshEvent);
          } catch (error) {
            logger.warn('event listener threw', { topic, eventType: event.type, error });
          }
        });
      }
    },
    async subscribe(topic, listener) {
      if (closed) throw closedError('event bus');
      checkKey(topic, 'topic');
      // Wrap so the same function subscribed twice is two subscriptions.
      const entry: Listener = (event) => listener(event);
      const set = topics.get(topic) ?? new Set<Listener>();
      topics.set(topic, set);
      set.add(entry);
      return async () => {
        set.delete(entry);
        if (set.size === 0 && topics.get(topic) === set) topics.delete(topic);
      };
    },
    async close() {
      closed = true;
      topics.clear();
    },
  };
}
