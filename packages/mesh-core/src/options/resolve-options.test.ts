// Issue 16 item 4: every factory resolves its options once from an exported DEFAULT_X; bad input names the field.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PEER_LINK, resolvePeerLinkOptions } from '../link/peer-link-options.js';
import { DEFAULT_MEMORY_COST_LEDGER, resolveMemoryCostLedgerOptions } from '../memory/memory-cost-ledger.js';
import { DEFAULT_MEMORY_LOCK, resolveMemoryLockOptions } from '../memory/memory-lock.js';
import { DEFAULT_MEMORY_WORK_QUEUE, resolveMemoryWorkQueueOptions } from '../queue/memory-work-queue.js';
import { invalidFieldOf } from '../testing/test-helpers.js';

describe('resolvePeerLinkOptions', () => {
  it('applies DEFAULT_PEER_LINK and trims the URL', () => {
    const resolved = resolvePeerLinkOptions({ url: 'http://127.0.0.1:7070//' });
    expect(resolved).toMatchObject({
      url: 'http://127.0.0.1:7070',
      defaultTimeoutMs: DEFAULT_PEER_LINK.defaultTimeoutMs,
      pingIntervalMs: 30_000,
      pingTimeoutMs: 10_000,
      idleConnectionTimeoutMs: 900_000,
      channelIdleTimeoutMs: 30_000,
      readMaxBytes: 16 * 1024 * 1024,
      callChannel: true,
      watchBackoff: { initialDelayMs: 250, maxDelayMs: 10_000, multiplier: 2, jitter: 1 },
    });
    expect(Object.isFrozen(DEFAULT_PEER_LINK)).toBe(true);
  });

  it('keeps the call channel idle timeout within the connection idle timeout and reads the old backoff names', () => {
    const resolved = resolvePeerLinkOptions({
      url: 'https://peer.example',
      idleConnectionTimeoutMs: 5_000,
      callChannel: false,
      watchBackoff: { initialMs: 100, maxMs: 400 },
    });
    expect(resolved.channelIdleTimeoutMs).toBe(5_000);
    expect(resolved.callChannel).toBe(false);
    expect(resolved.watchBackoff).toMatchObject({ initialDelayMs: 100, maxDelayMs: 400 });
  });

  it('names the field of a bad option', () => {
    expect(invalidFieldOf(() => resolvePeerLinkOptions({ url: 'not a url' }))).toBe('url');
    expect(invalidFieldOf(() => resolvePeerLinkOptions({ url: 'ftp://peer' }))).toBe('url');
    expect(invalidFieldOf(() => resolvePeerLinkOptions({ url: 'http://peer', pingIntervalMs: 0 }))).toBe(
      'pingIntervalMs',
    );
    expect(invalidFieldOf(() => resolvePeerLinkOptions({ url: 'http://peer', defaultTimeoutMs: -1 }))).toBe(
      'defaultTimeoutMs',
    );
    expect(invalidFieldOf(() => resolvePeerLinkOptions({ url: 'http://peer', readMaxBytes: 1.5 }))).toBe(
      'readMaxBytes',
    );
  });
});

describe('the in-memory ports resolve their options from DEFAULT_MEMORY_*', () => {
  it('the lock', () => {
    expect(resolveMemoryLockOptions()).toMatchObject({
      defaultTtlMs: DEFAULT_MEMORY_LOCK.defaultTtlMs,
      instanceId: `memory-${process.pid}`,
    });
    expect(DEFAULT_MEMORY_LOCK.defaultTtlMs).toBe(300_000);
    expect(invalidFieldOf(() => resolveMemoryLockOptions({ defaultTtlMs: 0 }))).toBe('defaultTtlMs');
  });

  it('the work queue', () => {
    expect(resolveMemoryWorkQueueOptions()).toMatchObject({ retentionMs: 86_400_000, maxRetained: 1_000 });
    expect(DEFAULT_MEMORY_WORK_QUEUE).toEqual({ retentionMs: 86_400_000, maxRetained: 1_000 });
    expect(invalidFieldOf(() => resolveMemoryWorkQueueOptions({ retentionMs: -5 }))).toBe('retentionMs');
    expect(invalidFieldOf(() => resolveMemoryWorkQueueOptions({ maxRetained: 0 }))).toBe('maxRetained');
  });

  it('the cost ledger', () => {
    const resolved = resolveMemoryCostLedgerOptions({ budgets: { day: { limitUsd: 2 } } });
    expect(resolved.prices).toBe(DEFAULT_MEMORY_COST_LEDGER.prices);
    expect(Object.keys(resolved.prices)).toEqual([]);
    expect(resolved.tierThresholds).toEqual({ premium: 0.5, standard: 0.25, economy: 0.05 });
    expect(resolved).toMatchObject({ windowBuckets: 60, settledRetentionMs: 600_000 });
    expect(resolved.budgets.get('day')).toEqual({ limitUsd: 2, windowMs: 3_600_000 });
    expect(invalidFieldOf(() => resolveMemoryCostLedgerOptions({ windowBuckets: 0 }))).toBe('windowBuckets');
    expect(invalidFieldOf(() => resolveMemoryCostLedgerOptions({ budgets: { day: { limitUsd: -1 } } }))).toBe(
      'limitUsd',
    );
  });
});
