import { MeshError } from '../errors/mesh-error.js';
import { checkInteger } from '../options/check-options.js';
import type { ScoredMember, StateStore, StreamEntry } from '../ports/state-store.js';
import {
  ackEntries,
  appendEntry,
  claimIdle,
  createGroup,
  createStream,
  type MemoryStream,
  parseRangeBound,
  pendingSummary,
  rangeEntries,
  readNew,
  requireGroup,
} from './memory-stream.js';
import { checkKey, checkTtlMs, closedError } from './validate.js';

/** Options for {@link createMemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /**
   * Clock for TTLs, stream ids and idle times, in epoch milliseconds. Default `Date.now`. Blocking reads
   * always wait in real time.
   * @default `Date.now`
   */
  now?: () => number;
}

type Slot =
  | { kind: 'hash'; value: Map<string, string>; expiresAt?: number }
  | { kind: 'stream'; value: MemoryStream; expiresAt?: number }
  | { kind: 'zset'; value: Map<string, number>; expiresAt?: number };

type Kind = Slot['kind'];
type SlotOf<K extends Kind> = Extract<Slot, { kind: K }>;

const DEFAULT_COUNT = 10;

/** Keys held before the first sweep of expired keys (see `createMemoryStateStore`). */
const MIN_SWEEP_KEYS = 1_024;

const keyCountOf = new WeakMap<StateStore, () => number>();

/**
 * How many keys a store from {@link createMemoryStateStore} holds, expired ones not yet swept included (for
 * tests and sizing); `undefined` for any other store.
 */
export function memoryStateStoreKeyCount(store: StateStore): number | undefined {
  return keyCountOf.get(store)?.();
}

/**
 * A {@link StateStore} held in this process's memory: the embedded default, and the double used by unit
 * tests. Keys expire against the injected clock: a read drops an expired key, and creating a key sweeps every
 * expired one whenever the store has doubled since the last sweep (issue 20), so keys written once and never
 * read again (run records, dedupe marks) cannot pile up: the store holds at most about twice its live keys
 * (at least 1 024), at a cost per write that does not grow with them; a blocking stream read waits on appends to its
 * stream with an unref'd timer, so an idle store never keeps Node running. Keys of one kind used as another
 * reject with `failed_precondition` (Redis's WRONGTYPE).
 *
 * @example
 * ```ts
 * const store = createMemoryStateStore();
 * await store.hashSet('story:42', { status: 'drafting' }, { ttlMs: 60_000 });
 * await store.streamCreateGroup('jobs', 'workers', { startId: '0' });
 * await store.streamAppend('jobs', { storyId: '42' });
 * const [job] = await store.streamReadGroup('jobs', 'workers', 'worker-1', { blockMs: 1_000 });
 * ```
 */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): StateStore {
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  let sweepAt = MIN_SWEEP_KEYS;
  const sweepExpired = (): void => {
    const at = now();
    for (const [key, slot] of slots)
      if (slot.expiresAt !== undefined && slot.expiresAt <= at) slots.delete(key);
    // The next sweep waits until the store has doubled again: a sweep costs O(keys) once per that many writes.
    sweepAt = Math.max(MIN_SWEEP_KEYS, 2 * slots.size);
  };
  /** Wake-up callbacks of blocked stream reads, per stream key. */
  const waiters = new Map<string, Set<() => void>>();
  let closed = false;

  const live = (key: string): Slot | undefined => {
    const slot = slots.get(key);
    if (slot?.expiresAt !== undefined && slot.expiresAt <= now()) {
      slots.delete(key);
      return undefined;
    }
    return slot;
  };

  const open = (key: string): void => {
    if (closed) throw closedError('state store');
    checkKey(key);
  };

  function get<K extends Kind>(key: string, kind: K): SlotOf<K> | undefined {
    open(key);
    const slot = live(key);
    if (slot && slot.kind !== kind) {
      throw new MeshError(`key "${key}" holds a ${slot.kind}, not a ${kind}`, 'failed_precondition', {
        details: { reason: 'WRONGTYPE', key },
      });
    }
    return slot as SlotOf<K> | undefined;
  }

  function getOrCreate<K extends Kind>(key: string, kind: K, create: () => SlotOf<K>['value']): SlotOf<K> {
    const existing = get(key, kind);
    if (existing) return existing;
    const slot = { kind, value: create() } as unknown as SlotOf<K>;
    if (slots.size >= sweepAt) sweepExpired();
    slots.set(key, slot);
    return slot;
  }

  const wake = (stream: string): void => {
    for (const waiter of waiters.get(stream) ?? []) waiter();
  };

  /** Waits for an append to `stream`, the timeout or the abort; resolves whether an append happened. */
  const waitForAppend = (stream: string, timeoutMs: number, signal: AbortSignal | undefined) =>
    new Promise<boolean>((resolve, reject) => {
      const set = waiters.get(stream) ?? new Set<() => void>();
      waiters.set(stream, set);
      const finish = (appended: boolean, error?: unknown) => {
        clearTimeout(timer);
        set.delete(onAppend);
        if (set.size === 0) waiters.delete(stream);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(appended);
        else reject(error);
      };
      const onAppend = () => finish(true);
      const onAbort = () =>
        finish(
          false,
          new MeshError('blocking stream read was aborted', 'canceled', { cause: signal?.reason }),
        );
      const timer = setTimeout(() => finish(false), timeoutMs);
      timer.unref();
      set.add(onAppend);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  const store: StateStore = {
    async hashSet(key, fields, setOptions = {}) {
      const ttlMs = setOptions.ttlMs === undefined ? undefined : checkTtlMs(setOptions.ttlMs);
      const entries = Object.entries(fields);
      if (entries.length === 0) {
        throw new MeshError('hashSet needs at least one field', 'invalid_argument', {
          details: { field: 'fields' },
        });
      }
      if (entries.some(([, value]) => typeof value !== 'string')) {
        throw new MeshError('hash field values must be strings', 'invalid_argument', {
          details: { field: 'fields' },
        });
      }
      const slot = getOrCreate(key, 'hash', () => new Map<string, string>());
      for (const [field, value] of entries) slot.value.set(field, value);
      if (ttlMs !== undefined) slot.expiresAt = now() + ttlMs;
    },
    async hashGet(key, field) {
      return get(key, 'hash')?.value.get(field);
    },
    async hashGetAll(key) {
      const slot = get(key, 'hash');
      return slot ? Object.fromEntries(slot.value) : undefined;
    },
    async delete(key) {
      open(key);
      const existed = live(key) !== undefined;
      slots.delete(key);
      return existed;
    },
    async expire(key, ttlMs) {
      open(key);
      checkTtlMs(ttlMs);
      const slot = live(key);
      if (!slot) return false;
      slot.expiresAt = now() + ttlMs;
      return true;
    },
    async ttl(key) {
      open(key);
      const slot = live(key);
      if (!slot) return undefined;
      return slot.expiresAt === undefined ? Number.POSITIVE_INFINITY : slot.expiresAt - now();
    },

    async streamAppend(stream, fields, appendOptions = {}) {
      const maxLength =
        appendOptions.maxLength === undefined
          ? undefined
          : checkInteger(appendOptions.maxLength, 'maxLength');
      if (Object.values(fields).some((value) => typeof value !== 'string')) {
        throw new MeshError('stream field values must be strings', 'invalid_argument', {
          details: { field: 'fields' },
        });
      }
      const slot = getOrCreate(stream, 'stream', createStream);
      const id = appendEntry(slot.value, fields, now(), maxLength);
      wake(stream);
      return id;
    },
    async streamCreateGroup(stream, group, groupOptions = {}) {
      checkKey(group, 'group');
      createGroup(getOrCreate(stream, 'stream', createStream).value, group, groupOptions.startId ?? '$');
    },
    async streamReadGroup(stream, group, consumer, readOptions = {}) {
      checkKey(consumer, 'consumer');
      const count = checkInteger(readOptions.count ?? DEFAULT_COUNT, 'count');
      const blockMs = readOptions.blockMs ?? 0;
      if (!Number.isFinite(blockMs) || blockMs < 0) {
        throw new MeshError('blockMs must be a finite number >= 0', 'invalid_argument', {
          details: { field: 'blockMs' },
        });
      }
      const attempt = (): StreamEntry[] => {
        const streamValue = get(stream, 'stream')?.value;
        const groupValue = requireGroup(streamValue, stream, group);
        return readNew(streamValue as MemoryStream, groupValue, consumer, count, now());
      };
      if (readOptions.signal?.aborted) {
        throw new MeshError('stream read was aborted', 'canceled', { cause: readOptions.signal.reason });
      }
      const deadline = performance.now() + blockMs;
      let entries = attempt();
      // Another reader may take what an append brought, so wait again until the deadline.
      while (entries.length === 0 && !closed && performance.now() < deadline) {
        await waitForAppend(stream, Math.max(1, deadline - performance.now()), readOptions.signal);
        if (closed) return [];
        entries = attempt();
      }
      return entries;
    },
    async streamAck(stream, group, ids) {
      const streamValue = get(stream, 'stream')?.value;
      const groupValue = streamValue?.groups.get(group);
      return groupValue ? ackEntries(groupValue, ids) : 0;
    },
    async streamClaimIdle(stream, group, consumer, claimOptions) {
      checkKey(consumer, 'consumer');
      const { minIdleMs } = claimOptions;
      if (!Number.isFinite(minIdleMs) || minIdleMs < 0) {
        throw new MeshError('minIdleMs must be a finite number >= 0', 'invalid_argument', {
          details: { field: 'minIdleMs' },
        });
      }
      const count = checkInteger(claimOptions.count ?? DEFAULT_COUNT, 'count');
      const streamValue = get(stream, 'stream')?.value;
      const groupValue = requireGroup(streamValue, stream, group);
      return claimIdle(streamValue as MemoryStream, groupValue, consumer, minIdleMs, count, now());
    },
    async streamPending(stream, group) {
      const streamValue = get(stream, 'stream')?.value;
      return pendingSummary(requireGroup(streamValue, stream, group));
    },
    async streamRange(stream, rangeOptions = {}) {
      const start = parseRangeBound(rangeOptions.start ?? '-', 'start');
      const end = parseRangeBound(rangeOptions.end ?? '+', 'end');
      const count =
        rangeOptions.count === undefined
          ? Number.POSITIVE_INFINITY
          : checkInteger(rangeOptions.count, 'count');
      const streamValue = get(stream, 'stream')?.value;
      return streamValue ? rangeEntries(streamValue, start, end, count) : [];
    },
    async streamLength(stream) {
      return get(stream, 'stream')?.value.entries.length ?? 0;
    },

    async sortedSetAdd(key, member, score) {
      if (typeof score !== 'number' || Number.isNaN(score)) {
        throw new MeshError('score must be a number', 'invalid_argument', { details: { field: 'score' } });
      }
      getOrCreate(key, 'zset', () => new Map<string, number>()).value.set(member, score);
    },
    async sortedSetRangeByScore(key, min, max) {
      const slot = get(key, 'zset');
      if (!slot) return [];
      const members: ScoredMember[] = [];
      for (const [member, score] of slot.value)
        if (score >= min && score <= max) members.push({ member, score });
      // Ties order by member, as in Redis.
      return members.sort(
        (a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0),
      );
    },
    async sortedSetRemoveByScore(key, min, max) {
      const slot = get(key, 'zset');
      if (!slot) return 0;
      let removed = 0;
      for (const [member, score] of slot.value) {
        if (score >= min && score <= max) {
          slot.value.delete(member);
          removed += 1;
        }
      }
      if (slot.value.size === 0) slots.delete(key);
      return removed;
    },
    async sortedSetRemove(key, member) {
      const slot = get(key, 'zset');
      if (!slot) return false;
      const removed = slot.value.delete(member);
      if (slot.value.size === 0) slots.delete(key);
      return removed;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const set of waiters.values()) for (const waiter of [...set]) waiter();
      waiters.clear();
      slots.clear();
    },
  };
  keyCountOf.set(store, () => slots.size);
  return store;
}
