import { describe, expect, it } from 'vitest';
import { createManualClock, expectMeshError, stateStoreContract } from '../testing/index.js';
import { createMemoryStateStore, memoryStateStoreKeyCount } from './memory-state-store.js';

stateStoreContract('memory', async () => {
  const subject = createMemoryStateStore();
  return { subject, cleanup: () => subject.close() };
});

describe('createMemoryStateStore', () => {
  it('expires keys and ages pending entries by the injected clock', async () => {
    const clock = createManualClock();
    const store = createMemoryStateStore({ now: clock.now });
    await store.hashSet('h', { a: '1' }, { ttlMs: 1_000 });
    clock.advance(999);
    expect(await store.ttl('h')).toBe(1);
    clock.advance(1);
    expect(await store.hashGet('h', 'a')).toBeUndefined();

    await store.streamCreateGroup('s', 'g', { startId: '0' });
    const id = await store.streamAppend('s', { n: '1' });
    expect(id).toBe(`${clock.now()}-0`);
    expect(await store.streamAppend('s', { n: '2' })).toBe(`${clock.now()}-1`);
    await store.streamReadGroup('s', 'g', 'c1', { count: 1 });
    clock.advance(29_999);
    expect(await store.streamClaimIdle('s', 'g', 'c2', { minIdleMs: 30_000 })).toEqual([]);
    clock.advance(1);
    expect(await store.streamClaimIdle('s', 'g', 'c2', { minIdleMs: 30_000 })).toEqual([
      { id, fields: { n: '1' }, deliveryCount: 2 },
    ]);
    await store.close();
  });

  it('sweeps keys that expired without being read again, so writes of short-lived keys stay bounded (issue 20)', async () => {
    const clock = createManualClock();
    const store = createMemoryStateStore({ now: clock.now });
    await store.hashSet('kept', { a: '1' });
    let largest = 0;
    // 50 000 dedupe marks of 1 s, one per millisecond, none read again: about 1 000 alive at any time.
    for (let index = 0; index < 50_000; index += 1) {
      await store.hashSet(`seen:${index}`, { at: '1' }, { ttlMs: 1_000 });
      clock.advance(1);
      largest = Math.max(largest, memoryStateStoreKeyCount(store) ?? Number.POSITIVE_INFINITY);
    }
    // At most twice the live keys (at least 1 024) plus one: nowhere near the 50 000 written.
    expect(largest).toBeLessThanOrEqual(2 * 1_024 + 1);
    expect(await store.hashGet('kept', 'a')).toBe('1');
    expect(await store.hashGet('seen:49999', 'at')).toBe('1');
    expect(await store.hashGet('seen:0', 'at')).toBeUndefined();
    expect(memoryStateStoreKeyCount(createMemoryStateStore())).toBe(0);
    await store.close();
  });

  it('keeps ids increasing when the clock goes backwards', async () => {
    const clock = createManualClock(5_000);
    const store = createMemoryStateStore({ now: clock.now });
    expect(await store.streamAppend('s', { n: '1' })).toBe('5000-0');
    clock.set(4_000);
    expect(await store.streamAppend('s', { n: '2' })).toBe('5000-1');
  });

  it('drops pending entries that were trimmed away when claiming', async () => {
    const store = createMemoryStateStore();
    await store.streamCreateGroup('s', 'g', { startId: '0' });
    await store.streamAppend('s', { n: '1' });
    await store.streamReadGroup('s', 'g', 'c1');
    await store.streamAppend('s', { n: '2' }, { maxLength: 1 });
    expect(await store.streamClaimIdle('s', 'g', 'c2', { minIdleMs: 0 })).toEqual([]);
    expect((await store.streamPending('s', 'g')).count).toBe(0);
  });

  it('rejects a key of the wrong kind, bad arguments, and calls after close', async () => {
    const store = createMemoryStateStore();
    await store.hashSet('h', { a: '1' });
    const wrong = await expectMeshError(store.streamAppend('h', { n: '1' }), 'failed_precondition');
    expect(wrong.details.reason).toBe('WRONGTYPE');
    expect((await expectMeshError(store.hashGet('', 'a'), 'invalid_argument')).details.field).toBe('key');
    await expectMeshError(store.hashSet('h', {}), 'invalid_argument');
    await expectMeshError(store.streamRange('h2', { start: 'yesterday' }), 'invalid_argument');
    await expectMeshError(store.streamAppend('s', { n: '1' }, { maxLength: 0 }), 'invalid_argument');
    const blocked = store
      .streamCreateGroup('s', 'g')
      .then(() => store.streamReadGroup('s', 'g', 'c', { blockMs: 5_000 }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await store.close();
    expect(await blocked).toEqual([]);
    await expectMeshError(store.hashGet('h', 'a'), 'failed_precondition');
  });
});
