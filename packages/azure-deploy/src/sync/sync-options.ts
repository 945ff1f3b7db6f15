import { type ContainerClient, RestError } from '@azure/storage-blob';
import { type Logger, MeshError, silentLogger } from '@kidsstories/mesh-core';
import { retryDelayMs } from '@kidsstories/mesh-core/resilience';

/** Defaults of {@link syncBundle}. */
export const DEFAULT_BUNDLE_SYNC = Object.freeze({
  concurrency: 4,
  maxRounds: 5,
  retryInitialDelayMs: 500,
  retryMaxDelayMs: 10_000,
  maxSingleShotBytes: 8 * 1024 * 1024,
  blockBytes: 4 * 1024 * 1024,
  lockWaitMs: 300_000,
});

/** One file of a sync report. */
export interface SyncedFile {
  /** Path inside the bundle. */
  path: string;
  /** Blob name. */
  blob: string;
  bytes: number;
  sha256: string;
}

/** A file the sync could not upload, with the last error. */
export interface FailedFile extends SyncedFile {
  error: string;
}

/** Progress of a sync, one event per file outcome. */
export interface BundleSyncProgress {
  path: string;
  outcome: 'uploaded' | 'skipped' | 'failed' | 'retrying';
  bytes: number;
  /** Pass over the files (1-based). */
  round: number;
}

/** What {@link syncBundle} did (or, with `dryRun`, would do). */
export interface BundleSyncReport {
  bundleDir: string;
  container: string;
  /** Blob name prefix of the bundle, `stories/{date}/{ageBand}/`. */
  prefix: string;
  dryRun: boolean;
  uploaded: SyncedFile[];
  skipped: SyncedFile[];
  /** Files still failing after every round; empty on success. */
  failed: FailedFile[];
  uploadedBytes: number;
  skippedBytes: number;
  failedBytes: number;
  /** `story-manifest.json`: written, already up to date, or not written because files failed. */
  manifest: 'uploaded' | 'skipped' | 'not-written';
  /** Why the manifest could not be written although every file was, when that happened. */
  manifestError?: string;
  /** Passes over the files that were needed. */
  rounds: number;
}

/** Options for {@link syncBundle}. */
export interface BundleSyncOptions {
  /** The target container (see `createContainerClient`). It is created when missing. */
  container: ContainerClient;
  /** Prefix before `stories/…` in blob names. Default `''`. */
  root?: string;
  /** Uploads in flight at once. Default 4. */
  concurrency?: number;
  /** Passes over the files still failing (with backoff between them) before giving up. Default 5. */
  maxRounds?: number;
  /** Backoff before the second pass, doubled each pass, in milliseconds. Default 500. */
  retryInitialDelayMs?: number;
  /** Cap of that backoff, in milliseconds. Default 10 000. */
  retryMaxDelayMs?: number;
  /** Files up to this size go in one request, in bytes. Default 8 MiB. */
  maxSingleShotBytes?: number;
  /** Block size of larger files, in bytes. Default 4 MiB. */
  blockBytes?: number;
  /** How long to wait for another sync of the same bundle to finish (see `acquireBundleLock`), in ms. Default 300 000. */
  lockWaitMs?: number;
  /** Read the container and report what would be uploaded, writing nothing. Default false. */
  dryRun?: boolean;
  /** Called once per file outcome. */
  onProgress?: (progress: BundleSyncProgress) => void;
  signal?: AbortSignal;
  /** Default: silent. */
  logger?: Logger;
  /** Jitter source in `[0, 1)`. Default `Math.random`. */
  random?: () => number;
  /** Waits between passes. Default: a timer (cut short by `signal`). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock, in milliseconds. Default `Date.now`. */
  now?: () => number;
}

export type ResolvedSyncOptions = Required<Omit<BundleSyncOptions, 'onProgress' | 'signal'>> &
  Pick<BundleSyncOptions, 'onProgress' | 'signal'>;

export function resolveBundleSyncOptions(options: BundleSyncOptions): ResolvedSyncOptions {
  const d = DEFAULT_BUNDLE_SYNC;
  const resolved = {
    root: '',
    dryRun: false,
    logger: silentLogger,
    random: Math.random,
    sleep: defaultSleep,
    now: Date.now,
    ...d,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  } as ResolvedSyncOptions;
  for (const field of ['concurrency', 'maxRounds', 'maxSingleShotBytes', 'blockBytes'] as const) {
    if (!Number.isInteger(resolved[field]) || resolved[field] < 1) {
      throw new MeshError(`${field} must be a whole number >= 1`, 'invalid_argument', { details: { field } });
    }
  }
  return resolved;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** The pause after pass (or attempt) `round`: exponential with equal jitter. */
export function backoffMs(round: number, resolved: ResolvedSyncOptions): number {
  return retryDelayMs(round, undefined, {
    initialDelayMs: resolved.retryInitialDelayMs,
    maxDelayMs: resolved.retryMaxDelayMs,
    jitter: 0.5,
    random: resolved.random,
  });
}

/** A failure worth another pass: server faults, throttling, timeouts and lost connections. */
export function isTransient(error: unknown): boolean {
  if (MeshError.isInstance(error)) return error.code === 'aborted' || error.code === 'unavailable';
  if (error instanceof RestError) {
    const status = error.statusCode;
    return status === undefined || status === 408 || status === 429 || status >= 500;
  }
  return (error as Error | undefined)?.name !== 'AbortError';
}

/** A bundle file read into memory. */
export interface LocalFile extends SyncedFile {
  data: Uint8Array;
}

/** The report entry of a file. */
export const withoutData = ({ data: _data, ...file }: LocalFile): SyncedFile => file;
