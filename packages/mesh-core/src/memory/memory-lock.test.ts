import { describe, expect, it } from 'vitest';
import { createManualClock, distributedLockContract, expectMeshError } from '../testing/index.js';
import { createMemoryLock, DEFAULT_LOCK_TTL_MS, memoryLockKeyCount } from './memory-lock.js';

distributedLockContract('memory', async () => {
  const subject = createMemoryLock();
  return { subject, cleanup: () => subject.close() };
});

describe('createMemoryLock', () => {
  it('expires leases by the injected clock, with the 300 s default TTL', async () => {
    const clock = createManualClock();
    const lock = createMemoryLock({ now: clock.now, instanceId: 'gateway-7', random: () => 0.5 });
    const lease = await lock.tryAcquire('generation:2026-11-24:4-6');
    expect(lease).toEqual({
      key: 'generation:2026-11-24:4-6',
      ownerToken: 'gateway-7:8000800080008000',
      fencingToken: 1,
      expiresAt: clock.now() + DEFAULT_LOCK_TTL_MS,
    });
    clock.advance(DEFAULT_LOCK_TTL_MS - 1);
    expect(await lock.holder('generation:2026-11-24:4-6')).toBe(lease?.ownerToken);
    clock.advance(1);
    expect(await lock.holder('generation:2026-11-24:4-6')).toBeUndefined();
    const next = await lock.tryAcquire('generation:2026-11-24:4-6', { owner: 'gateway-8' });
    expect(next?.fencingToken).toBe(2);
    expect(next?.ownerToken.startsWith('gateway-8:')).toBe(true);
  });

  it('keeps nothing for keys no longer held: one counter, expired leases swept (issue 20)', async () => {
    const clock = createManualClock();
    const lock = createMemoryLock({ now: clock.now });
    let previous = 0;
    let largest = 0;
    // 20 000 keys locked once each (a lock per story run): half released, half left to expire.
    for (let index = 0; index < 20_000; index += 1) {
      const lease = (await lock.tryAcquire(`story:${index}`, { ttlMs: 1_000 }))!;
      expect(lease.fencingToken).toBeGreaterThan(previous);
      previous = lease.fencingToken;
      if (index % 2 === 0) await lock.release(lease);
      clock.advance(1);
      largest = Math.max(largest, memoryLockKeyCount(lock) ?? Number.POSITIVE_INFINITY);
    }
    expect(largest).toBeLessThanOrEqual(2 * 1_024 + 1);
    // Tokens keep growing for a key seen before.
    const again = await lock.tryAcquire('story:0');
    expect(again?.fencingToken).toBeGreaterThan(previous);
    await lock.close();
  });

  it('rejects bad keys and TTLs', async () => {
    const lock = createMemoryLock();
    await expectMeshError(lock.tryAcquire(''), 'invalid_argument');
    const error = await expectMeshError(lock.tryAcquire('k', { ttlMs: 0 }), 'invalid_argument');
    expect(error.details.field).toBe('ttlMs');
  });

  it('waitForRelease: true at once when free, on the next release when held, false after timeoutMs', async () => {
    const lock = createMemoryLock();
    expect(await lock.waitForRelease?.('k')).toBe(true);
    const lease = (await lock.tryAcquire('k'))!;
    let woken: boolean | undefined;
    const waiting = lock.waitForRelease!('k').then((value) => {
      woken = value;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBeUndefined();
    // Releasing another key, or a failed release, wakes nobody.
    await lock.release({ ...lease, ownerToken: 'someone-else' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBeUndefined();
    await lock.release(lease);
    await waiting;
    expect(woken).toBe(true);
    await lock.tryAcquire('k');
    expect(await lock.waitForRelease!('k', { timeoutMs: 5 })).toBe(false);
  });

  it('waitForRelease: rejects on abort, on close and for a bad timeout', async () => {
    const lock = createMemoryLock();
    await lock.tryAcquire('k');
    const controller = new AbortController();
    const aborted = lock.waitForRelease!('k', { signal: controller.signal });
    controller.abort();
    await expectMeshError(aborted, 'canceled');
    await expectMeshError(lock.waitForRelease!('k', { timeoutMs: -1 }), 'invalid_argument');
    const closing = lock.waitForRelease!('k');
    await lock.close();
    await expectMeshError(closing, 'failed_precondition');
  });
});
