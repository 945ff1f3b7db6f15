import { MeshError } from '@kidsstories/mesh-core';
import { AGE_BANDS, type AgeBand } from '../story/age-band.js';
import { isBundleDate } from './bundle-manifest.js';

/**
 * The pipeline's durable events: entries on state-store streams (Redis Streams with consumer groups when state is
 * in Redis), read at least once with `createStreamConsumer` from `@kidsstories/mesh-core`. Each stage's stream:
 * `story.complete` after the refined story and `media.complete` after every picture and narration (what the
 * pipeline's own continuation consumes, `createPipelineContinuation` in `/pipeline`), and `bundle.complete` once
 * the manifest is written (what the cloud sync consumes).
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

/** The run a `story.complete` or `media.complete` event belongs to: the `orchestrate` input, date filled in. */
export interface StageRunInput {
  /** `YYYY-MM-DD`. */
  date: string;
  ageBand: AgeBand;
  pages?: number;
  clips?: number;
  /** Generation parameters as the caller gave them. */
  parameters?: Record<string, unknown>;
}

/** Fields of a `story.complete` or `media.complete` entry. */
export interface StageCompleteEvent {
  type: 'story.complete' | 'media.complete';
  /** `YYYY-MM-DD`. */
  date: string;
  ageBand: AgeBand;
  /** Id of the run that appended it. */
  runId: string;
  storyId: string;
  /**
   * What the run was asked to make, so that a consumer can continue it through `orchestrate`'s resumable path
   * (carried as JSON in the `input` field).
   */
  input: StageRunInput;
}

/** The stream fields of a `story.complete` or `media.complete` event (`input` as JSON). */
export function stageCompleteFields(event: StageCompleteEvent): Record<string, string> {
  const { input, ...rest } = event;
  return { ...rest, input: JSON.stringify(input) };
}

/**
 * Reads a `story.complete` or `media.complete` entry's fields back.
 *
 * @throws MeshError `invalid_argument` naming the first missing or malformed field (`input` must be a JSON object
 *   whose `date` and `ageBand` are the event's).
 */
export function parseStageCompleteEvent(fields: Record<string, string>): StageCompleteEvent {
  const bad = (field: string, why = 'bad or missing'): never => {
    throw new MeshError(`${fields.type ?? 'stage'} event: ${why} field "${field}"`, 'invalid_argument', {
      details: { field },
    });
  };
  const { type, date, ageBand, runId, storyId } = fields;
  if (type !== 'story.complete' && type !== 'media.complete') bad('type');
  if (date === undefined || !isBundleDate(date)) bad('date');
  if (!(AGE_BANDS as readonly string[]).includes(ageBand ?? '')) bad('ageBand');
  if (!runId) bad('runId');
  if (!storyId) bad('storyId');
  let input: unknown;
  try {
    input = JSON.parse(fields.input ?? '');
  } catch {
    bad('input', 'unparseable JSON in');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) bad('input');
  const run = input as Record<string, unknown>;
  if (run.date !== date || run.ageBand !== ageBand) bad('input', "date or ageBand not the event's in");
  return {
    type: type as StageCompleteEvent['type'],
    date: date as string,
    ageBand: ageBand as AgeBand,
    runId: runId as string,
    storyId: storyId as string,
    input: run as unknown as StageRunInput,
  };
}
