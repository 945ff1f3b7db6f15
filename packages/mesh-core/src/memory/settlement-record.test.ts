import { describe, expect, it } from 'vitest';
import { createSettlementRecord } from './settlement-record.js';

const RETENTION_MS = 600_000;

describe('createSettlementRecord', () => {
  it('finds a settlement for at least the retention and forgets it by whole buckets after two', () => {
    const record = createSettlementRecord({ retentionMs: RETENTION_MS });
    // Settled late in its bucket [1 200 000, 1 800 000): found until 2 400 000, then its bucket is dropped.
    record.remember('late', 0.25, 1_799_999);
    // Settled early in the same bucket: kept as long, so almost two retentions.
    record.remember('early', 0.5, 1_200_000);
    expect(record.size).toBe(2);
    expect(record.find('late', 1_799_999 + RETENTION_MS)).toBe(0.25);
    expect(record.find('early', 2_399_999)).toBe(0.5);
    record.prune(2_399_999);
    expect(record.size).toBe(2);
    record.prune(2_400_000);
    expect(record.size).toBe(0);
    expect(record.byteLength).toBe(0);
    expect(record.find('early', 2_400_000)).toBeUndefined();
  });

  it('looks in the current and the previous bucket only, and records into the current one', () => {
    const record = createSettlementRecord({ retentionMs: RETENTION_MS });
    record.remember('r1', 1, 0);
    record.remember('r2', 2, 600_000);
    expect(record.find('r1', 600_000)).toBe(1);
    expect(record.find('r2', 600_000)).toBe(2);
    // Two buckets later r1's bucket is no longer searched, even before a prune drops it.
    expect(record.find('r1', 1_200_000)).toBeUndefined();
    expect(record.find('r2', 1_200_000)).toBe(2);
    expect(record.size).toBe(2);
    record.prune(1_200_000);
    expect(record.size).toBe(1);
  });

  it('keeps ids whose hashes all collide apart, across buckets', () => {
    const record = createSettlementRecord({ retentionMs: RETENTION_MS, hash: () => 0 });
    record.remember('a', 1, 0);
    record.remember('b', 2, 600_000);
    expect(record.find('a', 600_001)).toBe(1);
    expect(record.find('b', 600_001)).toBe(2);
    expect(record.find('c', 600_001)).toBeUndefined();
  });

  it('holds two retentions of settlements at most, whatever the number of settles', () => {
    const record = createSettlementRecord({ retentionMs: 1_000 });
    let largest = 0;
    let foundBeforeSettled = 0;
    // 50 000 settles, one a millisecond: 50 retentions.
    for (let t = 0; t < 50_000; t += 1) {
      record.prune(t);
      if (record.find(`r-${t}`, t) !== undefined) foundBeforeSettled += 1;
      record.remember(`r-${t}`, t, t);
      largest = Math.max(largest, record.size);
    }
    expect(foundBeforeSettled).toBe(0);
    expect(largest).toBe(2_000);
    expect(record.find('r-49000', 49_999)).toBe(49_000);
    expect(record.find('r-47999', 49_999)).toBeUndefined();
    record.clear();
    expect(record.size).toBe(0);
  });

  it('writes into small chunks and finds a settlement in any chunk of the two buckets', () => {
    const record = createSettlementRecord({ retentionMs: RETENTION_MS, chunkEntries: 64 });
    // 1 000 settles in one bucket: 16 chunks of 64 (the first grown from 64, the rest made whole).
    for (let index = 0; index < 1_000; index += 1) record.remember(`a-${index}`, index, 600_000 + index);
    // 100 in the next bucket.
    for (let index = 0; index < 100; index += 1) record.remember(`b-${index}`, -index, 1_200_000 + index);
    expect(record.size).toBe(1_100);
    expect(record.find('a-0', 1_200_500)).toBe(0);
    expect(record.find('a-513', 1_200_500)).toBe(513);
    expect(record.find('a-999', 1_200_500)).toBe(999);
    expect(record.find('b-99', 1_200_500)).toBe(-99);
    expect(record.find('a-1000', 1_200_500)).toBeUndefined();
    // A repeated id in the newest chunk of its bucket is updated, not added twice.
    record.remember('b-99', 7, 1_200_600);
    expect(record.find('b-99', 1_200_600)).toBe(7);
    expect(record.size).toBe(1_100);
    // No chunk grows past 64 ids: 18 chunks (16 + 2), none of them doubled beyond a 64-entry table.
    const oneChunk = createSettlementRecord({ retentionMs: RETENTION_MS, chunkEntries: 64 });
    for (let index = 0; index < 64; index += 1) oneChunk.remember(`c-${index}`, index, 0);
    expect(record.byteLength).toBeLessThanOrEqual(18 * oneChunk.byteLength);
    record.prune(1_800_000);
    expect(record.size).toBe(100);
    record.prune(2_400_000);
    expect(record.size).toBe(0);
  });

  it('refuses a chunk size that is not a whole number from 1 to 2^24', () => {
    expect(() => createSettlementRecord({ retentionMs: RETENTION_MS, chunkEntries: 0 })).toThrow(
      /chunkEntries/,
    );
    expect(() => createSettlementRecord({ retentionMs: RETENTION_MS, chunkEntries: 1.5 })).toThrow(
      /chunkEntries/,
    );
    expect(() => createSettlementRecord({ retentionMs: RETENTION_MS, chunkEntries: 2 ** 24 + 1 })).toThrow(
      /chunkEntries must be at most 16777216/,
    );
  });
});
