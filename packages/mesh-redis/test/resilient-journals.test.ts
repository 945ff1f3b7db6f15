// Issue 20 item 2: what the resilient ports keep for Redis while Redis is away does not grow with the calls made
// meanwhile. The Redis side here is an in-memory ledger behind a controller switched by hand, so the outage is as
// long as the test wants and nothing depends on timing.
import {
  createMemoryCostLedger,
  createMemoryStateStore,
  MeshError,
  silentLogger,
} from '@kidsstories/mesh-core';
import { describe, expect, it } from 'vitest';
import type {
  FailoverController,
  ResilienceMode,
  ResyncTask,
} from '../src/resilience/failover-controller.js';
import { createResilientCostLedger } from '../src/resilience/resilient-cost-ledger.js';
import { createResilientStateStore } from '../src/resilience/resilient-state-store.js';

/** A controller whose mode the test sets; `resync()` runs the tasks as a reconnect would. */
function manualController() {
  let mode: ResilienceMode = 'redis';
  const tasks: ResyncTask[] = [];
  const controller: FailoverController = {
    mode: () => mode,
    degrade: () => {
      mode = 'fallback';
    },
    route: async (onRedis, onFallback) => (mode === 'redis' ? onRedis() : onFallback()),
    addResyncTask: (task) => {
      tasks.push(task);
    },
    onEvent: () => () => {},
    close: () => {},
  };
  return {
    controller,
    degrade: () => controller.degrade('test'),
    async resync() {
      mode = 'resyncing';
      for (const task of tasks) await task();
      mode = 'redis';
    },
  };
}

describe('createResilientCostLedger while Redis is away', () => {
  it('merges the spending it records per scope set, so its journal stays small however many calls (issue 20)', async () => {
    const redis = createMemoryCostLedger({ budgets: {} });
    const { controller, degrade, resync } = manualController();
    const ledger = createResilientCostLedger({
      redis,
      controller,
      logger: silentLogger,
      sliceUsd: 0,
      sliceTtlMs: 60_000,
      now: Date.now,
    });
    const inFlight = await ledger.reserve({ model: 'test', costUsd: 0.5 }, { scopes: ['tool:write_line'] });
    degrade();
    // 20 000 calls recorded during the outage, on two scope sets.
    for (let index = 0; index < 20_000; index += 1) {
      const scopes = index % 2 === 0 ? ['tool:write_line'] : ['tool:draw_page', 'day'];
      await ledger.record({ model: 'test', costUsd: 0.001 }, { scopes });
    }
    // The reservation Redis held before the outage is settled meanwhile: journalled as itself.
    await ledger.settle(inFlight, { model: 'test', costUsd: 0.25 });
    // Two merged records and one settle, not 20 001 entries.
    expect(ledger.journalSize()).toBe(3);

    await resync();
    expect(ledger.journalSize()).toBe(0);
    expect((await redis.status('tool:write_line')).spentUsd).toBeCloseTo(10 + 0.25, 6);
    expect((await redis.status('tool:draw_page')).spentUsd).toBeCloseTo(10, 6);
    expect((await redis.status('global')).spentUsd).toBeCloseTo(20 + 0.25, 6);
    expect((await redis.status('global')).reservedUsd).toBe(0);
  });

  it('keeps a merged record for the next resync when Redis goes away again during the replay', async () => {
    const redis = createMemoryCostLedger({ budgets: {} });
    const { controller, degrade, resync } = manualController();
    let failing = false;
    const flaky = {
      ...redis,
      record: (...args: Parameters<typeof redis.record>) =>
        failing ? Promise.reject(new MeshError('redis is away', 'unavailable')) : redis.record(...args),
    };
    const ledger = createResilientCostLedger({
      redis: flaky,
      controller,
      logger: silentLogger,
      sliceUsd: 0,
      sliceTtlMs: 60_000,
      now: Date.now,
    });
    degrade();
    await ledger.record({ model: 'test', costUsd: 0.5 }, { scopes: ['day'] });
    failing = true;
    await expect(resync()).rejects.toMatchObject({ code: 'unavailable' });
    expect(ledger.journalSize()).toBe(1);
    failing = false;
    await resync();
    expect(ledger.journalSize()).toBe(0);
    expect((await redis.status('day')).spentUsd).toBeCloseTo(0.5, 6);
  });
});

describe('createResilientStateStore while Redis is away', () => {
  it('journals at most maxJournalEntries writes, then refuses with resource_exhausted, and replays them', async () => {
    const redis = createMemoryStateStore();
    const { controller, degrade, resync } = manualController();
    const store = createResilientStateStore({
      redis,
      fallback: createMemoryStateStore(),
      controller,
      logger: silentLogger,
      maxJournalEntries: 100,
    });
    degrade();
    for (let index = 0; index < 100; index += 1) {
      await store.hashSet(`run:${index}`, { status: 'done' }, { ttlMs: 60_000 });
    }
    await expect(store.hashSet('run:100', { status: 'done' })).rejects.toMatchObject({
      code: 'resource_exhausted',
      details: { limit: 100, limitUnit: 'writes' },
    });
    await resync();
    expect(await redis.hashGet('run:99', 'status')).toBe('done');
    expect(await redis.hashGet('run:100', 'status')).toBeUndefined();
    // Journal emptied by the replay: writes go through again.
    await store.hashSet('run:100', { status: 'done' });
    expect(await redis.hashGet('run:100', 'status')).toBe('done');
  });
});
