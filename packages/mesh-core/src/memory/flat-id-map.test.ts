import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectMeshError } from '../testing/index.js';
import { createFlatIdMap, createIdHasher } from './flat-id-map.js';

describe('createFlatIdMap', () => {
  it('maps ids to values exactly and says undefined for ids it does not hold', () => {
    const map = createFlatIdMap();
    const id = randomUUID();
    expect(map.get(id)).toBeUndefined();
    map.set(id, 0.0042);
    expect(map.get(id)).toBe(0.0042);
    // The same characters in another string object.
    expect(map.get(`${id.slice(0, 10)}${id.slice(10)}`)).toBe(0.0042);
    expect(map.get(id.toUpperCase())).toBeUndefined();
    expect(map.get(id.slice(0, 35))).toBeUndefined();
    expect(map.get(`${id}0`)).toBeUndefined();
    expect(map.size).toBe(1);
    map.set(id, 0.5);
    expect(map.get(id)).toBe(0.5);
    expect(map.size).toBe(1);
  });

  it('never takes one id for another when every hash collides', () => {
    // Every id lands on the same hash and so the same first slot: only the exact comparison tells them apart.
    const map = createFlatIdMap({ hash: () => 7, initialCapacity: 4 });
    const ids = ['a', 'b', 'ab', 'ba', 'aa', 'a\u0000', '\u0000a', 'A', 'é', '\u0100', 'r-1', 'r-10', 'r-01'];
    ids.forEach((id, index) => {
      map.set(id, index);
    });
    expect(map.size).toBe(ids.length);
    ids.forEach((id, index) => {
      expect(map.get(id)).toBe(index);
    });
    for (const stranger of ['c', 'abc', 'r-100', 'r-', '\u0000', 'e\u0301', 'a\u0100'])
      expect(map.get(stranger)).toBeUndefined();
  });

  it('tells apart ids whose real hashes are equal', () => {
    // Two different ids with the same 32-bit hash under seed 1, found by a search over `r-0`, `r-1`, … (the
    // first pair among 1.3 million counter ids).
    const hash = createIdHasher(1);
    const [first, second] = ['r-1122789', 'r-1339192'];
    expect(hash(first)).toBe(hash(second));
    const map = createFlatIdMap({ hash });
    map.set(first, 1);
    expect(map.get(second)).toBeUndefined();
    map.set(second, 2);
    expect([map.get(first), map.get(second), map.size]).toEqual([1, 2, 2]);
  });

  it('grows by doubling and keeps every entry', () => {
    const map = createFlatIdMap({ initialCapacity: 1 });
    const start = map.byteLength;
    const ids = Array.from({ length: 5_000 }, () => randomUUID());
    ids.forEach((id, index) => {
      map.set(id, index / 7);
    });
    expect(map.size).toBe(5_000);
    ids.forEach((id, index) => {
      expect(map.get(id)).toBe(index / 7);
    });
    expect(map.get(randomUUID())).toBeUndefined();
    // 8 192 entries (5 000 rounded up to a power of two): two slots of 8 bytes (hash and entry), offset and
    // length 8, value 8, and the arena, doubled from 36 bytes to the next power of two of 5 000 x 36.
    expect(map.byteLength).toBe(8_192 * (16 + 8 + 8) + 262_144);
    expect(map.byteLength).toBeGreaterThan(start);
  });

  it('stores ids of any length and any UTF-16 code units, lone surrogates included', () => {
    const map = createFlatIdMap({ initialCapacity: 2 });
    const ids = [
      'x',
      'x'.repeat(10_000),
      'ÿ'.repeat(3),
      'Ā',
      '故事',
      '📚',
      '\ud83d',
      '\udcda',
      '\udcda\ud83d',
      '\ud83d\udcdb',
      '\u0000',
      '\u0000\u0000',
      `${'a'.repeat(100)}\u0101`,
    ];
    ids.forEach((id, index) => {
      map.set(id, index);
    });
    ids.forEach((id, index) => {
      expect(map.get(id)).toBe(index);
    });
    // What a lossy UTF-8 encoding would make of a lone surrogate ('\ufffd') is another id.
    expect(map.get('\ufffd')).toBeUndefined();
    // Wide and narrow forms of close ids stay apart.
    expect(map.get('ÿÿ')).toBeUndefined();
    expect(map.get('\u00ff\u00ff\u00ff\u0000')).toBeUndefined();
    expect(map.get('📜')).toBeUndefined();
    expect(map.get('\ud83d\udcdb')).toBe(9);
  });

  it('rejects a bad initial capacity with an error naming it', async () => {
    for (const initialCapacity of [0, -1, 1.5, Number.NaN, 2 ** 25]) {
      const error = await expectMeshError(
        (async () => createFlatIdMap({ initialCapacity }))(),
        'invalid_argument',
      );
      expect(error.message).toMatch(/initialCapacity/);
    }
  });
});

describe('createIdHasher', () => {
  it('gives an unsigned 32-bit hash that depends on the seed and on every code unit', () => {
    const hash = createIdHasher(42);
    const again = createIdHasher(42);
    const other = createIdHasher(43);
    const id = randomUUID();
    expect(hash(id)).toBe(again(id));
    expect(hash(id)).toBeGreaterThanOrEqual(0);
    expect(hash(id)).toBeLessThan(2 ** 32);
    expect(Number.isInteger(hash(id))).toBe(true);
    expect(other(id)).not.toBe(hash(id));
    expect(hash('r-1')).not.toBe(hash('r-2'));
    expect(hash('ab')).not.toBe(hash('ba'));
    // Consecutive counter ids spread over the low bits that pick a slot.
    const lowBits = new Set(Array.from({ length: 1_024 }, (_, index) => hash(`r-${index}`) & 1_023));
    expect(lowBits.size).toBeGreaterThan(550);
  });
});
