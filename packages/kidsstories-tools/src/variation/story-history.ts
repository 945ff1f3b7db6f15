import type { StateStore } from '@kidsstories/mesh-core';
import { angularSimilarity, cosineSimilarity } from './cosine-similarity.js';

/** One story remembered by the variation engine. */
export interface StoryHistoryEntry {
  storyId: string;
  title: string;
  ageBand: string;
  /** When it was recorded, in epoch milliseconds. */
  createdAt: number;
  /** SHA-256 of the normalised story text (empty when `history_hash` is `none`). */
  contentHash: string;
  /** The story's embedding. */
  embedding: number[];
}

/** The closest remembered story to a candidate. */
export interface SimilarStory {
  entry: StoryHistoryEntry;
  /** Similarity under the chosen measure (1 is identical). */
  similarity: number;
  /** True when the content hashes are equal. */
  exactRepeat: boolean;
}

/** Options for {@link StoryHistory.findSimilar}. */
export interface FindSimilarOptions {
  /** History partition: an age band, or `all` for every band. */
  scope: string;
  /** Only stories recorded within this many milliseconds before now. */
  windowMs: number;
  /** Similarity at or above which a story counts as a repeat. */
  threshold: number;
  /** Similarity measure. Default `cosine`. */
  measure?: 'cosine' | 'angular';
  /** Content hash of the candidate; an equal hash is a repeat whatever the similarity. */
  contentHash?: string;
}

/** Options for {@link createStoryHistory}. */
export interface StoryHistoryOptions {
  /** Where the history lives. */
  state: StateStore;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Prefix of every key. Default `kidsstories:story-history`. */
  keyPrefix?: string;
  /** How long entries are kept, in milliseconds. Default 366 days (longer than the largest window). */
  retentionMs?: number;
}

/** The story history of the variation engine, kept in the state store. */
export interface StoryHistory {
  /** Remembers a story under its age band and under `all`. */
  record(entry: StoryHistoryEntry): Promise<void>;
  /** Stories of a scope recorded within `windowMs`, oldest first (expired entries skipped). */
  recent(scope: string, windowMs: number): Promise<StoryHistoryEntry[]>;
  /** The most similar story in the window when it is at or above the threshold, else `undefined`. */
  findSimilar(embedding: readonly number[], options: FindSimilarOptions): Promise<SimilarStory | undefined>;
}

const DAY_MS = 86_400_000;

function encodeVector(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

function decodeVector(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4)));
}

/**
 * Creates the story history: per scope a sorted set of story ids scored by time
 * (`<prefix>:<scope>`), and per story a hash with its title, content hash and embedding
 * (`<prefix>:entry:<id>`) that expires after `retentionMs`. Old ids are trimmed on every record.
 *
 * @example
 * ```ts
 * const history = createStoryHistory({ state: ctx.state });
 * const repeat = await history.findSimilar(vector, { scope: '6-8', windowMs: 30 * 86_400_000, threshold: 0.85 });
 * ```
 */
export function createStoryHistory(options: StoryHistoryOptions): StoryHistory {
  const { state } = options;
  const now = options.now ?? Date.now;
  const prefix = options.keyPrefix ?? 'kidsstories:story-history';
  const retentionMs = options.retentionMs ?? 366 * DAY_MS;
  const indexKey = (scope: string) => `${prefix}:${scope}`;
  const entryKey = (storyId: string) => `${prefix}:entry:${storyId}`;

  async function recent(scope: string, windowMs: number): Promise<StoryHistoryEntry[]> {
    const members = await state.sortedSetRangeByScore(
      indexKey(scope),
      now() - windowMs,
      Number.MAX_SAFE_INTEGER,
    );
    const entries = await Promise.all(
      members.map(async ({ member }) => {
        const fields = await state.hashGetAll(entryKey(member));
        if (!fields?.embedding) return undefined;
        return {
          storyId: member,
          title: fields.title ?? '',
          ageBand: fields.ageBand ?? '',
          createdAt: Number(fields.createdAt ?? 0),
          contentHash: fields.contentHash ?? '',
          embedding: decodeVector(fields.embedding),
        } satisfies StoryHistoryEntry;
      }),
    );
    return entries.filter((entry): entry is StoryHistoryEntry => entry !== undefined);
  }

  return {
    async record(entry) {
      await state.hashSet(
        entryKey(entry.storyId),
        {
          title: entry.title,
          ageBand: entry.ageBand,
          createdAt: String(entry.createdAt),
          contentHash: entry.contentHash,
          embedding: encodeVector(entry.embedding),
        },
        { ttlMs: retentionMs },
      );
      for (const scope of new Set([entry.ageBand, 'all'])) {
        await state.sortedSetAdd(indexKey(scope), entry.storyId, entry.createdAt);
        await state.sortedSetRemoveByScore(indexKey(scope), 0, now() - retentionMs);
      }
    },
    recent,
    async findSimilar(embedding, findOptions) {
      const measure = findOptions.measure === 'angular' ? angularSimilarity : cosineSimilarity;
      let best: SimilarStory | undefined;
      for (const entry of await recent(findOptions.scope, findOptions.windowMs)) {
        const exactRepeat =
          findOptions.contentHash !== undefined &&
          findOptions.contentHash !== '' &&
          entry.contentHash === findOptions.contentHash;
        const similarity =
          entry.embedding.length === embedding.length ? measure(embedding, entry.embedding) : 0;
        if (!(exactRepeat || similarity >= findOptions.threshold)) continue;
        if (!best || exactRepeat || similarity > best.similarity) best = { entry, similarity, exactRepeat };
        if (exactRepeat) break;
      }
      return best;
    },
  };
}
