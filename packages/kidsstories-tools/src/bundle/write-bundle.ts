import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MeshError } from '@kidsstories/mesh-core';
import {
  BUNDLE_CONTENT_TYPES,
  BUNDLE_FILES,
  type BundleAsset,
  bundlePathSchema,
  type StoryManifest,
  storyManifestSchema,
} from './bundle-manifest.js';

/** Facts about a media file recorded with its asset entry. */
export interface AssetFacts {
  width?: number;
  height?: number;
  durationSec?: number;
}

/** Writes the files of one bundle; see {@link createBundleWriter}. */
export interface BundleWriter {
  /** The bundle folder. */
  readonly dir: string;
  /** Writes one file atomically and returns its manifest entry (SHA-256, size, content type, facts). */
  writeAsset(path: string, data: Uint8Array, facts?: AssetFacts): Promise<BundleAsset>;
  /** Writes a JSON file (pretty-printed, newline-terminated) atomically and returns its manifest entry. */
  writeJson(path: string, value: unknown): Promise<BundleAsset>;
  /** Validates and writes `story-manifest.json` atomically; call it last, once every asset is written. */
  writeManifest(manifest: StoryManifest): Promise<void>;
}

/**
 * Writes `data` to `file` so that readers only ever see the old file or the whole new one: a temporary file in the
 * same folder, flushed to disk, then renamed over the target.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The content type of a bundle file from its extension. */
export function contentTypeOf(path: string): string {
  const extension = path.slice(path.lastIndexOf('.') + 1) as keyof typeof BUNDLE_CONTENT_TYPES;
  const type = BUNDLE_CONTENT_TYPES[extension];
  if (!type) {
    throw new MeshError(
      `no content type for ${path}: bundles hold .json, .png, .mp3 and .mp4 files`,
      'invalid_argument',
      {
        details: { path },
      },
    );
  }
  return type;
}

/** The manifest entry of `data` stored at `path`. */
export function bundleAssetOf(path: string, data: Uint8Array, facts: AssetFacts = {}): BundleAsset {
  return {
    path,
    sha256: createHash('sha256').update(data).digest('hex'),
    bytes: data.byteLength,
    contentType: contentTypeOf(path),
    ...facts,
  };
}

/** Options for {@link createBundleWriter}. */
export interface BundleWriterOptions {
  /**
   * Writes one file whole (the writer's file-system seam: wrap it to write elsewhere or to inject failures).
   * Default {@link writeFileAtomic}.
   */
  writeFile?: (file: string, data: Uint8Array | string) => Promise<void>;
}

/**
 * A writer for the bundle in `dir`. Every file is written atomically (temporary name, then rename), and the
 * manifest is validated against the version-1 schema before it is written, so a bundle folder holds either no
 * manifest or one whose every file is complete.
 *
 * @example
 * ```ts
 * const writer = createBundleWriter(bundleDir('out', '2026-12-06', '6-8'));
 * const picture = await writer.writeAsset('pages/01.png', png, { width: 1024, height: 1024 });
 * await writer.writeManifest({ ...manifest, assets: [picture, ...] });
 * ```
 */
export function createBundleWriter(dir: string, options: BundleWriterOptions = {}): BundleWriter {
  const writeFile = options.writeFile ?? writeFileAtomic;
  const target = (path: string) => {
    const checked = bundlePathSchema.safeParse(path);
    if (!checked.success) {
      throw new MeshError(
        `bad bundle path "${path}": ${checked.error.issues[0]?.message}`,
        'invalid_argument',
        {
          details: { path },
        },
      );
    }
    return join(dir, path);
  };
  return {
    dir,
    async writeAsset(path, data, facts) {
      const asset = bundleAssetOf(path, data, facts);
      await writeFile(target(path), data);
      return asset;
    },
    async writeJson(path, value) {
      const data = new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
      const asset = bundleAssetOf(path, data);
      await writeFile(target(path), data);
      return asset;
    },
    async writeManifest(manifest) {
      const parsed = storyManifestSchema.safeParse(manifest);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new MeshError(
          `refusing to write an invalid manifest: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
          'internal',
          { details: { field: issue?.path.join('.') ?? '' } },
        );
      }
      await writeFile(join(dir, BUNDLE_FILES.manifest), `${JSON.stringify(parsed.data, null, 2)}\n`);
    },
  };
}
