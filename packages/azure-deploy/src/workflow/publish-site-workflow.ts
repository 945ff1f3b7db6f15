import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@kidsstories/kidsstories-tools/bundle';
import { MeshError } from '@kidsstories/mesh-core';
import { packageFile } from './package-file.js';

/** Where the workflow goes in a repository. */
export const PUBLISH_SITE_WORKFLOW_PATH = '.github/workflows/publish-site.yml';

/**
 * The GitHub Actions workflow that publishes the story site: on `repository_dispatch` (`stories-published`, sent by
 * the relay) or by hand, it downloads the manifests, builds the image (node:alpine to nginx:alpine), pushes it to
 * ACR as `latest` and the commit SHA, creates a Container App revision, checks its health, shifts traffic to it
 * 0 -> 100%, rolls back on a failed check and purges the CDN. Repository variables configure it (see the guide).
 */
export async function publishSiteWorkflow(): Promise<string> {
  return readFile(packageFile('templates/publish-site.yml'), 'utf8');
}

/** Options for {@link writePublishSiteWorkflow}. */
export interface WriteWorkflowOptions {
  /** Replace a different file already there. Default false. */
  overwrite?: boolean;
  /** Report only. Default false. */
  dryRun?: boolean;
}

/**
 * Writes the workflow into the repository at `repoDir` (`.github/workflows/publish-site.yml`).
 *
 * @returns `written`, `unchanged` (the same file is there), or with `dryRun` what would happen.
 * @throws MeshError `already_exists` when a different file is there and `overwrite` is not set.
 */
export async function writePublishSiteWorkflow(
  repoDir: string,
  options: WriteWorkflowOptions = {},
): Promise<{ path: string; outcome: 'written' | 'unchanged' }> {
  const path = join(repoDir, PUBLISH_SITE_WORKFLOW_PATH);
  const text = await publishSiteWorkflow();
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) return { path, outcome: 'unchanged' };
  if (current !== undefined && !options.overwrite) {
    throw new MeshError(`${path} exists and differs; pass --overwrite to replace it`, 'already_exists', {
      details: { path },
    });
  }
  if (!options.dryRun) await writeFileAtomic(path, text);
  return { path, outcome: 'written' };
}
