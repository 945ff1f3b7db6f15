import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import {
  AnonymousCredential,
  BlobServiceClient,
  ContainerClient,
  newPipeline,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { MeshError } from '@kidsstories/mesh-core';

/** Container used when none is named: the one the story site reads. */
export const DEFAULT_CONTAINER_NAME = 'stories';

/**
 * How to reach the Blob container. Exclusive modes:
 * - `connection-string`: an account connection string (the SDK's `AZURE_STORAGE_CONNECTION_STRING` convention;
 *   also Azurite's), with a container name;
 * - `account-url`: `https://<account>.blob.core.windows.net` with an Entra ID credential (default
 *   `DefaultAzureCredential`, which covers managed identity, workload identity and `az login`);
 * - `sas-url`: a container URL that carries a SAS token (`https://…/stories?sv=…&sig=…`).
 */
export type BlobConnection =
  | { kind: 'connection-string'; connectionString: string; containerName?: string }
  | { kind: 'account-url'; accountUrl: string; containerName?: string; credential?: TokenCredential }
  | { kind: 'sas-url'; containerUrl: string };

/**
 * A `ContainerClient` for `connection`.
 *
 * @param pipeline SDK pipeline options (retries, proxy); default the SDK's.
 * @throws MeshError `invalid_argument` when the connection string or URL is malformed.
 * @example
 * ```ts
 * const container = createContainerClient({ kind: 'account-url', accountUrl: 'https://kids.blob.core.windows.net' });
 * ```
 */
export function createContainerClient(
  connection: BlobConnection,
  pipeline: StoragePipelineOptions = {},
): ContainerClient {
  try {
    switch (connection.kind) {
      case 'connection-string':
        return BlobServiceClient.fromConnectionString(
          connection.connectionString,
          pipeline,
        ).getContainerClient(connection.containerName ?? DEFAULT_CONTAINER_NAME);
      case 'account-url':
        return new BlobServiceClient(
          connection.accountUrl,
          connection.credential ?? new DefaultAzureCredential(),
          pipeline,
        ).getContainerClient(connection.containerName ?? DEFAULT_CONTAINER_NAME);
      case 'sas-url':
        return new ContainerClient(connection.containerUrl, newPipeline(new AnonymousCredential(), pipeline));
    }
  } catch (error) {
    throw new MeshError(
      `bad Blob Storage connection (${connection.kind}): ${(error as Error).message}`,
      'invalid_argument',
      { cause: error, details: { kind: connection.kind } },
    );
  }
}

/** Settings a {@link BlobConnection} can be read from (command-line flags override the environment). */
export interface BlobConnectionSettings {
  /** `--connection-string`, else `AZURE_STORAGE_CONNECTION_STRING`. */
  connectionString?: string;
  /** `--account-url`, else `AZURE_STORAGE_ACCOUNT_URL`. */
  accountUrl?: string;
  /** `--sas-url`, else `AZURE_STORAGE_SAS_URL`. */
  sasUrl?: string;
  /** `--container`, else `AZURE_STORAGE_CONTAINER`, else {@link DEFAULT_CONTAINER_NAME}. */
  containerName?: string;
}

/**
 * The connection named by `settings`, falling back to the environment: a SAS URL first, then an account URL (Entra
 * ID), then a connection string.
 *
 * @throws MeshError `invalid_argument` when nothing names a connection.
 */
export function resolveBlobConnection(
  settings: BlobConnectionSettings,
  env: Readonly<Record<string, string | undefined>> = process.env,
): BlobConnection {
  const containerName = settings.containerName ?? env.AZURE_STORAGE_CONTAINER ?? DEFAULT_CONTAINER_NAME;
  const sasUrl = settings.sasUrl ?? env.AZURE_STORAGE_SAS_URL;
  if (sasUrl) return { kind: 'sas-url', containerUrl: sasUrl };
  const accountUrl = settings.accountUrl ?? env.AZURE_STORAGE_ACCOUNT_URL;
  if (accountUrl) return { kind: 'account-url', accountUrl, containerName };
  const connectionString = settings.connectionString ?? env.AZURE_STORAGE_CONNECTION_STRING;
  if (connectionString) return { kind: 'connection-string', connectionString, containerName };
  throw new MeshError(
    'no Blob Storage connection: set AZURE_STORAGE_CONNECTION_STRING, or pass --account-url (Entra ID) or --sas-url',
    'invalid_argument',
    { details: { field: 'connection' } },
  );
}
