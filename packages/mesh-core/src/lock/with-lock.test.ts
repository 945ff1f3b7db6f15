import { describe, expect, it, vi } from 'vitest';
import { abortError } from '../errors/abort-error.js';
import { MeshError } from '../errors/mesh-error.js';
import { createMemoryLock } from '../memory/memory-lock.js';
import { createMemoryStateStore } from '../memory/memory-state-store.js';
import type { DistributedLock, LockLease } from '../ports/distributed-lock.js';
import { expectMeshError } from '../testing/index.js';
import type { Sleep } from './acquire-lock.js';
import { withLock } from './with-lock.js';

/** A fake clock with timers: `sleep` waits until `advance` moves the clock past its deadline. */
function createScheduler() {
  let now = 1_000_000;
  const timers = new Set<{ at: number; fire: () => void }>();
  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = () => {
        timers.delete(timer);
        reject(abortError(signal as AbortSignal));
      };
      const timer = {
        at: now + ms,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      timers.add(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep,
    /** Moves time forward, firing due timers in order and letting their effects run. */
    async advance(ms: number) {
      const target = now + ms;
      for (;;) {
        const due = [...timers].filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers.delete(due);
        now = due.at;
        due.fire();
        await settle();
      }
      now = target;
      await settle();
    },
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const TTL = 300_000;

describe('withLock', () => {
  it('runs fn under the lease, keeps it alive every ttl/3, and releases it', async () => {
    const scheduler = createScheduler();
    const lock = createMemoryLock({ now: scheduler.now });
    const key = 'generation:2026-11-24:4-6';
    const gate = deferred();
    let seen: LockLease | undefined;
    const extend = vi.spyOn(lock, 'extend');
    const running = withLock(
      lock,
      key,
      async (signal, lease) => {
        seen = lease;
        await gate.promise;
        return signal.aborted ? 'aborted' : 'story';
      },
      { now: scheduler.now, sleep: scheduler.sleep },
    );
    await scheduler.advance(0);
    expect(seen?.expiresAt).toBe(scheduler.now() + TTL);
    // Twenty minutes, four times the TTL: the watchdog keeps the lease.
    for (let step = 0; step < 12; step += 1) await scheduler.advance(TTL / 3);
    expect(extend).toHaveBeenCalledTimes(12);
    expect(await lock.holder(key)).toBe(seen?.ownerToken);
    gate.resolve();
    expect(await running).toBe('story');
    expect(await lock.holder(key)).toBeUndefined();
  });

  it('aborts fn, calls onLost and dead-letters the lease when another owner took it', async () => {
    const scheduler = createScheduler();
    const lock = createMemoryLock({ now: scheduler.now });
    const store = createMemoryStateStore({ now: scheduler.now });
    const onLost = vi.fn();
    let lease: LockLease | undefined;
    const running = withLock(
      lock,
      'k',
      (signal, held) => {
        lease = held;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      {
        now: scheduler.now,
        sleep: scheduler.sleep,
        onLost,
        deadLetter: { store, stream: 'dead-letter:locks' },
      },
    );
    const failed = expectMeshError(running, 'aborted');
    await scheduler.advance(0);
    // Simulate the lease lapsing during a pause and another replica taking the key.
    await lock.release(lease!);
    const thief = await lock.tryAcquire('k');
    await scheduler.advance(TTL / 3);
    const error = await failed;
    expect(error.details).toMatchObject({ key: 'k', fencingToken: 1, reason: 'lost' });
    expect(onLost).toHaveBeenCalledWith(expect.objectContaining({ key: 'k', fencingToken: 1 }), 'lost');
    expect(await lock.holder('k')).toBe(thief?.ownerToken);
    const [record] = await store.streamRange('dead-letter:locks');
    expect(record?.fields).toMatchObject({
      key: 'k',
      ownerToken: lease?.ownerToken,
      fencingToken: '1',
      reason: 'lost',
    });
  });

  it('declares the lease expired once extends keep failing past its expiry', async () => {
    const scheduler = createScheduler();
    const inner = createMemoryLock({ now: scheduler.now });
    const flaky: DistributedLock = {
      ...inner,
      extend: async () => {
        throw new MeshError('redis down', 'unavailable');
      },
    };
    const onLost = vi.fn();
    let aborted = false;
    const running = withLock(
      flaky,
      'k',
      (signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve('gave up');
          }),
        ),
      { now: scheduler.now, sleep: scheduler.sleep, onLost },
    );
    const failed = expectMeshError(running, 'aborted');
    await scheduler.advance(TTL / 3);
    await scheduler.advance(TTL / 3);
    expect(aborted).toBe(false);
    await scheduler.advance(TTL / 3);
    expect(aborted).toBe(true);
    expect(onLost).toHaveBeenCalledWith(expect.objectContaining({ key: 'k' }), 'expired');
    // fn resolved, but its work may have overlapped another holder's: the call still fails.
    expect((await failed).details.reason).toBe('expired');
  });

  it('fails when the final release finds the lease gone, and dead-letters it', async () => {
    const store = createMemoryStateStore();
    const inner = createMemoryLock();
    const lock: DistributedLock = { ...inner, release: async () => false };
    const error = await expectMeshError(
      withLock(lock, 'k', async () => 'done', { deadLetter: { store, stream: 'dl' } }),
      'aborted',
    );
    expect(error.details.reason).toBe('expired');
    expect((await store.streamRange('dl'))[0]?.fields.reason).toBe('expired');
  });

  it("returns fn's result when release throws, and records release_failed", async () => {
    const store = createMemoryStateStore();
    const inner = createMemoryLock();
    const lock: DistributedLock = {
      ...inner,
      release: async () => {
        throw new MeshError('redis down', 'unavailable');
      },
    };
    expect(await withLock(lock, 'k', async () => 42, { deadLetter: { store, stream: 'dl' } })).toBe(42);
    expect((await store.streamRange('dl'))[0]?.fields).toMatchObject({
      reason: 'release_failed',
      error: 'redis down',
    });
  });

  it("rethrows fn's own error after releasing", async () => {
    const lock = createMemoryLock();
    await expect(
      withLock(lock, 'k', async () => {
        throw new Error('model refused');
      }),
    ).rejects.toThrow('model refused');
    expect(await lock.holder('k')).toBeUndefined();
  });

  it("passes the caller's abort to fn", async () => {
    const lock = createMemoryLock();
    const controller = new AbortController();
    const running = withLock(
      lock,
      'k',
      (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason))),
      { signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort('user left');
    expect(await running).toBe('user left');
    expect(await lock.holder('k')).toBeUndefined();
  });

  it('rejects an extend interval that is not below the TTL', async () => {
    const lock = createMemoryLock();
    await expectMeshError(
      withLock(lock, 'k', async () => 1, { ttlMs: 1_000, extendEveryMs: 1_000 }),
      'invalid_argument',
    );
    expect(await lock.holder('k')).toBeUndefined();
  });
});
