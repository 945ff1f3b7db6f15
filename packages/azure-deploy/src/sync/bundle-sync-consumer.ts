import {
  type BundleCompleteEvent,
  PIPELINE_STREAMS,
  parseBundleCompleteEvent,
} from '@kidsstories/kidsstories-tools/bundle';
import { type Logger, MeshError, type StateStore, silentLogger } from '@kidsstories/mesh-core';
import { createStreamConsumer, type StreamConsumer } from '@kidsstories/mesh-core/ports';
import { syncBundle } from './sync-bundle.js';
import type { BundleSyncOptions, BundleSyncReport } from './sync-options.js';

/** Consumer group of the cloud sync on the `bundle.complete` stream. */
export const BUNDLE_SYNC_GROUP = 'azure-deploy:bundle-sync';

/** Options for {@link startBundleSync}: where the events come from, plus the sync's own options. */
export interface BundleSyncConsumerOptions extends Omit<BundleSyncOptions, 'signal' | 'logger'> {
  /** The state store the pipeline appends `bundle.complete` entries to. */
  store: StateStore;
  /** This consumer's name, unique per process (such as the instance id). */
  consumer: string;
  /** Consumer group. Default {@link BUNDLE_SYNC_GROUP}. */
  group?: string;
  /** Stream. Default `PIPELINE_STREAMS.bundleComplete`. */
  stream?: string;
  /** Deliveries of one event before it goes to the dead-letter stream. Default 5 (the consumer's default). */
  maxDeliveries?: number;
  /** Redelivery after a crash or failure, in milliseconds. Default 30 000. */
  visibilityTimeoutMs?: number;
  /** How long a read waits for new entries, in milliseconds. Default 2 000. */
  blockMs?: number;
  /** Called after each bundle is in the container. */
  onSynced?: (report: BundleSyncReport, event: BundleCompleteEvent) => void;
  /** Default: silent. */
  logger?: Logger;
}

/**
 * Starts the cloud sync as a consumer of the pipeline's `bundle.complete` stream (no polling): each event's bundle
 * folder is synced with {@link syncBundle}. Delivery is at least once, and the sync is idempotent (files already
 * in the container are skipped), so a redelivered event costs only the hashing and a read per file. An event
 * whose bundle cannot be fully synced fails the handler, which leaves it pending for redelivery; after
 * `maxDeliveries` it goes to the dead-letter stream. Resolves once the consumer group exists; call `close()`
 * to stop.
 *
 * @throws MeshError `invalid_argument` for bad options.
 * @example
 * ```ts
 * const sync = await startBundleSync({
 *   store, consumer: 'pipeline-1',
 *   container: createContainerClient(resolveBlobConnection({})),
 * });
 * // …
 * await sync.close();
 * ```
 */
export async function startBundleSync(options: BundleSyncConsumerOptions): Promise<StreamConsumer> {
  const {
    store,
    consumer: consumerName,
    group = BUNDLE_SYNC_GROUP,
    stream = PIPELINE_STREAMS.bundleComplete,
    maxDeliveries,
    visibilityTimeoutMs,
    blockMs,
    onSynced,
    logger = silentLogger,
    ...syncOptions
  } = options;
  const consumer = createStreamConsumer({
    store,
    stream,
    group,
    consumer: consumerName,
    logger,
    ...(maxDeliveries !== undefined && { maxDeliveries }),
    ...(visibilityTimeoutMs !== undefined && { visibilityTimeoutMs }),
    ...(blockMs !== undefined && { blockMs }),
    handler: async (entry, signal) => {
      const event = parseBundleCompleteEvent(entry.fields);
      const report = await syncBundle(event.bundleDir, { ...syncOptions, signal, logger });
      if (report.failed.length > 0) {
        throw new MeshError(
          `sync of ${event.bundleDir} left ${report.failed.length} file(s) failed: ${report.failed
            .map((file) => `${file.path} (${file.error})`)
            .join(', ')}`,
          'unavailable',
          { details: { bundleDir: event.bundleDir, failed: report.failed.length } },
        );
      }
      logger.info('bundle synced', {
        bundleDir: event.bundleDir,
        runId: event.runId,
        uploaded: report.uploaded.length,
        skipped: report.skipped.length,
      });
      onSynced?.(report, event);
    },
  });
  await consumer.start();
  return consumer;
}
