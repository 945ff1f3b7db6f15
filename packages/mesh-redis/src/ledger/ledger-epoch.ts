import { randomUUID } from 'node:crypto';
import { type Logger, MeshError } from '@kidsstories/mesh-core';
import type { RedisConnection } from '../connection/redis-connection.js';
import { defineRedisScript, redisCall } from '../connection/redis-script.js';
import type { LedgerMirror } from './ledger-mirror.js';
import { ESTABLISH_LUA } from './ledger-scripts.js';

const ESTABLISH = defineRedisScript(ESTABLISH_LUA);
/** How long the contributors hash outlives its last write, in milliseconds (7 days). */
const CONTRIBUTORS_TTL_MS = 7 * 86_400_000;

/** @internal The keys the epoch touches. */
export interface LedgerEpochKeys {
  budgets: string;
  epoch: string;
  contributors: string;
  spend(scope: string): string;
  held(scope: string): string;
  reservation(id: string): string;
}

/** @internal Options for {@link createLedgerEpoch}. */
export interface LedgerEpochOptions {
  connection: RedisConnection;
  name: string;
  keys: LedgerEpochKeys;
  mirror: LedgerMirror;
  /** Budgets given at creation (encoded `<limitUsd>:<windowMs>`); `undefined` when none were given. */
  budgets: Map<string, string> | undefined;
  restoreQuarantineMs: number;
  now: () => number;
  logger: Logger;
}

/**
 * @internal The budget epoch of one replica (issue 12 item 5): which generation of the shared budgets it last
 * saw, the budgets it knows (given at creation or set through it), and the write-back of its own spending and
 * reservations when Redis comes back without them.
 */
export interface LedgerEpoch {
  /** The epoch the scripts must find, after establishing or joining one when none is known. */
  current(): Promise<string>;
  /** Forgets the epoch after a script found another one: the next {@link LedgerEpoch.current} joins it. */
  invalidate(): void;
  /** Records a budget set (or removed) through this replica, so it is restored after a loss. */
  remember(scope: string, encoded: string | undefined): void;
  /** Stops listening to the connection. */
  close(): void;
}

/** @internal Creates a {@link LedgerEpoch}; re-establishes proactively whenever the connection comes back. */
export function createLedgerEpoch(options: LedgerEpochOptions): LedgerEpoch {
  const { connection, keys, mirror, now, logger } = options;
  const redis = connection.client;
  const replicaId = randomUUID();
  const known = new Map(options.budgets ?? []);
  let knowsBudgets = options.budgets !== undefined;
  let replaceOnFirstSync = options.budgets !== undefined;
  let epoch: string | undefined;
  let seenEpoch = false;
  let syncing: Promise<string> | undefined;

  const writeBack = async (nowMs: number) => {
    const { buckets, reservations } = mirror.contents(nowMs);
    if (buckets.length === 0 && reservations.length === 0) return;
    const batch = redis.multi();
    // Ascending lifetimes, so the last PEXPIRE of a hash is its longest.
    for (const bucket of [...buckets].sort((a, b) => a.expiresAt - b.expiresAt)) {
      const key = keys.spend(bucket.scope);
      batch.hincrbyfloat(key, bucket.field, bucket.usd);
      batch.pexpire(key, Math.max(1, Math.ceil(bucket.expiresAt - nowMs)));
    }
    for (const reservation of reservations) {
      const ttlMs = Math.max(1, Math.ceil(reservation.expiresAt - nowMs));
      const member = `${reservation.id}:${reservation.amountUsd}`;
      for (const scope of reservation.scopes) {
        batch.zadd(keys.held(scope), reservation.expiresAt, member);
        batch.pexpire(keys.held(scope), ttlMs);
      }
      const key = keys.reservation(reservation.id);
      batch.hset(key, 'amount', String(reservation.amountUsd), 'budgetId', reservation.budgetId);
      batch.hset(key, 'expiresAt', String(reservation.expiresAt));
      batch.pexpire(key, ttlMs);
    }
    await redisCall(() => batch.exec());
    logger.warn('redis lost the ledger; wrote back this replica spending and reservations', {
      ledger: options.name,
      buckets: buckets.length,
      reservations: reservations.length,
    });
  };

  const sync = async (): Promise<string> => {
    const t = now();
    const quarantineEndMs = seenEpoch ? Math.ceil(t + options.restoreQuarantineMs) : 0;
    const reply = (await ESTABLISH.run(
      redis,
      [keys.budgets, keys.epoch, keys.contributors],
      [
        replicaId,
        `${randomUUID()}:${quarantineEndMs}`,
        replaceOnFirstSync ? 'replace' : 'restore',
        knowsBudgets ? 1 : 0,
        CONTRIBUTORS_TTL_MS,
        ...[...known].flat(),
      ],
    )) as [number, string?, number?];
    if (Number(reply[0]) !== 1) {
      throw new MeshError(
        `the budgets of ledger "${options.name}" are not in Redis (lost with its data, or never set) and this ` +
          'ledger was given none to restore, so it refuses to spend: create it with `budgets` (`{}` for none)',
        'failed_precondition',
        { details: { reason: 'LEDGER_BUDGETS_UNKNOWN', ledger: options.name } },
      );
    }
    replaceOnFirstSync = false;
    if (Number(reply[2]) === 1 && seenEpoch) await writeBack(t);
    seenEpoch = true;
    epoch = reply[1]!;
    return epoch;
  };

  const stopListening = connection.onStatus((status) => {
    if (status !== 'ready' || !seenEpoch) return;
    epoch = undefined;
    void current().catch((error: unknown) =>
      logger.warn('could not re-establish the ledger budgets after a reconnect', { error }),
    );
  });

  function current(): Promise<string> {
    if (epoch !== undefined) return Promise.resolve(epoch);
    syncing ??= sync().finally(() => {
      syncing = undefined;
    });
    return syncing;
  }

  return {
    current,
    invalidate() {
      epoch = undefined;
    },
    remember(scope, encoded) {
      knowsBudgets = true;
      if (encoded === undefined) known.delete(scope);
      else known.set(scope, encoded);
    },
    close: stopListening,
  };
}
