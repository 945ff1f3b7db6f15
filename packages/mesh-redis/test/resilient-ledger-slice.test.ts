// Issue 12 item 6: the outage slice is reserved against every budget the spend counts toward, so a replica
// cut off from Redis never spends on a budget that was already exhausted. Own redis-server, killed mid-test.
import { eventually } from '@kidsstories/mesh-core/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createRedisConnection, createRedisCostLedger, type RedisConnection } from '../src/index.js';
import { type OwnRedisServer, startOwnRedisServer } from './support/redis-test-env.js';
import { createTestResilientPorts } from './support/resilient-test-ports.js';

let server: OwnRedisServer;
let connection: RedisConnection;
beforeEach(async () => {
  server = await startOwnRedisServer();
  connection = createRedisConnection({
    url: server.url,
    instanceId: 'gateway-1',
    reconnectBaseMs: 10,
    reconnectMaxMs: 100,
    commandTimeoutMs: 1_000,
  });
  await connection.ready();
});
afterEach(async () => {
  await connection.close();
  await server.stop();
});

it('leases the outage slice against every budget seen, leaving out an exhausted one, and refuses it while degraded', {
  timeout: 20_000,
}, async () => {
  const ledger = createRedisCostLedger({
    connection,
    budgets: { global: { limitUsd: 10 }, day: { limitUsd: 1 } },
  });
  const ports = createTestResilientPorts(connection, ledger, {
    ledgerSliceUsd: 0.5,
    resyncCheckMs: 50,
  });
  try {
    const test = (costUsd: number) => ({ model: 'test', costUsd });
    // `day` has 0.25 left: a 0.5 slice cannot count toward it, so it is leased without `day`.
    await ports.ledger.settle(await ports.ledger.reserve(test(0.75), { scopes: ['day'] }), test(0.75));
    await ports.ledger.release(await ports.ledger.reserve(test(0.125), { scopes: ['tool:generate_image'] }));
    await eventually(async () => expect((await ledger.status('tool:generate_image')).reservedUsd).toBe(0.5));
    expect((await ledger.status('day')).reservedUsd).toBe(0);
    expect((await ledger.status('global')).reservedUsd).toBe(0.5);

    await server.kill();
    await eventually(() => expect(ports.mode()).toBe('fallback'));
    await expect(ports.ledger.reserve(test(0.125), { scopes: ['day'] })).rejects.toMatchObject({
      code: 'resource_exhausted',
      details: { scope: 'day', reason: 'SLICE_DOES_NOT_COVER_SCOPE' },
    });
    await expect(ports.ledger.reserve(test(0.125), { scopes: ['tool:never-seen'] })).rejects.toMatchObject({
      code: 'resource_exhausted',
      details: { scope: 'tool:never-seen' },
    });
    const held = await ports.ledger.reserve(test(0.25), { scopes: ['tool:generate_image'] });
    expect(held.amountUsd).toBe(0.25);
    await expect(ports.ledger.reserve(test(0.5), { scopes: ['tool:generate_image'] })).rejects.toMatchObject({
      code: 'resource_exhausted',
    });
  } finally {
    await ports.close();
  }
});
