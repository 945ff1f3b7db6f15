import { MeshError } from '@kidsstories/mesh-core';
import { AGE_BANDS, type AgeBand } from '../story/age-band.js';
import { isBundleDate } from './bundle-manifest.js';

/**
 * The pipeline's durable events: entries on state-store streams (Redis Streams with consumer groups when state is
 * in Redis), read at least once with `createStreamConsumer` from `@kidsstories/mesh-core`. Each stage's stream:
 * `story.complete` after the refined story, `media.complete` after every picture and narration, and
 * `bundle.complete` once the manifest is written (what the cloud sync consumes).
 */
export const PIPELINE_STREAMS = {
  storyComplete: 'kidsstories:pipeline:story.complete',
  mediaComplete: 'kidsstories:pipeline:media.complete',
  bundleComplete: 'kidsstories:pipeline:bundle.complete',
} as const;

/** Fields of a `bundle.complete` entry (every field a string, as streams carry them). */
export interface BundleCompleteEvent {
  /** `YYYY-MM-DD`. */
  date: string;
  ageBand: AgeBand;
  /** Absolute path of the bundle folder on the machine that wrote it. */
  bundleDir: string;
  /** Id of the run that wrote it. */
  runId: string;
  /** SHA-256 (hex) of `story-manifest.json` as written. */
  manifestSha256: string;
}

/** The stream fields of a `bundle.complete` event. */
export function bundleCompleteFields(event: BundleCompleteEvent): Record<string, string> {
  return { type: 'bundle.complete', ...event };
}

/**
 * Reads a `bundle.complete` entry's fields back.
 *
 * @throws MeshError `invalid_argument` naming the first missing or malformed field.
 */
export function parseBundleCompleteEvent(fields: Record<string, string>): BundleCompleteEvent {
  const bad = (field: string): never => {
    throw new MeshError(`bundle.complete event: bad or missing field "${field}"`, 'invalid_argument', {
      details: { field },
    });
  };
  const { date, ageBand, bundleDir, runId, manifestSha256 } = fields;
  if (date === undefined || !isBundleDate(date)) bad('date');
  if (!(AGE_BANDS as readonly string[]).includes(ageBand ?? '')) bad('ageBand');
  if (!bundleDir) bad('bundleDir');
  if (!runId) bad('runId');
  if (!/^[0-9a-f]{64}$/.test(manifestSha256 ?? '')) bad('manifestSha256');
  return {
    date: date as string,
    ageBand: ageBand as AgeBand,
    bundleDir: bundleDir as string,
    runId: runId as string,
    manifestSha256: manifestSha256 as string,
  };
}
