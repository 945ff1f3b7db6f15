import { randomUUID } from 'node:crypto';
import {
  type Budget,
  type CostLedger,
  type Logger,
  MeshError,
  type PriceTable,
  silentLogger,
} from '@kidsstories/mesh-core';
import {
  adviseTier,
  type BudgetStatus,
  checkInteger,
  checkNonEmptyString,
  costOf,
  DEFAULT_SETTLED_RETENTION_MS,
  DEFAULT_TIER_THRESHOLDS,
  DEFAULT_WINDOW_BUCKETS,
  EMPTY_PRICE_TABLE,
  GLOBAL_SCOPE,
  type Reservation,
  resolveBudgetScopes,
  type SettledBuckets,
  settledBuckets,
  type TierThresholds,
} from '@kidsstories/mesh-core/ports';
import { checkDuration } from '../connection/check-duration.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { defineRedisScript, redisCall } from '../connection/redis-script.js';
import { createLedgerEpoch } from './ledger-epoch.js';
import { createLedgerMirror } from './ledger-mirror.js';
import { LEDGER_LUA_HELPERS, RELEASE_LUA, RESERVE_LUA, SETTLE_LUA, STATUS_LUA } from './ledger-scripts.js';

/** Options for {@link createRedisCostLedger}. */
export interface RedisCostLedgerOptions {
  /** The Redis connection (shared; the ledger does not close it). */
  connection: RedisConnection;
  /** Name of the shared ledger; replicas with the same name share budgets and spending. Default `default`. */
  name?: string;
  /**
   * Prices per model. A ledger prices nothing by itself: without a table only usages that carry their own
   * `costUsd` can be charged, and any other is refused naming its model.
   * @default EMPTY_PRICE_TABLE (`{}`)
   */
  prices?: PriceTable;
  /**
   * Budgets written to Redis when the ledger is first used (they replace the shared budgets of those scopes),
   * and restored whenever Redis comes back without them. `{}` says "no budgets of my own". Default: none, and
   * the ledger uses the budgets already in Redis; when Redis has lost them and no replica that knows them has
   * restored them, such a ledger fails closed (`failed_precondition`, reason `LEDGER_BUDGETS_UNKNOWN`) rather
   * than spend without a limit.
   */
  budgets?: Record<string, Budget>;
  /**
   * Window of scopes without a budget (and of budgets without `windowMs`), and the least time spending is
   * kept (the accumulator TTL), in milliseconds. Default 3 600 000 (1 h).
   */
  accumulatorTtlMs?: number;
  /** Lifetime of a reservation that gives no `ttlMs`, in milliseconds. Default 300 000. */
  defaultReservationTtlMs?: number;
  /** Clock for windows and reservation expiry, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Makes reservation and record ids (must not contain `:`). Default `crypto.randomUUID`. */
  generateId?: () => string;
  /** Thresholds behind `advise`. Default `DEFAULT_TIER_THRESHOLDS`, the same as the in-memory ledger. */
  tierThresholds?: TierThresholds;
  /**
   * Buckets each budget window is cut into; the window's precision is `windowMs / windowBuckets` (spending
   * counts up to one bucket longer than the window, never shorter). Default `DEFAULT_WINDOW_BUCKETS` (60).
   */
  windowBuckets?: number;
  /**
   * How long a settlement is remembered, in milliseconds, so a repeated settle records nothing more (records
   * live between one and two retentions). Default `DEFAULT_SETTLED_RETENTION_MS` (10 min).
   */
  settledRetentionMs?: number;
  /**
   * After Redis lost the ledger's data (a restart without persistence, a FLUSHALL), reservations are refused
   * with `resource_exhausted` (reason `LEDGER_RESTORING`) for this long, in milliseconds, while every replica
   * re-establishes the budgets and writes back the spending and reservations it made (issue 12 item 5). Longer
   * than the connections' reconnect backoff. Default 3 000.
   */
  restoreQuarantineMs?: number;
  /** Where the write-back after a loss is reported. Default: silent. */
  logger?: Logger;
}

/** Defaults of {@link RedisCostLedgerOptions}. */
export const DEFAULT_REDIS_COST_LEDGER = Object.freeze({
  name: 'default',
  accumulatorTtlMs: 3_600_000,
  defaultReservationTtlMs: 300_000,
  restoreQuarantineMs: 3_000,
  windowBuckets: DEFAULT_WINDOW_BUCKETS,
  settledRetentionMs: DEFAULT_SETTLED_RETENTION_MS,
});

/** {@link RedisCostLedgerOptions} with every default applied and every value checked (budgets aside). */
export interface ResolvedRedisCostLedgerOptions {
  connection: RedisConnection;
  name: string;
  prices: PriceTable;
  tierThresholds: TierThresholds;
  /** Whole milliseconds (rounded up), like every duration here. */
  accumulatorTtlMs: number;
  defaultReservationTtlMs: number;
  restoreQuarantineMs: number;
  windowBuckets: number;
  settledRetentionMs: number;
  now: () => number;
  generateId: () => string;
  logger: Logger;
}

/**
 * Applies {@link DEFAULT_REDIS_COST_LEDGER} to `options` and checks them (the budgets are checked as the ledger
 * encodes them).
 *
 * @throws MeshError `invalid_argument` naming the field: a `name` outside `[A-Za-z0-9_.:-]+`, a duration not above
 *   0, a `windowBuckets` that is not a whole number above 0, tier thresholds out of order.
 * @example
 * ```ts
 * resolveRedisCostLedgerOptions({ connection }).windowBuckets; // 60
 * ```
 */
export function resolveRedisCostLedgerOptions(
  options: RedisCostLedgerOptions,
): ResolvedRedisCostLedgerOptions {
  const defaults = DEFAULT_REDIS_COST_LEDGER;
  const name = options.name ?? defaults.name;
  if (!/^[A-Za-z0-9_.:-]+$/.test(name)) {
    throw new MeshError('ledger name must match [A-Za-z0-9_.:-]+', 'invalid_argument', {
      details: { field: 'name' },
    });
  }
  const tierThresholds = options.tierThresholds ?? DEFAULT_TIER_THRESHOLDS;
  // Checks the thresholds' order (it throws naming the field).
  adviseTier(1, tierThresholds);
  return {
    connection: options.connection,
    name,
    prices: options.prices ?? EMPTY_PRICE_TABLE,
    tierThresholds,
    accumulatorTtlMs: checkDuration(
      options.accumulatorTtlMs ?? defaults.accumulatorTtlMs,
      'accumulatorTtlMs',
    ),
    defaultReservationTtlMs: checkDuration(
      options.defaultReservationTtlMs ?? defaults.defaultReservationTtlMs,
      'defaultReservationTtlMs',
    ),
    restoreQuarantineMs: checkDuration(
      options.restoreQuarantineMs ?? defaults.restoreQuarantineMs,
      'restoreQuarantineMs',
    ),
    windowBuckets: checkInteger(options.windowBuckets ?? defaults.windowBuckets, 'windowBuckets'),
    settledRetentionMs: checkDuration(
      options.settledRetentionMs ?? defaults.settledRetentionMs,
      'settledRetentionMs',
    ),
    now: options.now ?? Date.now,
    generateId: options.generateId ?? randomUUID,
    logger: options.logger ?? silentLogger,
  };
}

const RESERVE = defineRedisScript(LEDGER_LUA_HELPERS + RESERVE_LUA);
const SETTLE = defineRedisScript(LEDGER_LUA_HELPERS + SETTLE_LUA);
const RELEASE = defineRedisScript(LEDGER_LUA_HELPERS + RELEASE_LUA);
const STATUS = defineRedisScript(LEDGER_LUA_HELPERS + STATUS_LUA);

function checkScope(scope: unknown): string {
  return checkNonEmptyString(scope, 'scope');
}

function checkReservationId(reservation: Reservation | undefined): string {
  const id = reservation?.id;
  if (typeof id !== 'string' || id === '' || id.includes(':')) {
    throw new MeshError('reservation.id must be a non-empty string without ":"', 'invalid_argument', {
      details: { field: 'reservation.id' },
    });
  }
  return id;
}

/**
 * The Redis keys of a ledger. Every key carries the hash tag `{<name>}` so each script, which touches the
 * budgets, a reservation and the accumulators of several scopes at once, stays on one cluster slot.
 */
export function redisLedgerKeys(connection: Pick<RedisConnection, 'key'>, name: string) {
  const base = connection.key(`ledger:{${name}}`);
  return {
    budgets: `${base}:budgets`,
    epoch: `${base}:epoch`,
    contributors: `${base}:contributors`,
    reservation: (id: string) => `${base}:reservation:${id}`,
    settled: (bucketStartMs: number) => `${base}:settled:${bucketStartMs}`,
    spend: (scope: string) => `${base}:spend:${scope}`,
    held: (scope: string) => `${base}:held:${scope}`,
  };
}

/**
 * The mesh's {@link CostLedger} on Redis, shared by every replica. Reserve-then-settle runs as one Lua script
 * over running sums per scope and time bucket (`spend:<scope>`, one hash field per bucket, see mesh-core's
 * `spendBucketEnd`) and a sorted set of the reservations in flight (`held:<scope>`, scored by expiry), so no
 * interleaving of replicas can spend past a budget, a leaked reservation stops counting when it expires, and
 * the work of a call is a sum over at most `windowBuckets + 1` buckets per scope whatever the traffic before
 * it (issue 20). Redis memory is bounded by scopes x buckets, reservations in flight and the settlements of
 * the last one or two `settledRetentionMs` (grouped in one hash per retention). Costs and tier advice come from
 * the same `costOf` and `adviseTier` as the in-memory ledger, and the bucket rules are the same, so both give
 * the same answers.
 *
 * @example
 * ```ts
 * const ledger = createRedisCostLedger({ connection, budgets: { global: { limitUsd: 5 } } });
 * const held = await ledger.reserve({ model: 'dall-e-3', images: 1 }, { scopes: ['tool:generate_image'] });
 * await ledger.settle(held, { model: 'dall-e-3', images: 1 });
 * ```
 */
export function createRedisCostLedger(options: RedisCostLedgerOptions): CostLedger {
  const resolved = resolveRedisCostLedgerOptions(options);
  const { connection, name, prices, now, generateId, accumulatorTtlMs, defaultReservationTtlMs } = resolved;
  const { windowBuckets, settledRetentionMs, tierThresholds: thresholds } = resolved;
  const redis = connection.client;
  const keys = redisLedgerKeys(connection, name);
  const scopeKeys = (scopes: readonly string[]) =>
    scopes.flatMap((scope) => [keys.spend(scope), keys.held(scope)]);
  let closed = false;

  const encodeBudget = (scope: string, budget: Budget): string => {
    if (typeof budget.limitUsd !== 'number' || !Number.isFinite(budget.limitUsd) || budget.limitUsd < 0) {
      throw new MeshError(`budget of "${scope}": limitUsd must be a finite number >= 0`, 'invalid_argument', {
        details: { field: 'limitUsd', scope },
      });
    }
    const windowMs = checkDuration(budget.windowMs ?? accumulatorTtlMs, 'windowMs');
    return `${budget.limitUsd}:${windowMs}`;
  };
  const mirror = createLedgerMirror();
  const epoch = createLedgerEpoch({
    connection,
    name,
    keys,
    mirror,
    budgets:
      options.budgets === undefined
        ? undefined
        : new Map(
            Object.entries(options.budgets).map(([scope, budget]) => [
              checkScope(scope),
              encodeBudget(scope, budget),
            ]),
          ),
    restoreQuarantineMs: resolved.restoreQuarantineMs,
    now,
    logger: resolved.logger,
  });
  const begin = (): number => {
    if (closed) {
      throw new MeshError('the redis cost ledger is closed', 'failed_precondition', {
        details: { reason: 'closed' },
      });
    }
    return now();
  };
  /**
   * Runs a script that checks the budget epoch, joining the current epoch (and writing back this replica's
   * spending) when the script finds another. Writes (`settle`, `record`) go through even when the budgets are
   * unknown, since the money was spent; reads and reservations fail closed then.
   */
  const withEpoch = async (writes: boolean, run: (expected: string) => Promise<unknown>) => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      let expected: string;
      try {
        expected = await epoch.current();
      } catch (error) {
        if (!(writes && MeshError.isInstance(error) && error.code === 'failed_precondition')) throw error;
        expected = '*';
      }
      const reply = await run(expected);
      if (!(Array.isArray(reply) && reply[0] === 2)) return reply as unknown[];
      epoch.invalidate();
    }
    throw new MeshError(
      `the budget epoch of ledger "${name}" changed three times in one call`,
      'unavailable',
      {
        details: { reason: 'LEDGER_EPOCH_UNSTABLE' },
      },
    );
  };

  const statuses = async (scopes: readonly string[]): Promise<BudgetStatus[]> => {
    const t = begin();
    const reply = (await withEpoch(false, (expected) =>
      STATUS.run(
        redis,
        [keys.budgets, keys.epoch, ...scopeKeys(scopes)],
        [t, accumulatorTtlMs, expected, ...scopes],
      ),
    )) as string[][];
    return reply.map(([limit, spent, reserved, windowMs], index) => {
      const limitUsd = limit === '' ? Number.POSITIVE_INFINITY : Number(limit);
      const spentUsd = Number(spent);
      const reservedUsd = Number(reserved);
      return {
        scope: scopes[index]!,
        limitUsd,
        spentUsd,
        reservedUsd,
        remainingUsd: Math.max(0, limitUsd - spentUsd - reservedUsd),
        windowMs: Number(windowMs),
      };
    });
  };

  /** Runs the settle script and mirrors the charge of every scope, so it can be written back after a loss. */
  const charge = async (
    t: number,
    id: string,
    costUsd: number,
    scopes: readonly string[],
    buckets: SettledBuckets | undefined,
    mode: 'settle' | 'record',
  ): Promise<unknown[]> => {
    const settledKeys = [
      keys.settled(buckets?.currentStartMs ?? 0),
      keys.settled(buckets?.previousStartMs ?? 0),
    ];
    const keepMs = buckets?.keepMs ?? 0;
    const reply = await withEpoch(true, (expected) =>
      SETTLE.run(
        redis,
        [keys.budgets, keys.epoch, keys.reservation(id), ...settledKeys, ...scopeKeys(scopes)],
        [t, String(costUsd), id, accumulatorTtlMs, keepMs, mode, windowBuckets, expected, ...scopes],
      ),
    );
    mirror.unhold(id);
    if (reply[0] === 1) {
      scopes.forEach((scope, index) => {
        const bucketTtlMs = Number(reply[3 + 2 * index]);
        mirror.charge(scope, String(reply[2 + 2 * index]), costUsd, t + bucketTtlMs, t);
      });
    }
    return reply;
  };

  return {
    prices,
    async setBudget(scope, budget) {
      checkScope(scope);
      const encoded = budget === undefined ? undefined : encodeBudget(scope, budget);
      begin();
      epoch.remember(scope, encoded);
      await epoch.current();
      await redisCall(() =>
        encoded === undefined ? redis.hdel(keys.budgets, scope) : redis.hset(keys.budgets, scope, encoded),
      );
    },
    async reserve(worstCase, reserveOptions = {}) {
      const amountUsd = costOf(prices, worstCase);
      const scopes = resolveBudgetScopes(reserveOptions.scopes);
      const ttlMs = checkDuration(reserveOptions.ttlMs ?? defaultReservationTtlMs, 'ttlMs');
      const id = generateId();
      const t = begin();
      const expiresAt = t + ttlMs;
      const budgetId = reserveOptions.budgetId ?? '';
      const reply = (await withEpoch(false, (expected) =>
        RESERVE.run(
          redis,
          [keys.budgets, keys.epoch, keys.reservation(id), ...scopeKeys(scopes)],
          [t, String(amountUsd), expiresAt, id, accumulatorTtlMs, ttlMs, budgetId, expected, ...scopes],
        ),
      )) as [number, string?, string?, string?];
      if (reply[0] === 3) {
        const retryAfterMs = Math.ceil(Number(reply[1]));
        throw new MeshError(
          `ledger "${name}" is restoring its budgets after Redis lost its data: retry in ${retryAfterMs} ms`,
          'resource_exhausted',
          { details: { reason: 'LEDGER_RESTORING', retryAfterMs, requestedUsd: amountUsd } },
        );
      }
      if (Number(reply[0]) !== 1) {
        const scope = reply[1] ?? GLOBAL_SCOPE;
        const remainingUsd = Math.max(0, Number(reply[2]));
        throw new MeshError(
          `budget "${scope}" would be exceeded: ${amountUsd.toFixed(6)} USD needed, ${remainingUsd.toFixed(6)} USD remaining`,
          'resource_exhausted',
          {
            details: {
              scope,
              remainingUsd,
              requestedUsd: amountUsd,
              limit: Number(reply[3]),
              limitUnit: 'usd',
            },
          },
        );
      }
      mirror.hold({ id, scopes, amountUsd, expiresAt, budgetId }, t);
      return { id, scopes, amountUsd, expiresAt };
    },
    async settle(reservation, actual) {
      const costUsd = costOf(prices, actual);
      const id = checkReservationId(reservation);
      const scopes = resolveBudgetScopes(reservation.scopes);
      const t = begin();
      const buckets = settledBuckets(t, settledRetentionMs);
      const reply = await charge(t, id, costUsd, scopes, buckets, 'settle');
      return { reservationId: id, costUsd: Number(reply[1]) };
    },
    async release(reservation) {
      const id = checkReservationId(reservation);
      const scopes = resolveBudgetScopes(reservation.scopes);
      begin();
      mirror.unhold(id);
      await RELEASE.run(redis, [keys.reservation(id), ...scopes.map((scope) => keys.held(scope))], [id]);
    },
    async record(actual, recordOptions = {}) {
      const costUsd = costOf(prices, actual);
      const scopes = resolveBudgetScopes(recordOptions.scopes);
      const id = generateId();
      if (id.includes(':')) throw new MeshError('generateId must not return ":"', 'internal');
      // A record is a settlement without a reservation: the same script, with a reservation that never existed.
      await charge(begin(), id, costUsd, scopes, undefined, 'record');
      return { reservationId: id, costUsd };
    },
    async status(scope = GLOBAL_SCOPE) {
      checkScope(scope);
      const [status] = await statuses([scope]);
      return status!;
    },
    async advise(scopes) {
      const resolved = resolveBudgetScopes(scopes);
      let tightest = 1;
      for (const status of await statuses(resolved)) {
        if (!Number.isFinite(status.limitUsd)) continue;
        const ratio = status.limitUsd === 0 ? 0 : status.remainingUsd / status.limitUsd;
        tightest = Math.min(tightest, ratio);
      }
      return adviseTier(tightest, thresholds);
    },
    async close() {
      closed = true;
      epoch.close();
    },
  };
}
