import type { Reservation } from '@kidsstories/mesh-core/ports';

/** A reservation this replica holds, with what it takes to hold it again in Redis. */
export interface MirroredReservation extends Reservation {
  /** The budget id the reservation was made with (`''` when none). */
  budgetId: string;
}

/** One bucket of this replica's own spending on one scope. */
export interface MirroredBucket {
  scope: string;
  /** The bucket's field in `spend:<scope>` (its end, epoch ms). */
  field: string;
  /** USD this replica charged in the bucket. */
  usd: number;
  /** When the bucket stops counting, in epoch milliseconds of the ledger's clock. */
  expiresAt: number;
}

/**
 * @internal What one replica has charged and holds, kept in its memory so it can write it back when Redis
 * loses its data (issue 12 item 5). Bounded like the ledger itself: scopes x buckets plus the reservations
 * this replica has in flight, never by the number of calls.
 */
export interface LedgerMirror {
  /** Adds a charge made at `nowMs` to a bucket. */
  charge(scope: string, field: string, usd: number, expiresAt: number, nowMs: number): void;
  /** Remembers a reservation in flight (and forgets those expired at `nowMs`). */
  hold(reservation: MirroredReservation, nowMs: number): void;
  /** Forgets a reservation (settled, released or expired). */
  unhold(id: string): void;
  /** The buckets still counting and the reservations still in flight at `nowMs`. */
  contents(nowMs: number): { buckets: MirroredBucket[]; reservations: MirroredReservation[] };
  /** Counts, for the bound tests. */
  sizes(): { buckets: number; reservations: number };
}

/** @internal Creates an empty {@link LedgerMirror}. */
export function createLedgerMirror(): LedgerMirror {
  const buckets = new Map<string, Map<string, MirroredBucket>>();
  const held = new Map<string, MirroredReservation>();

  const prune = (nowMs: number) => {
    for (const [scope, byField] of buckets) {
      for (const [field, bucket] of byField) if (bucket.expiresAt <= nowMs) byField.delete(field);
      if (byField.size === 0) buckets.delete(scope);
    }
    for (const [id, reservation] of held) if (reservation.expiresAt <= nowMs) held.delete(id);
  };

  return {
    charge(scope, field, usd, expiresAt, nowMs) {
      let byField = buckets.get(scope);
      if (!byField) {
        byField = new Map();
        buckets.set(scope, byField);
      }
      const bucket = byField.get(field);
      if (bucket) {
        bucket.usd += usd;
        bucket.expiresAt = Math.max(bucket.expiresAt, expiresAt);
        return;
      }
      // A new bucket opens at most once per bucket width and scope: the moment to drop what stopped counting.
      for (const [old, previous] of byField) if (previous.expiresAt <= nowMs) byField.delete(old);
      byField.set(field, { scope, field, usd, expiresAt });
    },
    hold(reservation, nowMs) {
      for (const [id, previous] of held) if (previous.expiresAt <= nowMs) held.delete(id);
      held.set(reservation.id, reservation);
    },
    unhold(id) {
      held.delete(id);
    },
    contents(nowMs) {
      prune(nowMs);
      return {
        buckets: [...buckets.values()].flatMap((byField) => [...byField.values()]),
        reservations: [...held.values()],
      };
    },
    sizes() {
      let count = 0;
      for (const byField of buckets.values()) count += byField.size;
      return { buckets: count, reservations: held.size };
    },
  };
}
