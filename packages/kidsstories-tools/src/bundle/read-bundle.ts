import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshError } from '@kidsstories/mesh-core';
import { storySchema } from '../story/story-schema.js';
import {
  BUNDLE_FILES,
  BUNDLE_SCHEMA_VERSION,
  type StoryManifest,
  storyManifestSchema,
} from './bundle-manifest.js';

/** A bundle read from disk. */
export interface Bundle {
  /** The bundle folder. */
  dir: string;
  manifest: StoryManifest;
}

/** What is wrong with one file or page of a bundle. */
export interface BundleProblem {
  /** The file (relative to the bundle) or `pages[N]` the problem is about. */
  path: string;
  kind: 'manifest' | 'missing' | 'size' | 'hash' | 'page' | 'story';
  message: string;
}

/** The result of {@link verifyBundle}. */
export interface BundleVerification {
  /** True when the manifest is valid, every file matches its size and hash, and every page is complete. */
  ok: boolean;
  /** The manifest, when it could be read and validated. */
  manifest?: StoryManifest;
  problems: BundleProblem[];
}

/**
 * Reads and validates a bundle's `story-manifest.json`. It does not hash the files: use {@link verifyBundle}.
 *
 * @throws MeshError `not_found` when the folder has no manifest, `data_loss` when the manifest is not valid JSON
 *   or not a version-1 manifest (the message names the first bad field).
 * @example
 * ```ts
 * const { manifest } = await readBundle('out/stories/2026-12-06/6-8');
 * console.log(manifest.title, manifest.pages.length);
 * ```
 */
export async function readBundle(dir: string): Promise<Bundle> {
  const path = join(dir, BUNDLE_FILES.manifest);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MeshError(`no bundle at ${dir}: ${BUNDLE_FILES.manifest} is missing`, 'not_found', {
        details: { dir },
      });
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MeshError(`${path} is not valid JSON: ${(error as Error).message}`, 'data_loss', {
      details: { path },
    });
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== BUNDLE_SCHEMA_VERSION) {
    throw new MeshError(
      `${path} has schemaVersion ${JSON.stringify(version)}; this reader understands ${BUNDLE_SCHEMA_VERSION}`,
      'data_loss',
      { details: { path, schemaVersion: version } },
    );
  }
  const parsed = storyManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new MeshError(`${path} is not a valid story manifest: ${field}: ${issue?.message}`, 'data_loss', {
      details: { path, field },
    });
  }
  return { dir, manifest: parsed.data };
}

/** SHA-256 (hex) and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Checks a bundle end to end: the manifest is valid; every asset exists with the size and SHA-256 the manifest
 * gives; `story.json` and `character-guide.json` are listed; pages are numbered 1..N and each names a listed
 * picture and narration (and clip, when it has one); `story.json` is a valid story with as many pages. Never
 * throws for a bad bundle: the problems are listed.
 *
 * @example
 * ```ts
 * const { ok, problems } = await verifyBundle(dir);
 * if (!ok) for (const problem of problems) console.error(`${problem.path}: ${problem.message}`);
 * ```
 */
export async function verifyBundle(dir: string): Promise<BundleVerification> {
  let manifest: StoryManifest;
  try {
    ({ manifest } = await readBundle(dir));
  } catch (error) {
    return {
      ok: false,
      problems: [{ path: BUNDLE_FILES.manifest, kind: 'manifest', message: (error as Error).message }],
    };
  }
  const problems: BundleProblem[] = [];
  const listed = new Map(manifest.assets.map((asset) => [asset.path, asset]));
  if (listed.size !== manifest.assets.length) {
    problems.push({
      path: BUNDLE_FILES.manifest,
      kind: 'manifest',
      message: 'an asset path is listed twice',
    });
  }
  await Promise.all(
    manifest.assets.map(async (asset) => {
      const file = join(dir, asset.path);
      const found = await stat(file).catch(() => undefined);
      if (!found?.isFile()) {
        problems.push({
          path: asset.path,
          kind: 'missing',
          message: 'listed in the manifest but not on disk',
        });
        return;
      }
      if (found.size !== asset.bytes) {
        problems.push({
          path: asset.path,
          kind: 'size',
          message: `${found.size} bytes on disk, ${asset.bytes} in the manifest`,
        });
        return;
      }
      const { sha256 } = await hashFile(file);
      if (sha256 !== asset.sha256) {
        problems.push({
          path: asset.path,
          kind: 'hash',
          message: `SHA-256 ${sha256} does not match the manifest`,
        });
      }
    }),
  );
  for (const required of [BUNDLE_FILES.story, BUNDLE_FILES.characterGuide]) {
    if (!listed.has(required)) {
      problems.push({ path: required, kind: 'missing', message: 'not listed in the manifest' });
    }
  }
  manifest.pages.forEach((page, index) => {
    const where = `pages[${index}]`;
    if (page.number !== index + 1) {
      problems.push({ path: where, kind: 'page', message: `numbered ${page.number}, expected ${index + 1}` });
    }
    const parts = [
      ['picture', page.picture.path],
      ['narration', page.narration.path],
      ...(page.clip ? [['clip', page.clip.path] as const] : []),
    ] as const;
    for (const [part, path] of parts) {
      if (!listed.has(path)) {
        problems.push({ path: where, kind: 'page', message: `its ${part} ${path} is not a listed asset` });
      }
    }
  });
  if (listed.has(BUNDLE_FILES.story) && !problems.some((problem) => problem.path === BUNDLE_FILES.story)) {
    try {
      const story = storySchema.parse(JSON.parse(await readFile(join(dir, BUNDLE_FILES.story), 'utf8')));
      if (story.pages.length !== manifest.pages.length) {
        problems.push({
          path: BUNDLE_FILES.story,
          kind: 'story',
          message: `${story.pages.length} pages, the manifest has ${manifest.pages.length}`,
        });
      }
    } catch (error) {
      problems.push({
        path: BUNDLE_FILES.story,
        kind: 'story',
        message: `not a valid story: ${(error as Error).message}`,
      });
    }
  }
  problems.sort((a, b) => a.path.localeCompare(b.path));
  return { ok: problems.length === 0, manifest, problems };
}
