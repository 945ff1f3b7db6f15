import { randomUUID } from 'node:crypto';
import { type CostLedger, type Logger, MeshError, type Usage } from '@kidsstories/mesh-core';
import {
  adviseTier,
  type BudgetStatus,
  costOf,
  GLOBAL_SCOPE,
  type Reservation,
  type ReserveOptions,
  resolveBudgetScopes,
} from '@kidsstories/mesh-core/ports';
import type { FailoverController } from './failover-controller.js';

/** @internal */
export interface ResilientCostLedgerOptions {
  redis: CostLedger;
  controller: FailoverController;
  logger: Logger;
  /** USD held in Redis ahead of time and spendable while Redis is away; 0 rejects every reservation then. */
  sliceUsd: number;
  /** Lifetime of the slice reservation, in milliseconds; renewed at half. */
  sliceTtlMs: number;
  now: () => number;
}

/** @internal A ledger that spends from a slice leased ahead of time while Redis is away. */
export interface ResilientCostLedger extends CostLedger {
  /** USD left in the slice (meaningful while degraded). */
  sliceRemainingUsd(): number;
  /** Writes waiting for Redis: journalled calls plus merged records (for tests and sizing). */
  journalSize(): number;
}

/** Spending recorded while Redis is away, merged per scope set and budget id. */
interface MergedRecord {
  options: Pick<ReserveOptions, 'scopes' | 'budgetId'>;
  costUsd: number;
}

/** The model name a merged record is replayed under (its cost is given, so no price is looked up). */
const MERGED_RECORD_MODEL = 'journalled-spend';

/** Most scopes one slice is leased against; reservations on other scopes are refused while degraded. */
const MAX_SLICE_SCOPES = 64;

/**
 * @internal While Redis answers, every call goes to the Redis ledger, and this replica keeps a reservation
 * of `sliceUsd` there (renewed at half its TTL) against every scope it has reserved on so far, `global`
 * included (issue 12 item 6): the slice counts toward every budget the spend made from it would count toward.
 * A scope whose budget cannot hold the slice is left out of it. When Redis is lost, reservations are granted
 * locally only when every scope they name is covered by the slice and the amount fits in it, so the replicas
 * together can never overspend any budget by more than the slices they had leased, which Redis already
 * counted. Settlements, records and releases made meanwhile are replayed once Redis is back, then a fresh
 * slice is leased.
 */
export function createResilientCostLedger(options: ResilientCostLedgerOptions): ResilientCostLedger {
  const { redis, controller, logger, now } = options;
  const local = new Map<string, Reservation>();
  const journal: Array<() => Promise<unknown>> = [];
  // Spending recorded while degraded is merged per scope set (issue 20): however long the outage and however
  // many calls it sees, this holds one entry per scope set, and the journal above only the settles and
  // releases of reservations Redis already held (bounded by the calls in flight when it went away) and budgets.
  const mergedRecords = new Map<string, MergedRecord>();
  const journalRecord = (actual: Usage, recordOptions: Pick<ReserveOptions, 'scopes' | 'budgetId'>) => {
    const costUsd = costOf(redis.prices, actual);
    const key = JSON.stringify([recordOptions.scopes ?? null, recordOptions.budgetId ?? null]);
    const merged = mergedRecords.get(key);
    if (merged) merged.costUsd += costUsd;
    else mergedRecords.set(key, { options: recordOptions, costUsd });
  };
  let slice: Reservation | undefined;
  let sliceRemainingUsd = 0;
  let spentUsd = 0;
  let renewTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const seenScopes = new Set<string>();
  let sliceStale = false;
  /** Leases the slice against every scope seen, leaving out (one by one) those whose budget cannot hold it. */
  const leaseOn = async (): Promise<Reservation | undefined> => {
    const scopes = [...seenScopes];
    for (;;) {
      try {
        return await redis.reserve(
          { model: 'resilience-slice', costUsd: options.sliceUsd },
          { scopes, ttlMs: options.sliceTtlMs, budgetId: 'resilience-slice' },
        );
      } catch (error) {
        if (!(MeshError.isInstance(error) && error.code === 'resource_exhausted')) throw error;
        const index = scopes.indexOf(String(error.details.scope));
        if (index < 0) {
          // No headroom on `global` (or the ledger is restoring): spend nothing while degraded.
          logger.warn('could not lease a ledger slice: budget exhausted', {
            sliceUsd: options.sliceUsd,
            scope: error.details.scope,
          });
          return undefined;
        }
        logger.warn('ledger slice leased without a scope whose budget cannot hold it', {
          scope: scopes[index],
        });
        scopes.splice(index, 1);
      }
    }
  };
  const leaseSlice = async () => {
    if (options.sliceUsd <= 0 || closed) return;
    const previous = slice;
    sliceStale = false;
    slice = await leaseOn();
    if (previous) await redis.release(previous).catch(() => {});
    sliceRemainingUsd = slice ? options.sliceUsd : 0;
    spentUsd = 0;
    if (renewTimer) clearTimeout(renewTimer);
    renewTimer = setTimeout(() => {
      renewTimer = undefined;
      if (controller.mode() === 'redis')
        void leaseSlice().catch((error: unknown) => logger.warn('slice renewal failed', { error }));
    }, options.sliceTtlMs / 2);
    renewTimer.unref();
  };
  controller.addResyncTask(async () => {
    while (journal.length > 0) {
      try {
        await journal[0]!();
      } catch (error) {
        if (MeshError.isInstance(error) && error.code === 'unavailable') throw error;
        logger.warn('dropped a journalled ledger write that Redis refused', { error });
      }
      journal.shift();
    }
    for (const [key, merged] of mergedRecords) {
      try {
        await redis.record({ model: MERGED_RECORD_MODEL, costUsd: merged.costUsd }, merged.options);
      } catch (error) {
        if (MeshError.isInstance(error) && error.code === 'unavailable') throw error;
        logger.warn('dropped a journalled ledger record that Redis refused', { error });
      }
      mergedRecords.delete(key);
    }
    local.clear();
    await leaseSlice();
  });
  const ready = controller.mode() === 'redis' ? leaseSlice().catch(() => {}) : Promise.resolve();

  const degradedStatus = (scope: string): BudgetStatus => {
    let reservedUsd = 0;
    for (const reservation of local.values())
      if (reservation.scopes.includes(scope)) reservedUsd += reservation.amountUsd;
    return {
      scope,
      limitUsd: options.sliceUsd,
      spentUsd,
      reservedUsd,
      remainingUsd: Math.max(0, sliceRemainingUsd),
      windowMs: options.sliceTtlMs,
    };
  };

  return {
    prices: redis.prices,
    sliceRemainingUsd: () => sliceRemainingUsd,
    journalSize: () => journal.length + mergedRecords.size,
    setBudget: (scope, budget) =>
      controller.route(
        () => redis.setBudget(scope, budget),
        async () => {
          journal.push(() => redis.setBudget(scope, budget));
        },
      ),
    async reserve(worstCase, reserveOptions = {}) {
      await ready;
      return await controller.route(
        async () => {
          const reservation = await redis.reserve(worstCase, reserveOptions);
          for (const scope of reservation.scopes) {
            if (seenScopes.has(scope) || scope === GLOBAL_SCOPE || seenScopes.size >= MAX_SLICE_SCOPES)
              continue;
            seenScopes.add(scope);
            sliceStale = true;
          }
          if (sliceStale && options.sliceUsd > 0) {
            void leaseSlice().catch((error: unknown) => logger.warn('slice renewal failed', { error }));
          }
          return reservation;
        },
        async () => {
          const amountUsd = costOf(redis.prices, worstCase);
          const scopes = resolveBudgetScopes(reserveOptions.scopes);
          const uncovered = scopes.find((scope) => !slice?.scopes.includes(scope));
          if (uncovered !== undefined) {
            throw new MeshError(
              `redis is unavailable and the leased slice does not count toward budget "${uncovered}"`,
              'resource_exhausted',
              { details: { scope: uncovered, remainingUsd: 0, reason: 'SLICE_DOES_NOT_COVER_SCOPE' } },
            );
          }
          if (amountUsd > sliceRemainingUsd + 1e-9) {
            throw new MeshError(
              `redis is unavailable and the leased slice has ${sliceRemainingUsd.toFixed(6)} USD left`,
              'resource_exhausted',
              {
                details: {
                  scope: GLOBAL_SCOPE,
                  remainingUsd: sliceRemainingUsd,
                  limit: options.sliceUsd,
                  limitUnit: 'usd',
                },
              },
            );
          }
          sliceRemainingUsd -= amountUsd;
          const reservation: Reservation = {
            id: `local-${randomUUID()}`,
            scopes,
            amountUsd,
            expiresAt: now() + (reserveOptions.ttlMs ?? 300_000),
          };
          local.set(reservation.id, reservation);
          return { ...reservation, scopes: [...scopes] };
        },
      );
    },
    async settle(reservation, actual) {
      const held = local.get(reservation.id);
      if (held || reservation.id.startsWith('local-')) {
        const costUsd = costOf(redis.prices, actual);
        if (!held) return { reservationId: reservation.id, costUsd };
        local.delete(reservation.id);
        sliceRemainingUsd += held.amountUsd - costUsd;
        spentUsd += costUsd;
        // Settled on a slice: replayed as a record of the actual usage.
        const scopes = held.scopes.filter((scope) => scope !== GLOBAL_SCOPE);
        await controller.route(
          () => redis.record(actual, { scopes }),
          async () => {
            journalRecord(actual, { scopes });
            return { reservationId: held.id, costUsd };
          },
        );
        return { reservationId: held.id, costUsd };
      }
      return await controller.route(
        () => redis.settle(reservation, actual),
        async () => {
          journal.push(() => redis.settle(reservation, actual));
          return { reservationId: reservation.id, costUsd: costOf(redis.prices, actual) };
        },
      );
    },
    async release(reservation) {
      const held = local.get(reservation.id);
      if (held) {
        local.delete(reservation.id);
        sliceRemainingUsd += held.amountUsd;
        return;
      }
      await controller.route(
        () => redis.release(reservation),
        async () => {
          journal.push(() => redis.release(reservation));
        },
      );
    },
    record: (actual, recordOptions = {}) =>
      controller.route(
        () => redis.record(actual, recordOptions),
        async () => {
          const costUsd = costOf(redis.prices, actual);
          sliceRemainingUsd -= costUsd;
          spentUsd += costUsd;
          journalRecord(actual, recordOptions);
          return { reservationId: `local-${randomUUID()}`, costUsd };
        },
      ),
    status: (scope = GLOBAL_SCOPE) =>
      controller.route(
        () => redis.status(scope),
        async () => degradedStatus(scope),
      ),
    advise: (scopes) =>
      controller.route(
        () => redis.advise(scopes),
        async () => adviseTier(options.sliceUsd <= 0 ? 0 : sliceRemainingUsd / options.sliceUsd),
      ),
    async close() {
      closed = true;
      if (renewTimer) clearTimeout(renewTimer);
      if (slice && controller.mode() === 'redis') await redis.release(slice).catch(() => {});
      await redis.close();
    },
  };
}
