import { randomInt } from 'node:crypto';
import { MeshError } from '../errors/mesh-error.js';

/**
 * An exact map from id strings to numbers whose entries live in typed arrays, not in JavaScript objects (issue
 * 20). V8's collector marks every string a `Map` holds on each major collection, so a `Map` of 200 000 ids made
 * every call of the in-memory cost ledger dearer as its settlement record grew; the bytes of a typed array are
 * never marked, so this map costs the collector the same at any size.
 *
 * Open addressing with linear probing over a `Uint32Array` of slots, each an id's hash beside its entry's
 * number, at most half of them used and doubled when they would be fuller: a probe reads the slots alone and
 * touches an entry only when the hashes are equal. Each entry keeps where its id's characters start in a byte
 * arena, its id's length and its value, in typed arrays that double when full. An id is stored exactly: one
 * byte a UTF-16 code unit when every unit is below 256 (UUIDs, counters, any Latin-1 text), two bytes a unit
 * otherwise, lone surrogates included. A lookup compares the stored code units with the id's, so two ids with
 * the same hash are never taken for one another. Entries are never removed one by one: the caller drops a
 * whole map (the ledger keeps one per retention bucket).
 *
 * No npm package found does this in pure JavaScript (the typed-array maps found take numeric keys), so it is
 * written here, kept small.
 */
export interface FlatIdMap {
  /** Ids held. */
  readonly size: number;
  /** Bytes of the typed arrays the map holds now (grows by doubling, so up to twice what its entries use). */
  readonly byteLength: number;
  /** The value of `id`, or `undefined` when it is not held. */
  get(id: string): number | undefined;
  /**
   * Sets the value of `id`, adding it if it is not held. Throws a `resource_exhausted` `MeshError` when the
   * map's arena would pass 4 GiB of id characters, before changing anything.
   */
  set(id: string, value: number): void;
}

/** Options for {@link createFlatIdMap}. */
export interface FlatIdMapOptions {
  /**
   * Hash of an id, as an unsigned 32-bit integer. Several maps may share one (the ledger hashes an id once for
   * its two buckets). Default {@link createIdHasher} with a random seed.
   */
  hash?: (id: string) => number;
  /** Entries the map takes before it first grows. Default 64. */
  initialCapacity?: number;
}

/** Entries of a new map before it first grows. */
const DEFAULT_INITIAL_CAPACITY = 64;
/** Top bit of an entry's length word: its code units are stored on two bytes each. */
const WIDE = 0x8000_0000;
/** The arena's offsets are 32-bit. */
const MAX_ARENA_BYTES = 0xffff_ffff;

/**
 * A seeded 32-bit hash of a string's UTF-16 code units (FNV-1a, then MurmurHash3's finaliser so the low bits,
 * which pick the slot, depend on every unit). The seed makes ids that collide in one process unlikely to collide
 * in another. The last id hashed is remembered, so a map probed twice for the same id hashes it once.
 *
 * @example
 * ```ts
 * const hash = createIdHasher(42);
 * hash('r-1') === hash('r-1'); // true
 * ```
 */
export function createIdHasher(seed: number = randomInt(0x1_0000_0000)): (id: string) => number {
  let lastId: string | undefined;
  let lastHash = 0;
  return (id) => {
    if (id === lastId) return lastHash;
    let hash = (seed ^ 0x811c_9dc5) >>> 0;
    for (let index = 0; index < id.length; index += 1) {
      hash = Math.imul(hash ^ id.charCodeAt(index), 0x0100_0193);
    }
    hash ^= hash >>> 16;
    hash = Math.imul(hash, 0x85eb_ca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2_ae35);
    hash ^= hash >>> 16;
    lastId = id;
    lastHash = hash >>> 0;
    return lastHash;
  };
}

/** Smallest power of two at least `value`. */
function powerOfTwoAtLeast(value: number): number {
  let power = 1;
  while (power < value) power *= 2;
  return power;
}

/**
 * Makes an empty {@link FlatIdMap}.
 *
 * @example
 * ```ts
 * const costs = createFlatIdMap();
 * costs.set('3b241101-e2bb-4255-8caf-4136c566a962', 0.0042);
 * costs.get('3b241101-e2bb-4255-8caf-4136c566a962'); // 0.0042
 * ```
 */
export function createFlatIdMap(options: FlatIdMapOptions = {}): FlatIdMap {
  const hashOf = options.hash ?? createIdHasher();
  const initialCapacity = options.initialCapacity ?? DEFAULT_INITIAL_CAPACITY;
  if (!Number.isSafeInteger(initialCapacity) || initialCapacity < 1 || initialCapacity > 2 ** 24) {
    throw new MeshError(
      `initialCapacity must be an integer from 1 to ${2 ** 24}, got ${String(initialCapacity)}`,
      'invalid_argument',
      { details: { field: 'initialCapacity' } },
    );
  }
  let entryCapacity = powerOfTwoAtLeast(initialCapacity);
  // Two words a slot: the hash, then the entry's index + 1 (0 for an empty slot). Twice as many slots as
  // entries, so at most half are used.
  let slots = new Uint32Array(4 * entryCapacity);
  let mask = 2 * entryCapacity - 1;
  let offsets = new Uint32Array(entryCapacity);
  // Code units of the id, with WIDE set when they are stored on two bytes each.
  let lengths = new Uint32Array(entryCapacity);
  let values = new Float64Array(entryCapacity);
  let arena = new Uint8Array(entryCapacity * 36);
  let arenaUsed = 0;
  let size = 0;

  /** Whether entry `entry` holds exactly the code units of `id`. */
  const holds = (entry: number, id: string): boolean => {
    const word = lengths[entry]!;
    if ((word & ~WIDE) >>> 0 !== id.length) return false;
    let at = offsets[entry]!;
    if ((word & WIDE) === 0) {
      for (let index = 0; index < id.length; index += 1, at += 1) {
        if (arena[at] !== id.charCodeAt(index)) return false;
      }
    } else {
      for (let index = 0; index < id.length; index += 1, at += 2) {
        if ((arena[at]! | (arena[at + 1]! << 8)) !== id.charCodeAt(index)) return false;
      }
    }
    return true;
  };

  /** The slot holding `id`, or the empty slot where it would go, as the index of its first word. */
  const slotOf = (id: string, hash: number): number => {
    let slot = hash & mask;
    for (;;) {
      const at = 2 * slot;
      const entry = slots[at + 1]! - 1;
      if (entry < 0 || (slots[at] === hash && holds(entry, id))) return at;
      slot = (slot + 1) & mask;
    }
  };

  const grown = <T extends Uint8Array | Uint32Array | Float64Array>(array: T, length: number): T => {
    const bigger = new (array.constructor as new (length: number) => T)(length);
    bigger.set(array);
    return bigger;
  };

  /**
   * Doubles the entry arrays and the slots, placing every entry again by its stored hash. Everything is
   * allocated before anything is replaced, so a failed allocation leaves the map as it was.
   */
  const growEntries = () => {
    const capacity = 2 * entryCapacity;
    const next = {
      offsets: grown(offsets, capacity),
      lengths: grown(lengths, capacity),
      values: grown(values, capacity),
      slots: new Uint32Array(4 * capacity),
    };
    const old = slots;
    ({ offsets, lengths, values, slots } = next);
    entryCapacity = capacity;
    mask = 2 * capacity - 1;
    for (let from = 0; from < old.length; from += 2) {
      if (old[from + 1] === 0) continue;
      let slot = old[from]! & mask;
      while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = old[from]!;
      slots[2 * slot + 1] = old[from + 1]!;
    }
  };

  return {
    get size() {
      return size;
    },
    get byteLength() {
      return (
        slots.byteLength + offsets.byteLength + lengths.byteLength + values.byteLength + arena.byteLength
      );
    },
    get(id) {
      const entry = slots[slotOf(id, hashOf(id) >>> 0) + 1]! - 1;
      return entry < 0 ? undefined : values[entry];
    },
    set(id, value) {
      const hash = hashOf(id) >>> 0;
      let slot = slotOf(id, hash);
      const found = slots[slot + 1]! - 1;
      if (found >= 0) {
        values[found] = value;
        return;
      }
      let wide = false;
      for (let index = 0; index < id.length && !wide; index += 1) wide = id.charCodeAt(index) > 0xff;
      const bytes = wide ? 2 * id.length : id.length;
      if (arenaUsed + bytes > MAX_ARENA_BYTES) {
        throw new MeshError(
          `the id map holds ${arenaUsed} bytes of ids and cannot take ${bytes} more`,
          'resource_exhausted',
          { details: { arenaBytes: arenaUsed, idBytes: bytes } },
        );
      }
      if (arenaUsed + bytes > arena.length) {
        arena = grown(arena, Math.min(MAX_ARENA_BYTES, powerOfTwoAtLeast(arenaUsed + bytes)));
      }
      if (size === entryCapacity) {
        growEntries();
        slot = slotOf(id, hash);
      }
      const entry = size;
      let at = arenaUsed;
      if (wide) {
        for (let index = 0; index < id.length; index += 1, at += 2) {
          const unit = id.charCodeAt(index);
          arena[at] = unit & 0xff;
          arena[at + 1] = unit >>> 8;
        }
      } else {
        for (let index = 0; index < id.length; index += 1, at += 1) arena[at] = id.charCodeAt(index);
      }
      offsets[entry] = arenaUsed;
      lengths[entry] = (wide ? id.length | WIDE : id.length) >>> 0;
      values[entry] = value;
      arenaUsed = at;
      size += 1;
      slots[slot] = hash;
      slots[slot + 1] = entry + 1;
    },
  };
}
