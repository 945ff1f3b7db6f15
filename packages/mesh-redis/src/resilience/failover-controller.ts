import { type Logger, MeshError } from '@kidsstories/mesh-core';
import type { RedisConnection } from '../connection/redis-connection.js';

/** Where the resilient ports send calls now. */
export type ResilienceMode = 'redis' | 'fallback' | 'resyncing';

/** One transition of the resilient ports, emitted to listeners and counted by the metrics hook. */
export interface ResilienceEvent {
  /**
   * `redis.lost`: calls now go to the in-memory fallback. `redis.resyncing`: Redis answers again and writes
   * made meanwhile are being replayed. `redis.restored`: calls go to Redis again. `redis.resync_failed`:
   * replay stopped (Redis went away again); the ports stay on the fallback and try later.
   */
  type: 'redis.lost' | 'redis.resyncing' | 'redis.restored' | 'redis.resync_failed';
  /** When, in epoch milliseconds. */
  time: number;
  /** The mode after the transition. */
  mode: ResilienceMode;
  /** Why, for `redis.lost` and `redis.resync_failed`. */
  reason?: string;
}

/** Optional metrics hook, such as a prom-client counter and gauge. */
export interface ResilienceMetrics {
  /** Called once per transition, with the event type. */
  countTransition(type: ResilienceEvent['type']): void;
  /** Called with 1 while calls go to the fallback (or resync), 0 while on Redis. */
  setDegraded(value: 0 | 1): void;
}

/** Something to do, in order, before calls go back to Redis. Throwing `unavailable` keeps the fallback. */
export type ResyncTask = () => Promise<void>;

/** @internal The mode switch shared by the resilient ports. */
export interface FailoverController {
  mode(): ResilienceMode;
  /** Switches to the fallback (when on Redis). */
  degrade(reason: string): void;
  /** Runs `call` on Redis; on `unavailable` switches to the fallback and runs `fallback` instead. */
  route<T>(onRedis: () => Promise<T>, onFallback: () => Promise<T>): Promise<T>;
  addResyncTask(task: ResyncTask): void;
  onEvent(listener: (event: ResilienceEvent) => void): () => void;
  close(): void;
}

/** @internal */
export interface FailoverControllerOptions {
  connection: RedisConnection;
  logger: Logger;
  now: () => number;
  random: () => number;
  resyncCheckMs: number;
  metrics?: ResilienceMetrics | undefined;
}

/** @internal Creates the controller; it watches the connection and retries the resync with jitter. */
export function createFailoverController(options: FailoverControllerOptions): FailoverController {
  const { connection, logger, now } = options;
  const listeners = new Set<(event: ResilienceEvent) => void>();
  const tasks: ResyncTask[] = [];
  let mode: ResilienceMode = 'redis';
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const emit = (type: ResilienceEvent['type'], reason?: string) => {
    const event: ResilienceEvent = { type, time: now(), mode };
    if (reason !== undefined) event.reason = reason;
    options.metrics?.countTransition(type);
    options.metrics?.setDegraded(mode === 'redis' ? 0 : 1);
    logger[type === 'redis.restored' ? 'info' : 'warn'](`resilient ports: ${type}`, { reason });
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        logger.error('resilience listener threw', { error });
      }
    }
  };
  const schedule = () => {
    if (closed || timer) return;
    // Jittered so replicas that lost Redis together do not all replay at the same instant.
    const delayMs = Math.max(1, Math.floor(options.resyncCheckMs * (0.5 + options.random())));
    timer = setTimeout(() => {
      timer = undefined;
      void resync();
    }, delayMs);
    timer.unref();
  };
  const resync = async () => {
    if (closed || mode !== 'fallback') return;
    if (!connection.isReady()) return schedule();
    mode = 'resyncing';
    emit('redis.resyncing');
    try {
      for (const task of tasks) await task();
      mode = 'redis';
      emit('redis.restored');
    } catch (error) {
      mode = 'fallback';
      emit('redis.resync_failed', error instanceof Error ? error.message : String(error));
      schedule();
    }
  };
  const degrade = (reason: string) => {
    if (closed || mode === 'fallback') return;
    mode = 'fallback';
    emit('redis.lost', reason);
    schedule();
  };
  const stopWatching = connection.onStatus((status) => {
    if (status === 'lost') degrade('connection lost');
    else if (mode === 'fallback') void resync();
  });
  if (!connection.isReady()) degrade('not connected');

  return {
    mode: () => mode,
    degrade,
    async route(onRedis, onFallback) {
      if (mode !== 'redis') return await onFallback();
      try {
        return await onRedis();
      } catch (error) {
        if (!(MeshError.isInstance(error) && error.code === 'unavailable')) throw error;
        degrade(error.message);
        return await onFallback();
      }
    },
    addResyncTask: (task) => {
      tasks.push(task);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      stopWatching();
      if (timer) clearTimeout(timer);
      listeners.clear();
    },
  };
}
