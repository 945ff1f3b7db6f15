import { join, relative } from 'node:path';
import { createJsonLogger } from '@kidsstories/mesh-core';
import { buildSite, previewSite, userDirectory } from '@kidsstories/story-site';

/** Where the site of a run went. */
export interface PublishedSite {
  /** The built site's folder. */
  dir: string;
  /** Path of the first story's page on the site (`/stories/{date}/{ageBand}/`). */
  storyPath: string;
  /** Stories on the site (every verified bundle under the output folder). */
  stories: number;
}

/**
 * Builds the story site from every bundle under `outDir` into `outDir/site` and returns where the story of
 * `first` is. Bundles that do not verify are left out (the builder says which).
 */
export async function publishSite(
  outDir: string,
  first: { date: string; ageBand: string },
): Promise<PublishedSite> {
  const dir = join(outDir, 'site');
  const result = await buildSite({
    bundlesDir: outDir,
    outDir: dir,
    logger: createJsonLogger({ level: 'warn', fields: { app: 'story-site' } }),
  });
  for (const { dir: left, reason } of result.skipped) {
    process.stderr.write(`story site: left out ${left}: ${reason}\n`);
  }
  return {
    dir: result.outDir,
    storyPath: `/stories/${first.date}/${first.ageBand}/`,
    stories: result.stories,
  };
}

/**
 * Serves a built site on localhost until SIGINT/SIGTERM and prints the story's address.
 */
export async function serveSite(site: PublishedSite, write: (text: string) => void): Promise<void> {
  const preview = await previewSite({ dir: site.dir, port: 0 });
  write(`Read it: ${new URL(site.storyPath, preview.url).href}  (the site is served until Ctrl+C)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void preview.close().then(resolve, resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The line that says where a built site is and how to serve it, for output that is not a terminal. */
export function describeSite(site: PublishedSite): string {
  // Relative to where the user typed the command; the preview resolves `--dir` from there too (npm's INIT_CWD).
  const where = relative(userDirectory(), site.dir) || '.';
  return `  site    ${where}/index.html (${site.stories} stories); read it with: npm run preview -w apps/story-site -- --dir ${where}, then open ${site.storyPath}\n`;
}
