import { type EventBus, type Logger, MeshError, type MeshEvent, silentLogger } from '@kidsstories/mesh-core';
import type { Redis } from 'ioredis';
import { quitQuietly, type RedisConnection } from '../connection/redis-connection.js';
import { redisCall } from '../connection/redis-script.js';

/** Options for {@link createRedisEventBus}. */
export interface RedisEventBusOptions {
  /** The Redis connection (shared; the bus closes only its own subscriber client). */
  connection: RedisConnection;
  /** Where listener failures and malformed messages are logged. Default: silent. */
  logger?: Logger;
  /** How long `subscribe` waits for the subscriber connection, in milliseconds. Default 5 000. */
  subscribeTimeoutMs?: number;
}

type Listener = (event: MeshEvent) => void;

/** The pub/sub channel of a topic. */
export function redisEventChannel(connection: Pick<RedisConnection, 'key'>, topic: string): string {
  return connection.key(`events:${topic}`);
}

/**
 * The mesh's {@link EventBus} on Redis pub/sub. Publishing uses the shared command client (fails fast while
 * Redis is away); subscriptions share one dedicated subscriber client that re-subscribes every topic after a
 * reconnect. Delivery is at most once: events published while a subscriber is disconnected are lost, so
 * treat events as hints and re-read authoritative state.
 *
 * @example
 * ```ts
 * const bus = createRedisEventBus({ connection });
 * const stop = await bus.subscribe('story.complete', (event) => console.log(event.data));
 * await bus.publish('story.complete', { type: 'story.complete', source: 'text-1', time: Date.now(), data: {} });
 * ```
 */
export function createRedisEventBus(options: RedisEventBusOptions): EventBus {
  const { connection } = options;
  const logger = options.logger ?? silentLogger;
  const subscribeTimeoutMs = options.subscribeTimeoutMs ?? 5_000;
  const topics = new Map<string, Set<Listener>>();
  const channelTopic = new Map<string, string>();
  const confirming = new Map<string, Promise<unknown>>();
  let subscriber: Redis | undefined;
  let closed = false;

  const getSubscriber = (): Redis => {
    if (subscriber) return subscriber;
    const client = connection.createClient('subscriber');
    client.on('message', (channel: string, message: string) => {
      const topic = channelTopic.get(channel);
      const listeners = topic === undefined ? undefined : topics.get(topic);
      if (!listeners || listeners.size === 0) return;
      let event: MeshEvent;
      try {
        event = JSON.parse(message) as MeshEvent;
      } catch (error) {
        logger.warn('dropped a malformed event', { channel, error });
        return;
      }
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          logger.error('event listener threw', { topic, type: event.type, error });
        }
      }
    });
    subscriber = client;
    return client;
  };

  const withTimeout = <T>(promise: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new MeshError(`redis subscribe did not complete within ${subscribeTimeoutMs} ms`, 'unavailable'),
          ),
        subscribeTimeoutMs,
      );
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });

  return {
    async publish(topic, event) {
      if (closed) throw new MeshError('event bus is closed', 'failed_precondition');
      if (typeof topic !== 'string' || topic.length === 0) {
        throw new MeshError('topic must be a non-empty string', 'invalid_argument', {
          details: { field: 'topic' },
        });
      }
      let payload: string;
      try {
        payload = JSON.stringify(event);
      } catch (cause) {
        throw new MeshError('event is not JSON-serialisable', 'invalid_argument', {
          cause,
          details: { field: 'data' },
        });
      }
      await redisCall(() => connection.client.publish(redisEventChannel(connection, topic), payload));
    },
    async subscribe(topic, listener) {
      if (closed) throw new MeshError('event bus is closed', 'failed_precondition');
      if (typeof topic !== 'string' || topic.length === 0) {
        throw new MeshError('topic must be a non-empty string', 'invalid_argument', {
          details: { field: 'topic' },
        });
      }
      const channel = redisEventChannel(connection, topic);
      const client = getSubscriber();
      let listeners = topics.get(topic);
      const fresh = listeners === undefined;
      if (!listeners) {
        listeners = new Set();
        topics.set(topic, listeners);
        channelTopic.set(channel, topic);
      }
      if (fresh) {
        // The subscriber queues commands until connected; SUBSCRIBE resolves once Redis confirmed it.
        const confirmed = withTimeout(redisCall(() => client.subscribe(channel)));
        confirming.set(topic, confirmed);
        try {
          await confirmed;
        } catch (error) {
          if (listeners.size === 0) {
            topics.delete(topic);
            channelTopic.delete(channel);
          }
          throw error;
        } finally {
          confirming.delete(topic);
        }
      } else {
        await confirming.get(topic);
      }
      const wrapped: Listener = (event) => listener(event);
      listeners.add(wrapped);
      let active = true;
      return async () => {
        if (!active) return;
        active = false;
        const current = topics.get(topic);
        current?.delete(wrapped);
        if (current && current.size === 0) {
          topics.delete(topic);
          channelTopic.delete(channel);
          if (!closed && subscriber?.status === 'ready') {
            await redisCall(() => client.unsubscribe(channel)).catch((error: unknown) =>
              logger.debug('unsubscribe failed', { topic, error }),
            );
          }
        }
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      topics.clear();
      channelTopic.clear();
      if (subscriber) await quitQuietly(subscriber);
      subscriber = undefined;
    },
  };
}
