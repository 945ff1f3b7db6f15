import { type ContainerClient, RestError } from '@azure/storage-blob';
import { MeshError } from '@kidsstories/mesh-core';
import { abortOption } from './abort-option.js';
import { blobHeadersOf, SHA256_METADATA_KEY } from './blob-headers.js';

/** Options for {@link putBlobIfChanged}. */
export interface PutBlobOptions {
  /** Report what would happen without writing. Default false. */
  dryRun?: boolean;
  /** Files up to this size go in one Put Blob request; larger ones in blocks. In bytes. Default 8 MiB. */
  maxSingleShotBytes?: number;
  /** Block size for larger files, in bytes. Default 4 MiB. */
  blockBytes?: number;
  signal?: AbortSignal;
}

/** What {@link putBlobIfChanged} did. */
export type PutBlobOutcome = 'uploaded' | 'skipped';

/** Rounds of "read the blob, write it conditionally" before giving up on a blob that keeps changing. */
const MAX_CONFLICT_ROUNDS = 5;

const statusOf = (error: unknown) => (error instanceof RestError ? error.statusCode : undefined);

/**
 * Writes `data` to blob `name` unless a blob with the same SHA-256 (in its metadata) and size is already there.
 * The write is conditional so that two writers never overwrite each other blindly: a new blob is created with
 * `If-None-Match: *` (409 when another writer got there first) and an existing one is replaced with `If-Match`
 * on the ETag just read (412 when it changed meanwhile). On either conflict it reads the blob again: when the
 * other writer stored the same bytes, the file counts as skipped.
 *
 * @throws MeshError `aborted` when the blob changed under it {@link MAX_CONFLICT_ROUNDS} times in a row; the
 *   SDK's `RestError` for any other failure (the caller decides whether to retry).
 */
export async function putBlobIfChanged(
  container: ContainerClient,
  name: string,
  data: Uint8Array,
  sha256: string,
  options: PutBlobOptions = {},
): Promise<PutBlobOutcome> {
  const blob = container.getBlockBlobClient(name);
  for (let round = 0; round < MAX_CONFLICT_ROUNDS; round++) {
    let etag: string | undefined;
    try {
      const properties = await blob.getProperties(abortOption(options.signal));
      if (
        properties.metadata?.[SHA256_METADATA_KEY] === sha256 &&
        properties.contentLength === data.byteLength
      ) {
        return 'skipped';
      }
      etag = properties.etag;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    if (options.dryRun) return 'uploaded';
    try {
      await blob.uploadData(data, {
        blobHTTPHeaders: blobHeadersOf(name),
        metadata: { [SHA256_METADATA_KEY]: sha256 },
        conditions: etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag },
        maxSingleShotSize: options.maxSingleShotBytes ?? 8 * 1024 * 1024,
        blockSize: options.blockBytes ?? 4 * 1024 * 1024,
        // One request at a time per file: the sync's pool bounds the requests in flight.
        concurrency: 1,
        ...abortOption(options.signal),
      });
      return 'uploaded';
    } catch (error) {
      const status = statusOf(error);
      if (status !== 409 && status !== 412) throw error;
    }
  }
  throw new MeshError(
    `blob ${name} changed under this sync ${MAX_CONFLICT_ROUNDS} times in a row; another writer keeps replacing it`,
    'aborted',
    { details: { blob: name } },
  );
}
