import { MeshError } from '../errors/mesh-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkInteger, checkNonEmptyString, checkPositive } from '../options/check-options.js';
import type { StateStore, StreamEntry } from '../ports/state-store.js';
import { type BackoffOptions, backoffDelayMs, resolveBackoffOptions } from '../resilience/backoff.js';

/**
 * True for the error a {@link StateStore} reports when a stream's consumer group (or the stream) does not
 * exist. The convention every implementation follows: a `MeshError` with code `not_found` and
 * `details.reason === 'NOGROUP'` (Redis's error prefix), from `streamReadGroup`, `streamClaimIdle` and
 * `streamPending`. It happens after a Redis restart without persistence, or when the stream key was
 * deleted; a consumer recreates the group and carries on.
 */
export function isNoGroupError(error: unknown): boolean {
  return MeshError.isInstance(error) && error.code === 'not_found' && error.details.reason === 'NOGROUP';
}

/** Handles one entry. Resolve to acknowledge it; reject to leave it pending for redelivery. */
export type StreamHandler = (entry: StreamEntry, signal: AbortSignal) => Promise<void>;

/** Options for {@link createStreamConsumer}. */
export interface StreamConsumerOptions {
  /** The state store holding the stream (give a blocking read its own connection on Redis). */
  store: StateStore;
  /** The stream to consume. */
  stream: string;
  /** The consumer group; created when missing (and recreated after NOGROUP). */
  group: string;
  /** This consumer's name within the group, unique per process (such as the instance id). */
  consumer: string;
  /** Called for every delivery; must be idempotent since delivery is at least once. */
  handler: StreamHandler;
  /**
   * An entry pending this long is claimed for redelivery, in milliseconds.
   * @default 30 000
   */
  visibilityTimeoutMs?: number;
  /**
   * Deliveries allowed per entry; one delivered more often goes to the dead-letter stream.
   * @default 5
   */
  maxDeliveries?: number;
  /**
   * Where exhausted entries go.
   * @default `<stream>:dead-letter`
   */
  deadLetterStream?: string;
  /**
   * Most entries the dead-letter stream keeps; older ones are trimmed (issue 20: nothing grows with calls).
   * @default 10 000
   */
  deadLetterMaxLength?: number;
  /**
   * Most entries whose last handler error is remembered for the dead-letter entry's `lastError` (issue 20: nothing
   * grows with calls). An entry's error is forgotten when it is acknowledged or dead-lettered; beyond this many
   * failing entries the oldest error is forgotten (logged as a warning), and that entry is dead-lettered with
   * `lastError` "unknown (delivered N times)".
   * @default 1 000
   */
  maxRememberedErrors?: number;
  /**
   * Most entries taken per read or claim.
   * @default 10
   */
  batchSize?: number;
  /**
   * How long a read waits for new entries, in milliseconds.
   * @default 2 000
   */
  blockMs?: number;
  /**
   * Where a group starts when this consumer creates it: `'0'` the whole stream, `'$'` new entries.
   * @default `'0'`
   */
  startId?: '0' | '$';
  /**
   * Pause after a store failure before trying again (the shared {@link BackoffOptions}, counted over failures in a
   * row).
   * @default 1 000 ms every time (`{ initialDelayMs: 1000, maxDelayMs: 1000, multiplier: 2, jitter: 0 }`)
   */
  errorBackoff?: BackoffOptions;
  /**
   * Pause after a store failure before trying again, in milliseconds.
   * @deprecated Use `errorBackoff`; `errorBackoffMs: n` is `errorBackoff: { initialDelayMs: n, maxDelayMs: n }`.
   */
  errorBackoffMs?: number;
  /**
   *
   * @default {@link silentLogger}
   */
  logger?: Logger;
}

/** A running consumer. */
export interface StreamConsumer {
  /** Creates the group if needed, then consumes in the background until {@link StreamConsumer.close}. */
  start(): Promise<void>;
  /** Stops reading, aborts the handler's signal, and waits for the loop to end. Idempotent. */
  close(): Promise<void>;
}

/** Defaults of {@link createStreamConsumer}. */
export const DEFAULT_STREAM_CONSUMER = Object.freeze({
  visibilityTimeoutMs: 30_000,
  maxDeliveries: 5,
  deadLetterMaxLength: 10_000,
  maxRememberedErrors: 1_000,
  batchSize: 10,
  blockMs: 2_000,
  startId: '0' as const,
  errorBackoff: Object.freeze({ initialDelayMs: 1_000, maxDelayMs: 1_000, multiplier: 2, jitter: 0 }),
});

/** {@link StreamConsumerOptions} with defaults applied and limits checked (see {@link resolveStreamConsumerOptions}). */
export type ResolvedStreamConsumerOptions = ReturnType<typeof resolveStreamConsumerOptions>;

/**
 * Applies {@link DEFAULT_STREAM_CONSUMER} to `options` and checks every field once.
 *
 * @throws {MeshError} `invalid_argument` naming the bad field.
 */
export function resolveStreamConsumerOptions(options: StreamConsumerOptions) {
  for (const field of ['stream', 'group', 'consumer'] as const) checkNonEmptyString(options[field], field);
  const d = DEFAULT_STREAM_CONSUMER;
  const legacyMs =
    options.errorBackoffMs === undefined
      ? undefined
      : checkPositive(options.errorBackoffMs, 'errorBackoffMs');
  return {
    ...options,
    visibilityTimeoutMs: checkPositive(
      options.visibilityTimeoutMs ?? d.visibilityTimeoutMs,
      'visibilityTimeoutMs',
    ),
    maxDeliveries: checkInteger(options.maxDeliveries ?? d.maxDeliveries, 'maxDeliveries'),
    deadLetterStream: options.deadLetterStream ?? `${options.stream}:dead-letter`,
    deadLetterMaxLength: checkInteger(
      options.deadLetterMaxLength ?? d.deadLetterMaxLength,
      'deadLetterMaxLength',
    ),
    maxRememberedErrors: checkInteger(
      options.maxRememberedErrors ?? d.maxRememberedErrors,
      'maxRememberedErrors',
    ),
    batchSize: checkInteger(options.batchSize ?? d.batchSize, 'batchSize'),
    blockMs: checkPositive(options.blockMs ?? d.blockMs, 'blockMs'),
    startId: options.startId ?? d.startId,
    errorBackoff: resolveBackoffOptions(
      legacyMs === undefined ? options.errorBackoff : { initialDelayMs: legacyMs, maxDelayMs: legacyMs },
      d.errorBackoff,
      'errorBackoff',
    ),
    logger: options.logger ?? silentLogger,
  };
}

/**
 * Consumes a stream through a consumer group with at-least-once delivery: each round claims entries idle
 * longer than `visibilityTimeoutMs` (redeliveries), then reads new ones (waiting up to `blockMs`). An entry
 * is acknowledged once the handler resolves; a failure leaves it pending for redelivery. An entry delivered
 * more than `maxDeliveries` times is appended to the dead-letter stream as `{ originalId, stream, group,
 * deliveryCount, lastError, fields }` (`fields` as JSON) and acknowledged. A NOGROUP error recreates the group.
 *
 * @throws {MeshError} `invalid_argument` for bad options.
 * @example
 * ```ts
 * const consumer = createStreamConsumer({
 *   store, stream: 'jobs:render', group: 'renderers', consumer: 'media-1',
 *   handler: async (entry, signal) => render(entry.fields, signal),
 * });
 * await consumer.start();
 * // …
 * await consumer.close();
 * ```
 */
export function createStreamConsumer(options: StreamConsumerOptions): StreamConsumer {
  const resolved = resolveStreamConsumerOptions(options);
  const { store, stream, group, consumer, handler, logger } = resolved;
  const lastErrors = new Map<string, string>();
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let starting: Promise<void> | undefined;

  /** Remembers an entry's last error, forgetting the oldest beyond `maxRememberedErrors` (issue 20). */
  const remember = (id: string, message: string) => {
    // Re-inserted, so a failing entry counts as the newest and is the last one forgotten.
    lastErrors.delete(id);
    if (lastErrors.size >= resolved.maxRememberedErrors) {
      const oldest = lastErrors.keys().next().value as string;
      lastErrors.delete(oldest);
      logger.warn('forgot the last error of a failing stream entry (maxRememberedErrors reached)', {
        stream,
        group,
        id: oldest,
        maxRememberedErrors: resolved.maxRememberedErrors,
      });
    }
    lastErrors.set(id, message);
  };

  const ensureGroup = () => store.streamCreateGroup(stream, group, { startId: resolved.startId });

  const deadLetter = async (entry: StreamEntry) => {
    const lastError = lastErrors.get(entry.id) ?? `unknown (delivered ${entry.deliveryCount} times)`;
    await store.streamAppend(
      resolved.deadLetterStream,
      {
        originalId: entry.id,
        stream,
        group,
        deliveryCount: String(entry.deliveryCount),
        lastError,
        fields: JSON.stringify(entry.fields),
      },
      { maxLength: resolved.deadLetterMaxLength },
    );
    await store.streamAck(stream, group, [entry.id]);
    lastErrors.delete(entry.id);
    logger.warn('stream entry moved to the dead-letter stream', {
      stream,
      group,
      id: entry.id,
      deliveryCount: entry.deliveryCount,
      deadLetterStream: resolved.deadLetterStream,
    });
  };

  const handle = async (entry: StreamEntry) => {
    if (entry.deliveryCount > resolved.maxDeliveries) return deadLetter(entry);
    try {
      await handler(entry, stopping.signal);
    } catch (error) {
      remember(entry.id, error instanceof Error ? error.message : String(error));
      logger.warn('stream handler failed; the entry stays pending', {
        stream,
        group,
        id: entry.id,
        deliveryCount: entry.deliveryCount,
        error,
      });
      return;
    }
    lastErrors.delete(entry.id);
    await store.streamAck(stream, group, [entry.id]);
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  const run = async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        const claimed = await store.streamClaimIdle(stream, group, consumer, {
          minIdleMs: resolved.visibilityTimeoutMs,
          count: resolved.batchSize,
        });
        for (const entry of claimed) {
          if (stopping.signal.aborted) return;
          await handle(entry);
        }
        if (stopping.signal.aborted) return;
        const fresh = await store.streamReadGroup(stream, group, consumer, {
          count: resolved.batchSize,
          // Do not sit in a blocking read while redeliveries may be waiting.
          blockMs: claimed.length > 0 ? 0 : resolved.blockMs,
          signal: stopping.signal,
        });
        failures = 0;
        for (const entry of fresh) {
          if (stopping.signal.aborted) return;
          await handle(entry);
        }
      } catch (error) {
        if (stopping.signal.aborted) return;
        if (isNoGroupError(error)) {
          logger.warn('consumer group missing; recreating it', { stream, group });
          try {
            await ensureGroup();
            continue;
          } catch (createError) {
            logger.error('could not recreate the consumer group', { stream, group, error: createError });
          }
        } else {
          logger.error('stream consumer failed; retrying', { stream, group, error });
        }
        await pause(backoffDelayMs(failures, resolved.errorBackoff));
        failures += 1;
      }
    }
  };

  return {
    start() {
      if (stopping.signal.aborted) {
        return Promise.reject(
          new MeshError('the stream consumer was closed', 'failed_precondition', {
            details: { stream, group },
          }),
        );
      }
      starting ??= ensureGroup().then(
        () => {
          if (!stopping.signal.aborted) loop = run();
        },
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
      return starting;
    },
    async close() {
      stopping.abort(new MeshError('the stream consumer is closing', 'canceled'));
      await starting?.catch(() => undefined);
      await loop;
    },
  };
}
