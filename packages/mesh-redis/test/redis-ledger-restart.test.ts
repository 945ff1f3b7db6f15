// Issue 12 item 5: budgets and spending survive a Redis restart, with and without persistence. Each test starts
// its own `redis-server` on a free port and kills it (SIGKILL) in the middle of 50 concurrent reservers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CostLedger, MeshError } from '@kidsstories/mesh-core';
import type { Reservation } from '@kidsstories/mesh-core/ports';
import { delay, eventually } from '@kidsstories/mesh-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisConnection, createRedisCostLedger, type RedisConnection } from '../src/index.js';
import { type OwnRedisServer, startOwnRedisServer } from './support/redis-test-env.js';

const LIMIT_USD = 20;
const usd = (costUsd: number) => ({ model: 'test', costUsd });

/** Retries `call` while Redis is away (`unavailable`); anything else is thrown. */
async function whileRedisAway<T>(call: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(MeshError.isInstance(error) && error.code === 'unavailable') || performance.now() > deadline) {
        throw error;
      }
      await delay(20);
    }
  }
}

describe('Redis cost ledger across a Redis restart (own redis-server)', () => {
  let server: OwnRedisServer | undefined;
  let persistDir: string | undefined;
  const connections: RedisConnection[] = [];

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await server?.stop();
    if (persistDir) await rm(persistDir, { recursive: true, force: true });
    persistDir = undefined;
  });

  const replicas = async (count: number, url: string): Promise<CostLedger[]> =>
    await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const connection = createRedisConnection({
          url,
          instanceId: `replica-${index}`,
          reconnectBaseMs: 10,
          reconnectMaxMs: 100,
          commandTimeoutMs: 1_000,
        });
        connections.push(connection);
        await connection.ready();
        return createRedisCostLedger({
          connection,
          budgets: { day: { limitUsd: LIMIT_USD, windowMs: 86_400_000 } },
          restoreQuarantineMs: 1_000,
        });
      }),
    );

  /**
   * 50 reservers on 5 replicas until the budget is used up (within 0.5 USD of the limit; at most 15 s, so a ledger
   * that never grants again after the restart fails the test rather than hanging it); Redis is killed after 300 ms
   * and back 200 ms later. Not a fixed window: on a loaded machine a few seconds may not reach the limit.
   */
  const runAcrossRestart = async (own: OwnRedisServer) => {
    const ledgers = await replicas(5, own.url);
    const started = performance.now();
    const deadline = started + 15_000;
    let spentUsd = 0;
    let granted = 0;
    const reserver = async (index: number) => {
      const ledger = ledgers[index % ledgers.length]!;
      while (spentUsd <= LIMIT_USD - 0.5 && performance.now() < deadline) {
        let held: Reservation;
        try {
          held = await ledger.reserve(usd(0.25), { scopes: ['day'] });
        } catch (error) {
          if (!MeshError.isInstance(error)) throw error;
          expect(['resource_exhausted', 'unavailable']).toContain(error.code);
          await delay(20);
          continue;
        }
        granted += 1;
        await delay(20 + Math.random() * 40);
        const actual = 0.05 + Math.random() * 0.2;
        // The call happened: its cost is spent whether or not Redis hears of it at once.
        spentUsd += actual;
        await whileRedisAway(() => ledger.settle(held, usd(actual)), deadline + 5_000);
        await delay(50 + Math.random() * 100);
      }
    };
    const crash = (async () => {
      await delay(300);
      await own.kill();
      await delay(200);
      await own.start();
    })();
    await Promise.all([crash, ...Array.from({ length: 50 }, (_, index) => reserver(index))]);
    const status = await eventually(() => ledgers[0]!.status('day'), { timeoutMs: 5_000 });
    return { spentUsd, granted, status };
  };

  it('without persistence: budgets and spending are written back, overshoot 0', {
    timeout: 30_000,
  }, async () => {
    server = await startOwnRedisServer();
    const { spentUsd, granted, status } = await runAcrossRestart(server);
    expect(spentUsd).toBeLessThanOrEqual(LIMIT_USD + 1e-9);
    // The budget was reached (so the test exercised the limit) and Redis knows every dollar spent.
    expect(spentUsd).toBeGreaterThan(LIMIT_USD - 0.5);
    expect(granted).toBeGreaterThan(80);
    expect(status.limitUsd).toBe(LIMIT_USD);
    expect(status.spentUsd).toBeCloseTo(spentUsd, 6);
  });

  it('with persistence (appendfsync always): overshoot 0', { timeout: 30_000 }, async () => {
    persistDir = await mkdtemp(join(tmpdir(), 'ledger-restart-'));
    server = await startOwnRedisServer({ persistDir });
    const { spentUsd, status } = await runAcrossRestart(server);
    expect(spentUsd).toBeLessThanOrEqual(LIMIT_USD + 1e-9);
    expect(spentUsd).toBeGreaterThan(LIMIT_USD - 0.5);
    expect(status.limitUsd).toBe(LIMIT_USD);
    expect(status.spentUsd).toBeCloseTo(spentUsd, 6);
  });

  it('after a FLUSHALL, re-establishes the budget; a replica given no budgets fails closed until then', {
    timeout: 15_000,
  }, async () => {
    server = await startOwnRedisServer();
    const [configured] = await replicas(1, server.url);
    const connection = createRedisConnection({ url: server.url, instanceId: 'bare' });
    connections.push(connection);
    await connection.ready();
    const bare = createRedisCostLedger({ connection, restoreQuarantineMs: 200 });
    await configured!.record(usd(19), { scopes: ['day'] });
    expect((await bare.status('day')).remainingUsd).toBe(1);
    await connection.client.flushall();
    // The bare replica cannot know the budget: it refuses rather than spend without a limit.
    await expect(bare.reserve(usd(0.25), { scopes: ['day'] })).rejects.toMatchObject({
      code: 'failed_precondition',
      details: { reason: 'LEDGER_BUDGETS_UNKNOWN' },
    });
    // The configured replica restores the budget and its own 19 USD; reservations wait out the quarantine.
    await expect(configured!.reserve(usd(0.25), { scopes: ['day'] })).rejects.toMatchObject({
      code: 'resource_exhausted',
      details: { reason: 'LEDGER_RESTORING' },
    });
    expect(await bare.status('day')).toMatchObject({ limitUsd: LIMIT_USD, spentUsd: 19 });
    await delay(1_100);
    await configured!.reserve(usd(0.75), { scopes: ['day'] });
    await expect(bare.reserve(usd(0.5), { scopes: ['day'] })).rejects.toMatchObject({
      code: 'resource_exhausted',
      details: { scope: 'day' },
    });
  });
});
