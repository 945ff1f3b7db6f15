import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { silentLogger } from '@kidsstories/mesh-core';
import { type BuildSiteOptions, type BuildSiteResult, buildSite } from './build-site.js';
import { type DownloadBundlesOptions, downloadBundles } from './download-bundles.js';

/** Options of {@link buildSiteFromBlob}: the container instead of a folder, and the site's own options. */
export interface BuildSiteFromBlobOptions
  extends Omit<BuildSiteOptions, 'bundlesDir'>,
    Pick<DownloadBundlesOptions, 'container' | 'prefix' | 'concurrency'> {}

/** What {@link buildSiteFromBlob} wrote, plus what it downloaded. */
export interface BuildSiteFromBlobResult extends BuildSiteResult {
  /** Blobs downloaded (manifests and the assets they name) and their bytes. */
  downloaded: { blobs: number; bytes: number };
}

/**
 * Builds the story site from the bundles in a Blob container (under `prefix`, default `stories/`, where
 * `azure-deploy sync` writes them): downloads each manifest and only the assets it names into a temporary folder,
 * then builds exactly as {@link buildSite} does from a folder, verifying every bundle's sizes and SHA-256. Bundles
 * left out are reported by their place in the container (`{container}/{prefix}{date}/{ageBand}/`).
 *
 * @throws as {@link buildSite}, and the container's errors (no such container, no access).
 * @example
 * ```ts
 * import { createContainerClient, resolveBlobConnection } from '@kidsstories/azure-deploy';
 *
 * const container = createContainerClient(resolveBlobConnection({ containerName: 'stories' }));
 * const { stories, skipped } = await buildSiteFromBlob({ container, prefix: 'stories/', outDir: 'site' });
 * ```
 */
export async function buildSiteFromBlob(options: BuildSiteFromBlobOptions): Promise<BuildSiteFromBlobResult> {
  const { container, prefix = 'stories/', concurrency, ...siteOptions } = options;
  const logger = options.logger ?? silentLogger;
  const work = await mkdtemp(join(tmpdir(), 'story-site-blob-'));
  try {
    const downloaded = await downloadBundles({
      container,
      prefix,
      destDir: work,
      ...(concurrency !== undefined && { concurrency }),
      ...(options.signal && { signal: options.signal }),
    });
    for (const { dir, reason } of downloaded.skipped) {
      logger.warn(`story-site: left out ${dir}: ${reason}`, { dir, reason });
    }
    const localStories = `${join(work, 'stories')}${sep}`;
    const inContainer = (dir: string) =>
      dir.startsWith(localStories)
        ? `${container.containerName}/${prefix}${dir.slice(localStories.length).split(sep).join('/')}/`
        : dir;
    const built = await buildSite({ ...siteOptions, bundlesDir: work });
    return {
      ...built,
      skipped: [
        ...downloaded.skipped,
        ...built.skipped.map((skip) => ({ ...skip, dir: inContainer(skip.dir) })),
      ],
      downloaded: { blobs: downloaded.blobs, bytes: downloaded.bytes },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
