import { MeshError } from '@kidsstories/mesh-core';

/**
 * The pipeline's failure streams (state-store streams, Redis Streams when state is in Redis), for operators and
 * alerting (docs/guides/operations.md, "Failure matrix"):
 *
 * - `jobDeadLetter`: a step's job that failed for good (its retries spent, or a failure no retry helps): fields
 *   `type` (`job.dead`), `queue`, `jobId`, `tool`, `date`, `ageBand`, `runId`, `code`, `error`, `attempts`, `at`.
 *   The run fails with the same code; the next `orchestrate` call for the date and age band resumes from the last
 *   finished step.
 * - `alerts`: the bundle could not be written after its retries: fields `type` (`bundle.write_failed`), `date`,
 *   `ageBand`, `runId`, `dir`, `file`, `error`, `attempts`, `at`. Needs a person (disk full, permissions); the
 *   next call resumes and writes the bundle.
 */
export const PIPELINE_FAILURE_STREAMS = {
  jobDeadLetter: 'kidsstories:pipeline:jobs:dead-letter',
  alerts: 'kidsstories:pipeline:alerts',
} as const;

/** Image quality tiers of `generate_image`, highest first. */
export const IMAGE_QUALITY_TIERS = ['hd', 'standard'] as const;
/** An image quality tier. */
export type ImageQualityTier = (typeof IMAGE_QUALITY_TIERS)[number];

/** The tiers a picture is tried at, from the one asked for down to the lowest. */
export function imageTiersFrom(asked: ImageQualityTier): ImageQualityTier[] {
  return IMAGE_QUALITY_TIERS.slice(IMAGE_QUALITY_TIERS.indexOf(asked));
}

/**
 * True for a failure a lower tier or another model may avoid: the server or its provider is down, too slow or
 * rate limited (a 429, not a budget refusal of the cost ledger, which names a `scope`).
 */
export function isProviderOutage(error: unknown): boolean {
  if (!MeshError.isInstance(error)) return false;
  if (error.code === 'resource_exhausted') return isProviderRateLimit(error);
  return error.code === 'unavailable' || error.code === 'deadline_exceeded';
}

/** True for a provider's 429 (a model or deployment rate limit), not a budget refusal or a full bulkhead. */
export function isProviderRateLimit(error: unknown): boolean {
  return (
    MeshError.isInstance(error) &&
    error.code === 'resource_exhausted' &&
    error.details.scope === undefined &&
    error.details.bulkhead === undefined
  );
}
