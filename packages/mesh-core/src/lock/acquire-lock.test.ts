import { describe, expect, it } from 'vitest';
import { abortError } from '../errors/abort-error.js';
import { MeshError } from '../errors/mesh-error.js';
import { createMemoryLock } from '../memory/memory-lock.js';
import type { DistributedLock } from '../ports/distributed-lock.js';
import { backoffDelayMs } from '../resilience/backoff.js';
import { createManualClock, expectMeshError } from '../testing/index.js';
import { acquireLock, createTimerSleep, DEFAULT_ACQUIRE_LOCK, type Sleep } from './acquire-lock.js';

describe('backoffDelayMs', () => {
  it('draws full jitter under a cap that doubles from 50 ms to 800 ms', () => {
    const almostOne = () => 0.999_999;
    const caps = [50, 100, 200, 400, 800, 800, 800];
    caps.forEach((cap, attempt) => {
      expect(backoffDelayMs(attempt, DEFAULT_ACQUIRE_LOCK, almostOne)).toBeLessThan(cap);
      expect(backoffDelayMs(attempt, DEFAULT_ACQUIRE_LOCK, almostOne)).toBeGreaterThan(cap * 0.999);
      expect(backoffDelayMs(attempt, DEFAULT_ACQUIRE_LOCK, () => 0)).toBe(0);
      expect(backoffDelayMs(attempt, DEFAULT_ACQUIRE_LOCK, () => 0.5)).toBe(cap / 2);
    });
    expect(backoffDelayMs(1_000, DEFAULT_ACQUIRE_LOCK, almostOne)).toBeLessThan(800);
  });
});

describe('acquireLock', () => {
  it('retries with bounded backoff until the holder lets go', async () => {
    const clock = createManualClock();
    const lock = createMemoryLock({ now: clock.now });
    const holder = (await lock.tryAcquire('k', { ttlMs: 60_000 }))!;
    const delays: number[] = [];
    const lease = await acquireLock(lock, 'k', {
      now: clock.now,
      random: () => 0.75,
      sleep: async (ms) => {
        delays.push(ms);
        clock.advance(ms);
        if (delays.length === 6) await lock.release(holder);
      },
    });
    expect(delays).toEqual([37.5, 75, 150, 300, 600, 600]);
    expect(lease.fencingToken).toBe(2);
    expect(lease.expiresAt).toBe(clock.now() + 300_000);
  });

  it('gives up with aborted after acquireTimeoutMs, never sleeping past it', async () => {
    const clock = createManualClock();
    const lock = createMemoryLock({ now: clock.now });
    await lock.tryAcquire('k', { ttlMs: 60_000 });
    const delays: number[] = [];
    const error = await expectMeshError(
      acquireLock(lock, 'k', {
        acquireTimeoutMs: 2_000,
        now: clock.now,
        random: () => 0.999,
        sleep: async (ms) => {
          delays.push(ms);
          clock.advance(ms);
        },
      }),
      'aborted',
    );
    expect(error.details).toMatchObject({ key: 'k', waitedMs: 2_000, reason: 'lock_busy' });
    expect(delays.reduce((sum, ms) => sum + ms, 0)).toBeCloseTo(2_000, 3);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
  });

  it('tries exactly once with acquireTimeoutMs 0', async () => {
    const lock = createMemoryLock();
    await lock.tryAcquire('k');
    let slept = false;
    const sleep = async () => {
      slept = true;
    };
    await expectMeshError(acquireLock(lock, 'k', { acquireTimeoutMs: 0, sleep }), 'aborted');
    expect(slept).toBe(false);
  });

  it('stops on abort: canceled for an abort, deadline_exceeded for a timeout signal', async () => {
    const lock = createMemoryLock();
    await lock.tryAcquire('k');
    const controller = new AbortController();
    const waiting = acquireLock(lock, 'k', { signal: controller.signal, acquireTimeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 20);
    await expectMeshError(waiting, 'canceled');
    await expectMeshError(
      acquireLock(lock, 'k', { signal: AbortSignal.timeout(30), acquireTimeoutMs: 60_000 }),
      'deadline_exceeded',
    );
  });

  it('sleeps on a real timer that an abort cuts short', async () => {
    const sleep = createTimerSleep(false);
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const cut = sleep(10_000, controller.signal);
    controller.abort();
    await expectMeshError(cut, 'canceled');
  });

  it('wakes on the release notification instead of sleeping out the backoff', async () => {
    const lock = createMemoryLock();
    const holder = (await lock.tryAcquire('k', { ttlMs: 60_000 }))!;
    const slept: number[] = [];
    // A sleep that only ends by abort: the acquisition can only complete through waitForRelease.
    const sleep: Sleep = (ms, signal) =>
      new Promise((_, reject) => {
        slept.push(ms);
        signal?.addEventListener('abort', () => reject(abortError(signal)), { once: true });
      });
    const acquiring = acquireLock(lock, 'k', { sleep, random: () => 0.5 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(slept).toEqual([25]);
    await lock.release(holder);
    const lease = await acquiring;
    expect(lease.fencingToken).toBe(2);
    expect(slept).toEqual([25]);
  });

  it('keeps the backoff when waitForRelease fails', async () => {
    const inner = createMemoryLock();
    const holder = (await inner.tryAcquire('k', { ttlMs: 60_000 }))!;
    const lock: DistributedLock = {
      ...inner,
      waitForRelease: async () => {
        throw new MeshError('no pub/sub', 'unavailable');
      },
    };
    const delays: number[] = [];
    const lease = await acquireLock(lock, 'k', {
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 3) await inner.release(holder);
      },
    });
    expect(delays).toEqual([25, 50, 100]);
    expect(lease.fencingToken).toBe(2);
  });
});
