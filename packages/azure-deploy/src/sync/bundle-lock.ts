import { type ContainerClient, RestError } from '@azure/storage-blob';
import { MeshError } from '@kidsstories/mesh-core';
import { abortOption } from './abort-option.js';

/** Suffix of the lock blob that sits beside a bundle's folder: `stories/{date}/{ageBand}.sync-lock`. */
export const BUNDLE_LOCK_SUFFIX = '.sync-lock';

/** The lock blob of the bundle under `prefix` (outside the folder, so listings of the bundle never show it). */
export function bundleLockBlob(prefix: string): string {
  return `${prefix.replace(/\/+$/, '')}${BUNDLE_LOCK_SUFFIX}`;
}

/** Options for {@link acquireBundleLock}. */
export interface BundleLockOptions {
  /** Lease length, 15-60 seconds; renewed at a third of it while held. Default 60. */
  leaseSeconds?: number;
  /** How long to wait for another sync to release the lock, in milliseconds. Default 300 000. */
  waitMs?: number;
  /** Pause between attempts while another sync holds it, in milliseconds. Default 250. */
  pollMs?: number;
  /** Waits between attempts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock, in milliseconds. */
  now: () => number;
  signal?: AbortSignal;
}

/** A held lock; release it when done (a crashed holder's lease lapses by itself). */
export interface BundleLock {
  release(): Promise<void>;
}

/**
 * Takes the per-bundle sync lock: a Blob lease on {@link bundleLockBlob} (created empty when missing), so two syncs
 * of the same bundle write one after the other and each ends with a manifest that matches the blobs. The lease is
 * renewed in the background and lapses by itself if the process dies.
 *
 * @throws MeshError `deadline_exceeded` when another sync held it for longer than `waitMs`.
 */
export async function acquireBundleLock(
  container: ContainerClient,
  prefix: string,
  options: BundleLockOptions,
): Promise<BundleLock> {
  const leaseSeconds = options.leaseSeconds ?? 60;
  const waitMs = options.waitMs ?? 300_000;
  const blob = container.getBlockBlobClient(bundleLockBlob(prefix));
  const lease = blob.getBlobLeaseClient();
  const deadline = options.now() + waitMs;
  let created = false;
  for (;;) {
    try {
      if (!created) {
        await blob.upload('', 0, { conditions: { ifNoneMatch: '*' }, ...abortOption(options.signal) });
        created = true;
      }
      await lease.acquireLease(leaseSeconds, abortOption(options.signal));
      break;
    } catch (error) {
      const status = error instanceof RestError ? error.statusCode : undefined;
      // 409/412 on the create: the lock blob exists (412 when leased right now).
      if (!created && (status === 409 || status === 412)) {
        created = true;
        continue;
      }
      // 409 on the acquire: another sync holds it. 5xx, 408, 429 or no answer: try again too.
      const retry =
        status === 409 || status === undefined || status === 408 || status === 429 || status >= 500;
      if (!retry || options.signal?.aborted) throw error;
      if (options.now() >= deadline) {
        throw new MeshError(
          `could not take the sync lock on ${prefix} within ${waitMs} ms (${status === 409 ? 'another sync holds it' : (error as Error).message})`,
          'deadline_exceeded',
          { cause: error, details: { prefix, waitMs } },
        );
      }
      await options.sleep(options.pollMs ?? 250, options.signal);
    }
  }
  const renewal = setInterval(
    () => {
      lease.renewLease().catch(() => undefined);
    },
    (leaseSeconds * 1000) / 3,
  );
  renewal.unref();
  return {
    async release() {
      clearInterval(renewal);
      await lease.releaseLease().catch(() => undefined);
    },
  };
}
