import { randomUUID } from 'node:crypto';
import { generationLockKey } from '@kidsstories/kidsstories-tools/pipeline';
import { silentLogger } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisPorts } from '../src/redis-ports.js';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';
import { callTool } from './support/call-tool.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Replica {
  mesh: ReferenceMesh;
  redis: Awaited<ReturnType<typeof openRedisPorts>>;
}

/**
 * Two replicas of the reference mesh (`kidsstories-mesh start --redis …` twice) in one test process: each has its
 * own Redis connection and in-process nodes; they share the generation lock, breaker state and the budget.
 * Fails (never skips) when no Redis answers at REDIS_URL.
 */
describe('two reference-mesh replicas on one Redis', () => {
  const keyPrefix = `test:replicas:${randomUUID().slice(0, 8)}:`;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    for (const instanceId of ['replica-a', 'replica-b']) {
      const redis = await openRedisPorts({ url: REDIS_URL, instanceId, keyPrefix, logger: silentLogger });
      const mesh = await startReferenceMesh({ ports: redis.ports, instanceId });
      replicas.push({ mesh, redis });
    }
  });
  afterAll(async () => {
    for (const { mesh, redis } of replicas) {
      await mesh.close();
      await redis.close();
    }
  });

  it('share the generation lock: one replica holds it, the other cannot take it', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const key = generationLockKey('2026-11-24', '4-6');
    const lease = await a.redis.ports.lock.tryAcquire(key, { ttlMs: 5_000, owner: 'replica-a' });
    expect(lease).toBeDefined();
    try {
      expect(await b.redis.ports.lock.tryAcquire(key, { ttlMs: 5_000, owner: 'replica-b' })).toBeUndefined();
      expect(await b.redis.ports.lock.holder(key)).toBe(lease?.ownerToken);
    } finally {
      await a.redis.ports.lock.release(lease!);
    }
    const next = await b.redis.ports.lock.tryAcquire(key, { ttlMs: 5_000, owner: 'replica-b' });
    expect(next?.fencingToken).toBeGreaterThan(lease!.fencingToken);
    await b.redis.ports.lock.release(next!);
  });

  it('share the budget: spending through one replica shows on the other', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const before = await callTool(b.mesh.gatewayUrl, 'budget_check', { scopes: ['day'] });
    const spentBefore = (
      before.structuredContent as { scopes: Array<{ scope: string; spentUsd: number }> }
    ).scopes.find((scope) => scope.scope === 'day')?.spentUsd;
    await a.redis.ports.ledger.record({ model: 'gpt-4o', costUsd: 1.25 }, { scopes: ['day'] });
    const after = await callTool(b.mesh.gatewayUrl, 'budget_check', { scopes: ['day'] });
    const day = (
      after.structuredContent as { scopes: Array<{ scope: string; spentUsd: number; limitUsd: number }> }
    ).scopes.find((scope) => scope.scope === 'day');
    expect(day?.limitUsd).toBe(20);
    expect(day?.spentUsd).toBeCloseTo((spentBefore ?? 0) + 1.25, 6);
  });

  it('share breaker state: an open breaker written by one replica is reported by the other', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const target = 'peer:video';
    const current = await a.redis.ports.circuitState.get(target);
    const opened = await a.redis.ports.circuitState.transition(
      target,
      { state: 'open', openedAt: Date.now(), halfOpenAt: Date.now() + 60_000, updatedBy: 'replica-a' },
      current?.version ?? 0,
    );
    expect(opened?.state).toBe('open');
    await expect
      .poll(
        async () => {
          const report = await callTool(b.mesh.gatewayUrl, 'circuit_status', { peer: 'video' });
          const peers = (
            report.structuredContent as { peers: Array<{ peer: string; circuit: { state: string } }> }
          ).peers;
          return peers[0]?.circuit.state;
        },
        { timeout: 2_000, interval: 20 },
      )
      .toBe('open');
    const rejected = await callTool(b.mesh.gatewayUrl, 'select_model', { durationSec: 5 });
    expect(rejected.isError).toBe(true);
    expect(rejected._meta).toMatchObject({ 'io.kidsstories/error': { code: 'unavailable' } });
  });
});
