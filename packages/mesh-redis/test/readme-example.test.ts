// The README's example, run against REDIS_URL under a unique prefix (house style rule 20: examples run).
import { withLock } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createRedisCircuitStateStore,
  createRedisConnection,
  createRedisCostLedger,
  createRedisEventBus,
  createRedisLock,
  createRedisStateStore,
} from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

const keyPrefix = uniquePrefix('readme');
beforeAll(requireRedis);
afterAll(() => deletePrefix(REDIS_URL, keyPrefix));

it('runs the README example', async () => {
  const connection = createRedisConnection({ url: REDIS_URL, keyPrefix, instanceId: 'gateway-1' });
  await connection.ready();

  const state = createRedisStateStore({ connection });
  const lock = createRedisLock({ connection });
  const events = createRedisEventBus({ connection });
  const circuitState = createRedisCircuitStateStore({ connection });
  const ledger = createRedisCostLedger({
    connection,
    prices: { 'gpt-4o-mini': { inputPerMillionTokensUsd: 0.15, outputPerMillionTokensUsd: 0.6 } },
    budgets: { day: { limitUsd: 5, windowMs: 86_400_000 } },
  });

  await state.hashSet('character-guide:2026-11-24', { hero: 'Mila the otter' }, { ttlMs: 86_400_000 });

  const token = await withLock(lock, 'generation:2026-11-24:4-6', async (_signal, lease) => {
    const held = await ledger.reserve(
      { model: 'gpt-4o-mini', inputTokens: 2_000, outputTokens: 1_500 },
      { scopes: ['day'] },
    );
    await ledger.settle(held, { model: 'gpt-4o-mini', inputTokens: 1_800, outputTokens: 1_200 });
    await events.publish('story.complete', {
      type: 'story.complete',
      source: 'gateway-1',
      time: Date.now(),
      data: {},
    });
    return lease.fencingToken;
  });

  expect(token).toBeGreaterThan(0);
  const day = await ledger.status('day');
  expect(day.spentUsd).toBeCloseTo((1_800 * 0.15 + 1_200 * 0.6) / 1_000_000, 12);
  expect(day.limitUsd).toBe(5);
  expect(await circuitState.get('peer:media')).toBeUndefined();
  expect(await state.hashGet('character-guide:2026-11-24', 'hero')).toBe('Mila the otter');
  await Promise.all([state.close(), lock.close(), events.close(), circuitState.close(), ledger.close()]);
  await connection.close();
});
