import { MeshError, type PriceTable } from '@kidsstories/mesh-core';
import * as z from 'zod';

/**
 * The catalogue of Runware image-to-video models `select_model` chooses from. Prices, durations and rate limits
 * are list values at the time of writing: check them against Runware's model pages and pass your own catalogue
 * to `createVideoTools({ catalogue })` when they change.
 */

/** Quality tiers, lowest first. The names match the ledger's tier advice. */
export const QUALITY_TIERS = ['economy', 'standard', 'premium'] as const;

/** A quality tier. */
export type QualityTier = (typeof QUALITY_TIERS)[number];

/** Rank of a tier (economy 0, standard 1, premium 2). */
export function tierRank(tier: QualityTier): number {
  return QUALITY_TIERS.indexOf(tier);
}

/** Schema of a catalogue entry. */
export const videoModelSchema = z.object({
  /** Runware AIR identifier, sent as the task's `model`. */
  id: z.string().min(1),
  /** Human-readable name. */
  name: z.string().min(1),
  /** Model family (`vidu`, `kling`, `pixverse`…). */
  family: z.string().min(1),
  quality: z.enum(QUALITY_TIERS),
  /** Price per generated second, in USD. */
  costPerSecondUsd: z.number().positive(),
  /** Durations the model renders, in seconds, ascending; a request is billed at the first one that covers it. */
  durationsSec: z.array(z.number().positive()).min(1),
  /** Requests per minute the account may send to this model. */
  rateLimitPerMinute: z.number().int().positive(),
  /** Typical time to a finished clip, in seconds. */
  typicalLatencySec: z.number().positive(),
});

/** A video model of the catalogue. */
export type VideoModel = z.infer<typeof videoModelSchema>;

/**
 * The eight default models: two economy, three standard and three premium, across the Vidu, Kling and PixVerse
 * families.
 */
export const DEFAULT_VIDEO_MODELS: readonly VideoModel[] = [
  {
    id: 'pixverse:1@2',
    name: 'PixVerse v4.5 Turbo',
    family: 'pixverse',
    quality: 'economy',
    costPerSecondUsd: 0.02,
    durationsSec: [5, 8],
    rateLimitPerMinute: 30,
    typicalLatencySec: 35,
  },
  {
    id: 'vidu:1@5',
    name: 'Vidu 1.5',
    family: 'vidu',
    quality: 'economy',
    costPerSecondUsd: 0.025,
    durationsSec: [4, 8],
    rateLimitPerMinute: 30,
    typicalLatencySec: 40,
  },
  {
    id: 'pixverse:1@3',
    name: 'PixVerse v5',
    family: 'pixverse',
    quality: 'standard',
    costPerSecondUsd: 0.04,
    durationsSec: [5, 8],
    rateLimitPerMinute: 20,
    typicalLatencySec: 50,
  },
  {
    id: 'vidu:2@0',
    name: 'Vidu 2.0',
    family: 'vidu',
    quality: 'standard',
    costPerSecondUsd: 0.05,
    durationsSec: [4, 8],
    rateLimitPerMinute: 20,
    typicalLatencySec: 45,
  },
  {
    id: 'klingai:4@3',
    name: 'Kling 1.6 Standard',
    family: 'kling',
    quality: 'standard',
    costPerSecondUsd: 0.056,
    durationsSec: [5, 10],
    rateLimitPerMinute: 15,
    typicalLatencySec: 90,
  },
  {
    id: 'vidu:3@1',
    name: 'Vidu Q1',
    family: 'vidu',
    quality: 'premium',
    costPerSecondUsd: 0.08,
    durationsSec: [5],
    rateLimitPerMinute: 10,
    typicalLatencySec: 60,
  },
  {
    id: 'klingai:5@3',
    name: 'Kling 1.6 Pro',
    family: 'kling',
    quality: 'premium',
    costPerSecondUsd: 0.098,
    durationsSec: [5, 10],
    rateLimitPerMinute: 10,
    typicalLatencySec: 120,
  },
  {
    id: 'klingai:6@1',
    name: 'Kling 2.1 Master',
    family: 'kling',
    quality: 'premium',
    costPerSecondUsd: 0.28,
    durationsSec: [5, 10],
    rateLimitPerMinute: 5,
    typicalLatencySec: 180,
  },
];

/**
 * Validates a catalogue: entries must match {@link videoModelSchema}, ids must be unique and durations ascending.
 *
 * @throws MeshError `invalid_argument` naming the first bad entry.
 */
export function validateCatalogue(models: readonly VideoModel[]): readonly VideoModel[] {
  if (models.length === 0) throw new MeshError('the video model catalogue is empty', 'invalid_argument');
  const ids = new Set<string>();
  models.forEach((model, index) => {
    const parsed = videoModelSchema.safeParse(model);
    if (!parsed.success) {
      throw new MeshError(
        `catalogue entry ${index} is invalid: ${parsed.error.issues[0]?.message}`,
        'invalid_argument',
        {
          details: { field: `catalogue.${index}.${parsed.error.issues[0]?.path.join('.')}` },
        },
      );
    }
    if (ids.has(model.id)) {
      throw new MeshError(`catalogue id ${model.id} appears twice`, 'invalid_argument', {
        details: { field: `catalogue.${index}.id` },
      });
    }
    ids.add(model.id);
    if (
      model.durationsSec.some((duration, at) => at > 0 && duration <= (model.durationsSec[at - 1] as number))
    ) {
      throw new MeshError(`catalogue entry ${model.id} has durations out of order`, 'invalid_argument', {
        details: { field: `catalogue.${index}.durationsSec` },
      });
    }
  });
  return models;
}

/** The duration a model bills for a clip of `durationSec`: its first duration that covers it, if any. */
export function billedDurationSec(model: VideoModel, durationSec: number): number | undefined {
  return model.durationsSec.find((duration) => duration >= durationSec);
}

/** The longest clip a model renders, in seconds. */
export function maxDurationSec(model: VideoModel): number {
  return model.durationsSec[model.durationsSec.length - 1] as number;
}

/** The catalogue as a ledger price table (`perSecondUsd` per model id), to merge into the ledger's prices. */
export function cataloguePriceTable(models: readonly VideoModel[]): PriceTable {
  return Object.fromEntries(models.map((model) => [model.id, { perSecondUsd: model.costPerSecondUsd }]));
}
