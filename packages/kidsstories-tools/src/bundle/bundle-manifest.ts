import { join } from 'node:path';
import * as z from 'zod';
import { AGE_BANDS, type AgeBand } from '../story/age-band.js';

/**
 * The story bundle: the folder `stories/{date}/{ageBand}/` that the daily pipeline writes and the cloud sync and
 * the story site read. Its `story-manifest.json` is written last (to a temporary name, then renamed), so a
 * manifest never names a missing or partial file. See docs/reference/bundle.md.
 */

/** Version of the manifest format; a reader refuses any other. */
export const BUNDLE_SCHEMA_VERSION = 1;

/** File names inside a bundle. */
export const BUNDLE_FILES = {
  manifest: 'story-manifest.json',
  story: 'story.json',
  characterGuide: 'character-guide.json',
} as const;

/** Content types of the files a bundle holds, by extension. */
export const BUNDLE_CONTENT_TYPES = {
  json: 'application/json',
  png: 'image/png',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
} as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True when `value` is a real calendar day written `YYYY-MM-DD` (2026-02-30 is not). */
export function isBundleDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}

/** A calendar day `YYYY-MM-DD` that exists. */
export const bundleDateSchema = z
  .string()
  .regex(ISO_DATE, { error: 'must be a calendar date written YYYY-MM-DD' })
  .refine(isBundleDate, { error: 'must be a calendar date written YYYY-MM-DD' })
  .describe('Calendar day of the story, YYYY-MM-DD (UTC).');

const sha256Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'must be 64 lowercase hex digits' })
  .describe('SHA-256 of the file, hex.');

/** A path relative to the bundle folder, with `/` separators and no `..`, `.` or empty segment. */
export const bundlePathSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, {
    error: 'must be a relative path inside the bundle (segments of [A-Za-z0-9._-], no leading dot)',
  })
  .refine((path) => !path.split('/').includes('..'), { error: 'must not leave the bundle' })
  .describe('Path relative to the bundle folder.');

const positiveInt = z.number().int().positive();
const seconds = z.number().finite().nonnegative();
const usd = z.number().finite().nonnegative();

/** One file of a bundle, with what a reader needs to check and serve it. */
export const bundleAssetSchema = z.strictObject({
  path: bundlePathSchema,
  sha256: sha256Schema,
  bytes: z.number().int().nonnegative().describe('Size in bytes.'),
  contentType: z.string().min(1).describe('MIME type, e.g. image/png.'),
  width: positiveInt.optional().describe('Pixels, for pictures and clips.'),
  height: positiveInt.optional().describe('Pixels, for pictures and clips.'),
  durationSec: seconds.optional().describe('Seconds, for narration and clips.'),
});

/** One page of the story as the reader shows it. */
export const bundlePageSchema = z.strictObject({
  number: positiveInt.describe('1-based page number.'),
  text: z.string().min(1),
  sceneDescription: z.string().min(1).describe('What the picture shows; the alt text of the picture.'),
  charactersPresent: z.array(z.string()),
  picture: z.strictObject({
    path: bundlePathSchema,
    width: positiveInt,
    height: positiveInt,
    alt: z.string().min(1),
  }),
  narration: z.strictObject({ path: bundlePathSchema, durationSec: seconds }),
  clip: z.strictObject({ path: bundlePathSchema, durationSec: seconds }).optional(),
});

/** The names of the pipeline's steps, in order. */
export const BUNDLE_STEPS = [
  'story',
  'refine',
  'character_guide',
  'pictures',
  'narration',
  'clips',
  'bundle',
] as const;

/** One step of the run that made the bundle: tools, models and tiers used, cost and time. */
export const bundleStepSchema = z.strictObject({
  step: z.enum(BUNDLE_STEPS),
  tools: z.array(z.string()).describe('MCP tools the step called.'),
  calls: z.number().int().nonnegative().describe('Tool calls made, retries excluded.'),
  models: z.array(z.string()).describe('Models the step used, each once.'),
  tiers: z.array(z.string()).describe('Quality tiers used (image quality, video tier), each once.'),
  costUsd: usd.describe('Settled cost of the step on the cost ledger, in USD.'),
  startedAt: z.iso.datetime().describe('When the step started (ISO 8601, UTC).'),
  durationMs: z.number().finite().nonnegative(),
  resumed: z
    .boolean()
    .describe('True when a previous run had finished this step and its outputs were reused.'),
});

/** Licence and attribution of third-party material in the bundle (clip art, fonts, voices). */
export const bundleCreditSchema = z.strictObject({
  work: z.string().min(1),
  author: z.string().min(1),
  licence: z.string().min(1).describe('SPDX identifier where there is one.'),
  url: z.string().optional(),
});

/** `story-manifest.json`, version 1. */
export const storyManifestSchema = z.strictObject({
  schemaVersion: z.literal(BUNDLE_SCHEMA_VERSION),
  date: bundleDateSchema,
  ageBand: z.enum(AGE_BANDS),
  title: z.string().min(1),
  moral: z.string().min(1),
  readability: z.strictObject({
    targetGrade: z.number().finite().describe('Flesch-Kincaid grade the refiner aimed at.'),
    measuredGrade: z.number().finite().describe('Flesch-Kincaid grade of the final text.'),
  }),
  pages: z.array(bundlePageSchema).min(1),
  assets: z.array(bundleAssetSchema).min(1).describe('Every file of the bundle but the manifest.'),
  steps: z.array(bundleStepSchema),
  costUsd: usd.describe('Total settled cost of the run, in USD.'),
  durationMs: z.number().finite().nonnegative().describe('Wall time of the run that finished the bundle.'),
  runId: z.string().min(1),
  generator: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  createdAt: z.iso.datetime(),
  credits: z.array(bundleCreditSchema),
});

/** A bundle asset. */
export type BundleAsset = z.output<typeof bundleAssetSchema>;
/** A page of a bundle. */
export type BundlePage = z.output<typeof bundlePageSchema>;
/** A step of the run that made a bundle. */
export type BundleStep = z.output<typeof bundleStepSchema>;
/** The name of a step. */
export type BundleStepName = (typeof BUNDLE_STEPS)[number];
/** A credit line. */
export type BundleCredit = z.output<typeof bundleCreditSchema>;
/** `story-manifest.json`. */
export type StoryManifest = z.output<typeof storyManifestSchema>;

/** The manifest format as JSON Schema (draft 2020-12), as committed in docs/reference/story-manifest.schema.json. */
export function storyManifestJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(storyManifestSchema, {
    target: 'draft-2020-12',
    io: 'output',
  }) as Record<string, unknown>;
  return {
    $schema,
    $id: 'https://kidsstories.dev/schemas/story-manifest.v1.json',
    title: 'KidsStories story manifest, version 1',
    ...schema,
  };
}

/** The folder of one bundle under `root`: `root/stories/{date}/{ageBand}`. */
export function bundleDir(root: string, date: string, ageBand: AgeBand): string {
  return join(root, 'stories', date, ageBand);
}

/** Two-digit page stem (`01`…`24`). */
const stem = (page: number) => String(page).padStart(2, '0');

/** Paths of a page's files inside a bundle: `pages/NN.png`, `pages/NN.mp3`, `clips/NN.mp4`. */
export function pageAssetPaths(page: number): { picture: string; narration: string; clip: string } {
  return {
    picture: `pages/${stem(page)}.png`,
    narration: `pages/${stem(page)}.mp3`,
    clip: `clips/${stem(page)}.mp4`,
  };
}

/** {@link storyManifestJsonSchema} as the committed file's text (2-space JSON, newline-terminated). */
export function renderManifestJsonSchema(): string {
  return `${JSON.stringify(storyManifestJsonSchema(), null, 2)}\n`;
}
