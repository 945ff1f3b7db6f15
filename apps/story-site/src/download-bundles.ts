import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { createContainerClient } from '@kidsstories/azure-deploy';
import { AGE_BANDS, type AgeBand, BUNDLE_FILES, isBundleDate } from '@kidsstories/kidsstories-tools/bundle';
import { MeshError } from '@kidsstories/mesh-core';
import type { SkippedBundle } from './find-bundles.js';
import { runPool } from './run-pool.js';

/** A Blob container client, as `@kidsstories/azure-deploy` makes them. */
type ContainerClient = ReturnType<typeof createContainerClient>;

/** Options of {@link downloadBundles}. */
export interface DownloadBundlesOptions {
  /** The container holding the bundles (see `createContainerClient` in `@kidsstories/azure-deploy`). */
  container: ContainerClient;
  /** Blob name prefix of the `{date}/{ageBand}/` folders. Default `stories/` (where `azure-deploy sync` writes). */
  prefix?: string;
  /** Local folder the bundles are written to, as `{destDir}/stories/{date}/{ageBand}/`. */
  destDir: string;
  /** Downloads in flight at once. Default 8. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** What {@link downloadBundles} fetched. */
export interface DownloadedBundles {
  /** Local bundle folders, by the blob prefix they came from. */
  bundles: Array<{ dir: string; blobPrefix: string }>;
  /** Bundles that could not be fetched (bad manifest, a named blob missing), with the reason. */
  skipped: SkippedBundle[];
  /** Blobs downloaded (manifests and the assets they name) and their bytes. */
  blobs: number;
  bytes: number;
}

/** A path a manifest names: relative, inside the bundle, without `.`/`..` segments. */
const SAFE_PATH = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[\w][\w./-]*$/;

/**
 * Fetches the story bundles under `prefix` in a Blob container into `destDir/stories/{date}/{ageBand}/` (each one
 * downloaded into `destDir/.incoming/` first and moved in once complete): lists the
 * manifests (`{prefix}{date}/{ageBand}/story-manifest.json`), downloads each one and then only the assets it names.
 * A bundle whose manifest does not parse, names an unsafe path or a blob that is missing is left out with the
 * reason. Hashes are not checked here: the site's build verifies every downloaded bundle (sizes and SHA-256) and
 * leaves out any that fails, as it does for a folder.
 *
 * @throws MeshError `invalid_argument` for a bad prefix or concurrency; the container's errors (such as a missing
 *   container, or no access) as they come.
 */
export async function downloadBundles(options: DownloadBundlesOptions): Promise<DownloadedBundles> {
  const prefix = options.prefix ?? 'stories/';
  const concurrency = options.concurrency ?? 8;
  if (prefix !== '' && !prefix.endsWith('/')) {
    throw new MeshError(`--prefix must end with "/", such as stories/, not "${prefix}"`, 'invalid_argument', {
      details: { field: 'prefix' },
    });
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new MeshError('concurrency must be a whole number >= 1', 'invalid_argument', {
      details: { field: 'concurrency' },
    });
  }
  const { container, signal } = options;
  const manifests: Array<{ date: string; ageBand: AgeBand; blobPrefix: string }> = [];
  const skipped: SkippedBundle[] = [];
  const where = (blobPrefix: string) => `${container.containerName}/${blobPrefix}`;
  for await (const blob of container.listBlobsFlat({ prefix, ...(signal && { abortSignal: signal }) })) {
    const parts = blob.name.slice(prefix.length).split('/');
    if (parts.length !== 3 || parts[2] !== BUNDLE_FILES.manifest) continue;
    const [date = '', band = ''] = parts;
    const blobPrefix = `${prefix}${date}/${band}/`;
    if (!isBundleDate(date)) {
      skipped.push({ dir: where(blobPrefix), reason: `"${date}" is not a day written YYYY-MM-DD` });
    } else if (!AGE_BANDS.includes(band as AgeBand)) {
      skipped.push({
        dir: where(blobPrefix),
        reason: `"${band}" is not an age band (${AGE_BANDS.join(', ')})`,
      });
    } else {
      manifests.push({ date, ageBand: band as AgeBand, blobPrefix });
    }
  }
  const bundles: DownloadedBundles['bundles'] = [];
  let blobs = 0;
  let bytes = 0;
  const fetchBlob = async (name: string, file: string): Promise<Buffer> => {
    const data = await container.getBlobClient(name).downloadToBuffer(0, undefined, {
      ...(signal && { abortSignal: signal }),
    });
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
    blobs++;
    bytes += data.byteLength;
    return data;
  };
  await runPool(
    manifests,
    Math.max(1, Math.floor(concurrency / 2)),
    async ({ date, ageBand, blobPrefix }) => {
      const dir = join(options.destDir, 'stories', date, ageBand);
      // Downloaded beside `stories/` and moved in once complete, so the build never sees half a bundle.
      const incoming = join(options.destDir, '.incoming', date, ageBand);
      try {
        const text = (
          await fetchBlob(`${blobPrefix}${BUNDLE_FILES.manifest}`, join(incoming, BUNDLE_FILES.manifest))
        ).toString('utf8');
        const assets = assetPathsOf(text);
        await runPool(assets, concurrency, async (path) => {
          await fetchBlob(`${blobPrefix}${path}`, join(incoming, path));
        });
        await mkdir(dirname(dir), { recursive: true });
        await rename(incoming, dir);
        bundles.push({ dir, blobPrefix });
      } catch (error) {
        if (signal?.aborted) throw error;
        const status = (error as { statusCode?: number }).statusCode;
        const reason =
          status === 404
            ? `a blob its manifest names is missing: ${(error as { request?: { url?: string } }).request?.url?.split('?')[0] ?? ''}`
            : (error as Error).message;
        skipped.push({ dir: where(blobPrefix), reason });
      }
    },
  );
  bundles.sort((a, b) => a.blobPrefix.localeCompare(b.blobPrefix));
  return { bundles, skipped, blobs, bytes };
}

/** The asset paths a manifest names, each checked to stay inside the bundle. */
function assetPathsOf(text: string): string[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new Error(`its manifest is not JSON: ${(error as Error).message}`);
  }
  const assets = (manifest as { assets?: unknown }).assets;
  if (!Array.isArray(assets)) throw new Error('its manifest lists no assets');
  return assets.map((asset: { path?: unknown }) => {
    const path = asset?.path;
    if (typeof path !== 'string' || !SAFE_PATH.test(path)) {
      throw new Error(`its manifest names an asset path outside the bundle: ${JSON.stringify(path)}`);
    }
    return path;
  });
}
