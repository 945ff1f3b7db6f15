import type { CostLedger, Usage } from '@kidsstories/mesh-core';
import { createManualClock, createMemoryCostLedger } from '@kidsstories/mesh-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisConnection, createRedisCostLedger, type RedisConnection } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

const usd = (costUsd: number): Usage => ({ model: 'test', costUsd });
/** List prices of two models, given to both ledgers compared below (a ledger prices nothing by itself). */
const PRICES = {
  'dall-e-3': { perImageUsd: 0.04 },
  'gpt-4o': { inputPerMillionTokensUsd: 2.5, outputPerMillionTokensUsd: 10 },
};

describe('createRedisCostLedger', () => {
  const connections: RedisConnection[] = [];
  let prefix: string;
  const replica = async (options: Omit<Parameters<typeof createRedisCostLedger>[0], 'connection'> = {}) => {
    const connection = createRedisConnection({ url: REDIS_URL, keyPrefix: prefix });
    connections.push(connection);
    await connection.ready();
    return createRedisCostLedger({ connection, ...options });
  };

  beforeEach(async () => {
    await requireRedis();
    prefix = uniquePrefix('ledger');
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await deletePrefix(REDIS_URL, prefix);
  });

  it('50 concurrent reservers on 5 replicas never settle more than the budget', async () => {
    const replicas = await Promise.all(Array.from({ length: 5 }, () => replica()));
    await replicas[0]!.setBudget('day', { limitUsd: 3 });
    // Each reserver reserves a worst case of 0.25 and settles a random actual cost up to that worst case.
    const settled = await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        const ledger = replicas[index % replicas.length]!;
        try {
          const held = await ledger.reserve(usd(0.25), { scopes: ['day'] });
          const actual = 0.05 + Math.random() * 0.2;
          return (await ledger.settle(held, usd(actual))).costUsd;
        } catch (error) {
          expect(error).toMatchObject({ code: 'resource_exhausted' });
          return 0;
        }
      }),
    );
    const total = settled.reduce((sum, cost) => sum + cost, 0);
    const status = await replicas[1]!.status('day');
    expect(status.spentUsd).toBeCloseTo(total, 9);
    expect(status.spentUsd).toBeLessThanOrEqual(3 + 1e-9);
    expect(settled.filter((cost) => cost > 0).length).toBeGreaterThanOrEqual(12);
    expect(status.reservedUsd).toBe(0);
  });

  it('gives the same answers as the in-memory ledger for the same sequence and clock', async () => {
    const clock = createManualClock(1_700_000_000_000);
    let counter = 0;
    const generateId = () => {
      counter += 1;
      return `id-${counter}`;
    };
    const memory = createMemoryCostLedger({
      prices: PRICES,
      now: clock.now,
      generateId: () => `m-${generateId()}`,
    });
    const redis = await replica({ prices: PRICES, now: clock.now, generateId });
    const both = async <T>(call: (ledger: CostLedger) => Promise<T>) => {
      const results = await Promise.allSettled([call(memory), call(redis)]);
      return results.map((result) =>
        result.status === 'fulfilled' ? result.value : { error: (result.reason as { code: string }).code },
      );
    };
    const same = async (call: (ledger: CostLedger) => Promise<unknown>) => {
      const [fromMemory, fromRedis] = await both(call);
      expect(fromRedis).toEqual(fromMemory);
    };
    await both((ledger) => ledger.setBudget('global', { limitUsd: 2, windowMs: 60_000 }));
    await both((ledger) => ledger.setBudget('tool:image', { limitUsd: 0.5 }));
    const [heldMemory, heldRedis] = (await both((ledger) =>
      ledger.reserve({ model: 'dall-e-3', images: 2 }, { scopes: ['tool:image'], ttlMs: 10_000 }),
    )) as [Awaited<ReturnType<CostLedger['reserve']>>, Awaited<ReturnType<CostLedger['reserve']>>];
    expect(heldRedis.amountUsd).toBe(heldMemory.amountUsd);
    expect(heldRedis.expiresAt).toBe(heldMemory.expiresAt);
    await same((ledger) => ledger.status('tool:image'));
    await same((ledger) => ledger.advise(['tool:image']));
    await same((ledger) =>
      ledger.reserve(usd(0.45), { scopes: ['tool:image'] }).then((held) => held.amountUsd),
    );
    await same((ledger) =>
      ledger.record({ model: 'gpt-4o', inputTokens: 100_000, outputTokens: 50_000 }).then((s) => s.costUsd),
    );
    await same((ledger) => ledger.status('global'));
    clock.advance(10_001);
    await same((ledger) => ledger.status('tool:image'));
    await both((ledger) =>
      ledger.settle(ledger === memory ? heldMemory : heldRedis, { model: 'dall-e-3', images: 1 }),
    );
    await same((ledger) => ledger.status('tool:image'));
    await same((ledger) => ledger.advise(['tool:image']));
    clock.advance(60_000);
    await same((ledger) => ledger.status('global'));
    await same((ledger) => ledger.advise());
  });

  it('keeps accumulators with a TTL and rejects a reservation id with ":"', async () => {
    const ledger = await replica({ accumulatorTtlMs: 120_000 });
    await ledger.record(usd(0.1), { scopes: ['server:media'] });
    const ttl = await connections[0]!.client.pttl(`${prefix}ledger:{default}:spend:server:media`);
    // The window plus what is left of the current bucket (120 s / 60 = 2 s).
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(122_000);
    await expect(
      ledger.settle({ id: 'a:b', scopes: ['global'], amountUsd: 1, expiresAt: 0 }, usd(1)),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('createRedisCostLedger memory bound (issue 20)', () => {
  let connection: RedisConnection;
  let prefix: string;
  beforeEach(async () => {
    await requireRedis();
    prefix = uniquePrefix('ledger-bound');
    connection = createRedisConnection({ url: REDIS_URL, keyPrefix: prefix });
    await connection.ready();
  });
  afterEach(async () => {
    await connection.close();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('holds scopes x buckets, calls in flight and settlements grouped per 10 min, not one key per call', {
    timeout: 60_000,
  }, async () => {
    const clock = createManualClock();
    const ledger = createRedisCostLedger({ connection, now: clock.now, budgets: { day: { limitUsd: 1e9 } } });
    const scopes = ['day', 'server:text', 'tool:generate_story'];
    const inFlight: Awaited<ReturnType<CostLedger['reserve']>>[] = [];
    // 2 000 calls, one every 4 s of clock (2.2 h: more than two 1 h windows), 5 always in flight.
    for (let call = 0; call < 2_000; call += 1) {
      inFlight.push(await ledger.reserve(usd(0.001), { scopes, ttlMs: 30_000 }));
      if (inFlight.length > 5) await ledger.settle(inFlight.shift()!, usd(0.0005));
      clock.advance(4_000);
    }
    const client = connection.client;
    const base = `${prefix}ledger:{default}`;
    for (const scope of ['global', ...scopes]) {
      expect(await client.hlen(`${base}:spend:${scope}`)).toBeLessThanOrEqual(61);
      expect(await client.zcard(`${base}:held:${scope}`)).toBe(5);
    }
    const all: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${base}:*`, 'COUNT', 1_000);
      cursor = next;
      all.push(...found);
    } while (cursor !== '0');
    const kinds = (kind: string) => all.filter((key) => key.startsWith(`${base}:${kind}:`)).length;
    expect(kinds('reservation')).toBe(5);
    // One settlement hash per 10 min of settling (Redis keeps each 20 min of its own clock; this clock ran 133 min).
    expect(kinds('settled')).toBeLessThanOrEqual(15);
    expect(kinds('spend') + kinds('held')).toBe(8);
    // Plus the budgets, the budget epoch and the hash of replicas that wrote into it.
    expect(all.length).toBe(kinds('reservation') + kinds('settled') + 8 + 3);
    await ledger.close();
  });
});
