import type { StateStore } from '@kidsstories/mesh-core';
import type { BundleStep, BundleStepName } from '../bundle/bundle-manifest.js';

/** A finished step as recorded (the manifest's step entry without `resumed`). */
export type StepRecord = Omit<BundleStep, 'resumed'>;

/** A media file a step wrote into the bundle, with what the manifest says of it. */
export interface AssetRecord {
  sha256: string;
  bytes: number;
  width?: number;
  height?: number;
  durationSec?: number;
  /** Where the picture's first named object is (fractions), for the clip's camera. */
  focus?: { x: number; y: number };
  /** The illustration set's attribution line, when the picture uses third-party art. */
  attribution?: string;
  model: string;
  costUsd: number;
  /** The quality tier the file was made at (an image tier such as `hd`, or a video model's tier). */
  tier?: string;
}

/**
 * The state-store record of one date and age band's run: every finished step with its outputs and their hashes,
 * kept under `kidsstories:pipeline:run:{date}:{ageBand}` so that the next run after a crash, a lost lock or a failed
 * step continues from the last finished step and never regenerates a finished asset.
 */
export interface RunRecord {
  /** The recorded value of `field` (JSON), or undefined. */
  get<T>(field: string): T | undefined;
  /** Records `value` under `field`, in memory and in the state store. */
  set(field: string, value: unknown): Promise<void>;
  step(name: BundleStepName): StepRecord | undefined;
  setStep(record: StepRecord): Promise<void>;
  asset(path: string): AssetRecord | undefined;
  setAsset(path: string, record: AssetRecord): Promise<void>;
}

/** The state-store key of a run record. */
export function runRecordKey(date: string, ageBand: string): string {
  return `kidsstories:pipeline:run:${date}:${ageBand}`;
}

/** Loads the record of `date` and `ageBand` (empty when there is none). */
export async function loadRunRecord(
  state: StateStore,
  date: string,
  ageBand: string,
  ttlMs: number,
): Promise<RunRecord> {
  const key = runRecordKey(date, ageBand);
  const fields = new Map(Object.entries((await state.hashGetAll(key)) ?? {}));
  const get = <T>(field: string): T | undefined => {
    const text = fields.get(field);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  };
  const set = async (field: string, value: unknown) => {
    const text = JSON.stringify(value);
    fields.set(field, text);
    await state.hashSet(key, { [field]: text }, { ttlMs });
  };
  return {
    get,
    set,
    step: (name) => get<StepRecord>(`step:${name}`),
    setStep: (record) => set(`step:${record.step}`, record),
    asset: (path) => get<AssetRecord>(`asset:${path}`),
    setAsset: (path, record) => set(`asset:${path}`, record),
  };
}
