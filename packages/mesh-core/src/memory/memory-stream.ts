import { MeshError } from '../errors/mesh-error.js';
import type { StreamEntry, StreamPendingSummary } from '../ports/state-store.js';

// The data structure behind the in-memory state store's streams: an append-only log with Redis-style ids
// (`<ms>-<seq>`), consumer groups and their pending-entries lists. Private to `memory/`.

/** A parsed stream id. */
export interface StreamId {
  ms: number;
  seq: number;
}

interface StoredEntry {
  id: StreamId;
  text: string;
  fields: Record<string, string>;
}

interface PendingEntry {
  id: StreamId;
  consumer: string;
  deliveryCount: number;
  /** When last delivered, by the store's clock (epoch ms). */
  deliveredAt: number;
}

interface ConsumerGroup {
  lastDeliveredId: StreamId;
  pending: Map<string, PendingEntry>;
}

/** One stream: entries in id order, an index by id text, and the consumer groups. */
export interface MemoryStream {
  entries: StoredEntry[];
  byId: Map<string, StoredEntry>;
  lastId: StreamId;
  groups: Map<string, ConsumerGroup>;
}

const ZERO: StreamId = { ms: 0, seq: 0 };
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Orders two ids: negative when `a` comes first. */
export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms === b.ms ? a.seq - b.seq : a.ms - b.ms;
}

function idText(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/**
 * Parses a range bound: `-`, `+`, `<ms>` or `<ms>-<seq>`. A bare `<ms>` means the first id of that
 * millisecond as a start and the last as an end, as in Redis `XRANGE`.
 */
export function parseRangeBound(text: string, bound: 'start' | 'end'): StreamId {
  if (text === '-') return ZERO;
  if (text === '+') return { ms: Number.MAX_SAFE_INTEGER, seq: MAX_SEQ };
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) {
    throw new MeshError(
      `invalid stream id "${text}": expected -, +, <ms> or <ms>-<seq>`,
      'invalid_argument',
      {
        details: { field: bound },
      },
    );
  }
  const ms = Number(match[1]);
  const seq = match[2] === undefined ? (bound === 'start' ? 0 : MAX_SEQ) : Number(match[2]);
  return { ms, seq };
}

/** A new empty stream. */
export function createStream(): MemoryStream {
  return { entries: [], byId: new Map(), lastId: ZERO, groups: new Map() };
}

/** Appends an entry with the next id at `nowMs` and trims to `maxLength` when given; returns the id text. */
export function appendEntry(
  stream: MemoryStream,
  fields: Record<string, string>,
  nowMs: number,
  maxLength: number | undefined,
): string {
  const ms = Math.max(Math.floor(nowMs), stream.lastId.ms);
  const id = ms === stream.lastId.ms ? { ms, seq: stream.lastId.seq + 1 } : { ms, seq: 0 };
  const entry = { id, text: idText(id), fields: { ...fields } };
  stream.entries.push(entry);
  stream.byId.set(entry.text, entry);
  stream.lastId = id;
  if (maxLength !== undefined && stream.entries.length > maxLength) {
    // Trimmed entries stay in pending lists, as in Redis; claiming drops them there.
    for (const removed of stream.entries.splice(0, stream.entries.length - maxLength)) {
      stream.byId.delete(removed.text);
    }
  }
  return entry.text;
}

/** Creates a group unless it exists; `'$'` starts after the current last entry. */
export function createGroup(stream: MemoryStream, group: string, startId: '0' | '$'): void {
  if (stream.groups.has(group)) return;
  stream.groups.set(group, { lastDeliveredId: startId === '$' ? stream.lastId : ZERO, pending: new Map() });
}

/** The group, or a `not_found` error with `details.reason` `'NOGROUP'` (the port's convention). */
export function requireGroup(
  stream: MemoryStream | undefined,
  streamKey: string,
  group: string,
): ConsumerGroup {
  const found = stream?.groups.get(group);
  if (!found) throw noGroupError(streamKey, group);
  return found;
}

/** The error every state store reports for a missing stream or group. */
export function noGroupError(stream: string, group: string): MeshError {
  return new MeshError(`no consumer group "${group}" on stream "${stream}"`, 'not_found', {
    details: { reason: 'NOGROUP', stream, group },
  });
}

/** Delivers up to `count` entries never delivered to the group, adding them to its pending list. */
export function readNew(
  stream: MemoryStream,
  group: ConsumerGroup,
  consumer: string,
  count: number,
  nowMs: number,
): StreamEntry[] {
  const delivered: StreamEntry[] = [];
  for (const entry of stream.entries) {
    if (delivered.length >= count) break;
    if (compareIds(entry.id, group.lastDeliveredId) <= 0) continue;
    group.lastDeliveredId = entry.id;
    group.pending.set(entry.text, { id: entry.id, consumer, deliveryCount: 1, deliveredAt: nowMs });
    delivered.push({ id: entry.text, fields: { ...entry.fields }, deliveryCount: 1 });
  }
  return delivered;
}

/** Acknowledges ids; returns how many were pending. */
export function ackEntries(group: ConsumerGroup, ids: readonly string[]): number {
  let acknowledged = 0;
  for (const id of new Set(ids)) if (group.pending.delete(id)) acknowledged += 1;
  return acknowledged;
}

/**
 * Transfers up to `count` entries idle at least `minIdleMs` to `consumer`, in id order, incrementing their
 * delivery count (as `XAUTOCLAIM` does). Pending entries whose stream entry was trimmed are dropped.
 */
export function claimIdle(
  stream: MemoryStream,
  group: ConsumerGroup,
  consumer: string,
  minIdleMs: number,
  count: number,
  nowMs: number,
): StreamEntry[] {
  const candidates = [...group.pending.entries()].sort(([, a], [, b]) => compareIds(a.id, b.id));
  const claimed: StreamEntry[] = [];
  for (const [text, pending] of candidates) {
    if (claimed.length >= count) break;
    if (nowMs - pending.deliveredAt < minIdleMs) continue;
    const entry = stream.byId.get(text);
    if (!entry) {
      group.pending.delete(text);
      continue;
    }
    pending.consumer = consumer;
    pending.deliveryCount += 1;
    pending.deliveredAt = nowMs;
    claimed.push({ id: text, fields: { ...entry.fields }, deliveryCount: pending.deliveryCount });
  }
  return claimed;
}

/** Count of pending entries, in total and per consumer. */
export function pendingSummary(group: ConsumerGroup): StreamPendingSummary {
  const consumers: Record<string, number> = {};
  for (const pending of group.pending.values()) {
    consumers[pending.consumer] = (consumers[pending.consumer] ?? 0) + 1;
  }
  return { count: group.pending.size, consumers };
}

/**
 * Entries with `start <= id <= end`, at most `count`. Entries read this way carry `deliveryCount` 0: the
 * count belongs to a group, and a range read is not a delivery.
 */
export function rangeEntries(
  stream: MemoryStream,
  start: StreamId,
  end: StreamId,
  count: number,
): StreamEntry[] {
  const result: StreamEntry[] = [];
  for (const entry of stream.entries) {
    if (result.length >= count) break;
    if (compareIds(entry.id, start) < 0 || compareIds(entry.id, end) > 0) continue;
    result.push({ id: entry.text, fields: { ...entry.fields }, deliveryCount: 0 });
  }
  return result;
}
