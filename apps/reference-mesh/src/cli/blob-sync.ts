import {
  type BlobConnection,
  createContainerClient,
  resolveBlobConnection,
  startBundleSync,
} from '@kidsstories/azure-deploy';
import { type Logger, MeshError, type StateStore } from '@kidsstories/mesh-core';
import { UsageError } from './usage-error.js';

/** The environment variable naming the Blob container the gateway syncs bundles to (as `--blob-container`). */
export const BLOB_CONTAINER_ENV = 'KIDSSTORIES_BLOB_CONTAINER';

/**
 * Azure's container-name rule: 3 to 63 lowercase letters, digits and single dashes, starting and ending with a
 * letter or digit (https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata).
 */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The Blob connection of the gateway's cloud sync, when one is configured: `--blob-container` (else
 * `KIDSSTORIES_BLOB_CONTAINER`) turns it on, and the connection comes from the environment as `azure-deploy sync`
 * reads it (`AZURE_STORAGE_SAS_URL`, `AZURE_STORAGE_ACCOUNT_URL` with Entra ID, or
 * `AZURE_STORAGE_CONNECTION_STRING`). Nothing configured: `undefined` (no sync).
 *
 * @throws UsageError naming the bad container name or the missing or malformed connection.
 */
export function blobSyncConnectionOf(
  containerFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): BlobConnection | undefined {
  const containerName = containerFlag ?? env[BLOB_CONTAINER_ENV];
  if (containerName === undefined || containerName === '') return undefined;
  if (!CONTAINER_NAME.test(containerName)) {
    throw new UsageError(
      `--blob-container (or ${BLOB_CONTAINER_ENV}) "${containerName}" is not a Blob container name: 3-63 lowercase letters, digits and single dashes`,
    );
  }
  let connection: BlobConnection;
  try {
    connection = resolveBlobConnection({ containerName }, env);
    if (connection.kind === 'account-url' && !/^https?:\/\/[^\s/]+/.test(connection.accountUrl)) {
      throw new MeshError(
        `AZURE_STORAGE_ACCOUNT_URL "${connection.accountUrl}" is not a URL`,
        'invalid_argument',
      );
    }
    // Checks the connection string or URL now (no request is made), so a bad one exits 2 before anything starts.
    createContainerClient(connection);
  } catch (error) {
    if (MeshError.isInstance(error) && error.details.field === 'connection') {
      throw new UsageError(
        `--blob-container ${containerName}: no Blob Storage connection: set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_URL (Entra ID) or AZURE_STORAGE_SAS_URL`,
      );
    }
    throw new UsageError(`--blob-container ${containerName}: ${(error as Error).message}`);
  }
  return connection;
}

/**
 * Starts the cloud sync beside the pipeline: a consumer of the `bundle.complete` stream in `store` (no polling)
 * that uploads each finished bundle to the container with `azure-deploy`'s `syncBundle`, manifest last. Resolves
 * once its consumer group exists, with the function that stops it.
 */
export async function startGatewayBlobSync(
  connection: BlobConnection,
  store: StateStore,
  consumer: string,
  logger: Logger,
): Promise<() => Promise<void>> {
  const sync = await startBundleSync({
    store,
    consumer,
    container: createContainerClient(connection),
    logger: logger.child({ component: 'blob-sync' }),
  });
  return () => sync.close();
}

/** The banner line of a configured sync. */
export function blobSyncBanner(connection: BlobConnection): string {
  const where =
    connection.kind === 'sas-url'
      ? new URL(connection.containerUrl).pathname.slice(1)
      : `${connection.containerName} (${connection.kind})`;
  return `Blob sync: each finished bundle is uploaded to container ${where}`;
}
