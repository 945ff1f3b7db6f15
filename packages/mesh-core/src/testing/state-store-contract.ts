import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../ports/state-store.js';
import { type ContractFactory, delay, expectMeshError, uniquePrefix } from './test-helpers.js';

/**
 * The contract every {@link StateStore} must pass: hashes with TTL, streams with consumer groups,
 * acknowledgement, redelivery through `streamClaimIdle`, blocking reads, trimming, the NOGROUP convention,
 * and sorted sets. Expiry is checked with real short TTLs (50-300 ms), so it holds for Redis too.
 *
 * @example
 * ```ts
 * stateStoreContract('memory', async () => {
 *   const subject = createMemoryStateStore();
 *   return { subject, cleanup: () => subject.close() };
 * });
 * ```
 */
export function stateStoreContract(name: string, factory: ContractFactory<StateStore>): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    let cleanup: () => Promise<void>;
    let p: string;

    beforeEach(async () => {
      ({ subject: store, cleanup } = await factory());
      p = uniquePrefix('state');
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('hashes', () => {
      it('sets, merges, reads and deletes fields', async () => {
        expect(await store.hashGetAll(`${p}h`)).toBeUndefined();
        expect(await store.hashGet(`${p}h`, 'a')).toBeUndefined();
        await store.hashSet(`${p}h`, { a: '1', b: '2' });
        await store.hashSet(`${p}h`, { b: 'two', c: '3' });
        expect(await store.hashGet(`${p}h`, 'b')).toBe('two');
        expect(await store.hashGet(`${p}h`, 'missing')).toBeUndefined();
        expect(await store.hashGetAll(`${p}h`)).toEqual({ a: '1', b: 'two', c: '3' });
        expect(await store.ttl(`${p}h`)).toBe(Number.POSITIVE_INFINITY);
        expect(await store.delete(`${p}h`)).toBe(true);
        expect(await store.delete(`${p}h`)).toBe(false);
        expect(await store.hashGetAll(`${p}h`)).toBeUndefined();
      });

      it('expires a hash after its TTL and keeps the TTL when set again without one', async () => {
        await store.hashSet(`${p}h`, { a: '1' }, { ttlMs: 150 });
        await store.hashSet(`${p}h`, { b: '2' });
        const ttl = await store.ttl(`${p}h`);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(150);
        await delay(250);
        expect(await store.hashGetAll(`${p}h`)).toBeUndefined();
        expect(await store.hashGet(`${p}h`, 'a')).toBeUndefined();
        expect(await store.ttl(`${p}h`)).toBeUndefined();
      });

      it('sets a TTL on an existing key with expire, and reports a missing key', async () => {
        expect(await store.expire(`${p}missing`, 1_000)).toBe(false);
        expect(await store.ttl(`${p}missing`)).toBeUndefined();
        await store.hashSet(`${p}h`, { a: '1' });
        expect(await store.expire(`${p}h`, 100)).toBe(true);
        expect(await store.ttl(`${p}h`)).toBeLessThanOrEqual(100);
        await delay(200);
        expect(await store.hashGet(`${p}h`, 'a')).toBeUndefined();
      });

      it('rejects a TTL that is not above 0', async () => {
        const error = await expectMeshError(
          store.hashSet(`${p}h`, { a: '1' }, { ttlMs: -5 }),
          'invalid_argument',
        );
        expect(error.message).toMatch(/ttl/i);
      });
    });

    describe('streams', () => {
      it('appends with increasing ids and reads ranges in order', async () => {
        const ids: string[] = [];
        for (let index = 0; index < 5; index += 1)
          ids.push(await store.streamAppend(`${p}s`, { n: String(index) }));
        expect(new Set(ids).size).toBe(5);
        expect(await store.streamLength(`${p}s`)).toBe(5);
        expect(await store.streamLength(`${p}none`)).toBe(0);
        const all = await store.streamRange(`${p}s`);
        expect(all.map((entry) => entry.id)).toEqual(ids);
        expect(all.map((entry) => entry.fields.n)).toEqual(['0', '1', '2', '3', '4']);
        const middle = await store.streamRange(`${p}s`, { start: ids[1] as string, end: ids[3] as string });
        expect(middle.map((entry) => entry.fields.n)).toEqual(['1', '2', '3']);
        expect(await store.streamRange(`${p}s`, { count: 2 })).toHaveLength(2);
        expect(await store.streamRange(`${p}none`)).toEqual([]);
      });

      it("starts a group at '0' with the whole stream, or at '$' with new entries only", async () => {
        await store.streamAppend(`${p}s`, { n: 'old' });
        await store.streamCreateGroup(`${p}s`, 'all', { startId: '0' });
        await store.streamCreateGroup(`${p}s`, 'new', { startId: '$' });
        await store.streamAppend(`${p}s`, { n: 'fresh' });
        const fromStart = await store.streamReadGroup(`${p}s`, 'all', 'c1');
        expect(fromStart.map((entry) => entry.fields.n)).toEqual(['old', 'fresh']);
        const fromNow = await store.streamReadGroup(`${p}s`, 'new', 'c1');
        expect(fromNow.map((entry) => entry.fields.n)).toEqual(['fresh']);
        expect(fromNow[0]?.deliveryCount).toBe(1);
      });

      it('creates the stream with the group, and creating a group again changes nothing', async () => {
        await store.streamCreateGroup(`${p}s`, 'g', { startId: '0' });
        expect(await store.streamLength(`${p}s`)).toBe(0);
        await store.streamAppend(`${p}s`, { n: '1' });
        expect(await store.streamReadGroup(`${p}s`, 'g', 'c1')).toHaveLength(1);
        await store.streamCreateGroup(`${p}s`, 'g', { startId: '0' });
        expect(await store.streamReadGroup(`${p}s`, 'g', 'c1')).toEqual([]);
        expect((await store.streamPending(`${p}s`, 'g')).count).toBe(1);
      });

      it('delivers each entry once per group, keeps it pending until acknowledged', async () => {
        await store.streamCreateGroup(`${p}s`, 'g', { startId: '0' });
        for (let index = 0; index < 4; index += 1) await store.streamAppend(`${p}s`, { n: String(index) });
        const first = await store.streamReadGroup(`${p}s`, 'g', 'c1', { count: 3 });
        const second = await store.streamReadGroup(`${p}s`, 'g', 'c2', { count: 3 });
        expect(first.map((entry) => entry.fields.n)).toEqual(['0', '1', '2']);
        expect(second.map((entry) => entry.fields.n)).toEqual(['3']);
        expect(await store.streamPending(`${p}s`, 'g')).toEqual({ count: 4, consumers: { c1: 3, c2: 1 } });
        expect(await store.streamAck(`${p}s`, 'g', [first[0]?.id ?? '', first[1]?.id ?? ''])).toBe(2);
        expect(await store.streamAck(`${p}s`, 'g', [first[0]?.id ?? ''])).toBe(0);
        expect(await store.streamPending(`${p}s`, 'g')).toEqual({ count: 2, consumers: { c1: 1, c2: 1 } });
      });

      it('redelivers unacknowledged entries through claimIdle with a growing delivery count', async () => {
        await store.streamCreateGroup(`${p}s`, 'g', { startId: '0' });
        const id = await store.streamAppend(`${p}s`, { job: 'x' });
        await store.streamReadGroup(`${p}s`, 'g', 'crashed');
        expect(await store.streamClaimIdle(`${p}s`, 'g', 'rescuer', { minIdleMs: 60_000 })).toEqual([]);
        await delay(80);
        const claimed = await store.streamClaimIdle(`${p}s`, 'g', 'rescuer', { minIdleMs: 50 });
        expect(claimed).toEqual([{ id, fields: { job: 'x' }, deliveryCount: 2 }]);
        expect((await store.streamPending(`${p}s`, 'g')).consumers).toEqual({ rescuer: 1 });
        // A fresh claim resets the idle time.
        expect(await store.streamClaimIdle(`${p}s`, 'g', 'other', { minIdleMs: 50 })).toEqual([]);
        await delay(80);
        const again = await store.streamClaimIdle(`${p}s`, 'g', 'other', { minIdleMs: 50 });
        expect(again[0]?.deliveryCount).toBe(3);
        expect(await store.streamAck(`${p}s`, 'g', [id])).toBe(1);
        await delay(80);
        expect(await store.streamClaimIdle(`${p}s`, 'g', 'other', { minIdleMs: 50 })).toEqual([]);
        expect(await store.streamPending(`${p}s`, 'g')).toEqual({ count: 0, consumers: {} });
      });

      it('blocks a read until an entry arrives, until blockMs, or until aborted', async () => {
        await store.streamCreateGroup(`${p}s`, 'g', { startId: '$' });
        const started = Date.now();
        const waiting = store.streamReadGroup(`${p}s`, 'g', 'c1', { blockMs: 3_000 });
        await delay(50);
        await store.streamAppend(`${p}s`, { n: 'late' });
        expect((await waiting).map((entry) => entry.fields.n)).toEqual(['late']);
        expect(Date.now() - started).toBeLessThan(2_000);

        const idleStart = Date.now();
        expect(await store.streamReadGroup(`${p}s`, 'g', 'c1', { blockMs: 120 })).toEqual([]);
        expect(Date.now() - idleStart).toBeGreaterThanOrEqual(100);

        const controller = new AbortController();
        const abortStart = Date.now();
        const aborted = store.streamReadGroup(`${p}s`, 'g', 'c1', {
          blockMs: 5_000,
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(), 50);
        await expectMeshError(aborted, 'canceled');
        expect(Date.now() - abortStart).toBeLessThan(2_000);
      });

      it("reports a missing group as not_found with details.reason 'NOGROUP'", async () => {
        const missing = await expectMeshError(store.streamReadGroup(`${p}s`, 'nope', 'c1'), 'not_found');
        expect(missing.details.reason).toBe('NOGROUP');
        await store.streamCreateGroup(`${p}s`, 'g', { startId: '0' });
        await store.streamAppend(`${p}s`, { n: '1' });
        expect(await store.delete(`${p}s`)).toBe(true);
        const gone = await expectMeshError(store.streamReadGroup(`${p}s`, 'g', 'c1'), 'not_found');
        expect(gone.details.reason).toBe('NOGROUP');
        const claim = store.streamClaimIdle(`${p}s`, 'g', 'c1', { minIdleMs: 0 });
        expect((await expectMeshError(claim, 'not_found')).details.reason).toBe('NOGROUP');
      });

      it('trims to about maxLength, keeping the newest entries', async () => {
        let last = '';
        for (let index = 0; index < 250; index += 1) {
          last = await store.streamAppend(`${p}s`, { n: String(index) }, { maxLength: 20 });
        }
        const length = await store.streamLength(`${p}s`);
        expect(length).toBeGreaterThanOrEqual(20);
        expect(length).toBeLessThan(250);
        const kept = await store.streamRange(`${p}s`);
        expect(kept).toHaveLength(length);
        expect(kept.at(-1)?.id).toBe(last);
        expect(kept[0]?.fields.n).not.toBe('0');
      });
    });

    describe('sorted sets', () => {
      it('adds, updates, ranges and removes members by score', async () => {
        await store.sortedSetAdd(`${p}z`, 'b', 2);
        await store.sortedSetAdd(`${p}z`, 'a', 1);
        await store.sortedSetAdd(`${p}z`, 'c', 3);
        await store.sortedSetAdd(`${p}z`, 'a', 4);
        expect(await store.sortedSetRangeByScore(`${p}z`, 0, 10)).toEqual([
          { member: 'b', score: 2 },
          { member: 'c', score: 3 },
          { member: 'a', score: 4 },
        ]);
        expect(await store.sortedSetRangeByScore(`${p}z`, 2.5, 3.5)).toEqual([{ member: 'c', score: 3 }]);
        expect(await store.sortedSetRangeByScore(`${p}none`, 0, 10)).toEqual([]);
        expect(await store.sortedSetRemoveByScore(`${p}z`, 0, 3)).toBe(2);
        expect(await store.sortedSetRemove(`${p}z`, 'a')).toBe(true);
        expect(await store.sortedSetRemove(`${p}z`, 'a')).toBe(false);
        expect(await store.sortedSetRangeByScore(`${p}z`, -1e9, 1e9)).toEqual([]);
      });

      it('accepts fractional and negative scores, and expires with the key', async () => {
        await store.sortedSetAdd(`${p}z`, 'x', -1.5);
        await store.sortedSetAdd(`${p}z`, 'y', 0.25);
        expect((await store.sortedSetRangeByScore(`${p}z`, -2, 1)).map((m) => m.member)).toEqual(['x', 'y']);
        expect(await store.expire(`${p}z`, 80)).toBe(true);
        await delay(160);
        expect(await store.sortedSetRangeByScore(`${p}z`, -2, 1)).toEqual([]);
      });
    });
  });
}
