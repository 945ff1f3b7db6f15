import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DistributedLock, LockLease } from '../ports/distributed-lock.js';
import { type ContractFactory, delay, uniquePrefix } from './test-helpers.js';

/** Options for {@link distributedLockContract}. */
export interface DistributedLockContractOptions {
  /**
   * Contenders in the mutual-exclusion test.
   * @default 20
   */
  contenders?: number;
  /**
   * Critical sections each contender must complete.
   * @default 25
   */
  acquisitionsPerContender?: number;
}

const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The contract every {@link DistributedLock} must pass: one holder at a time under many concurrent
 * contenders, fencing tokens that strictly increase per key, release and extend only by the owner, and a
 * TTL that frees the key. Expiry is checked with real short TTLs, so it holds for Redis too.
 *
 * @example
 * ```ts
 * distributedLockContract('memory', async () => {
 *   const subject = createMemoryLock();
 *   return { subject, cleanup: () => subject.close() };
 * });
 * ```
 */
export function distributedLockContract(
  name: string,
  factory: ContractFactory<DistributedLock>,
  options: DistributedLockContractOptions = {},
): void {
  const contenders = options.contenders ?? 20;
  const acquisitions = options.acquisitionsPerContender ?? 25;

  describe(`DistributedLock contract: ${name}`, () => {
    let lock: DistributedLock;
    let cleanup: () => Promise<void>;
    let p: string;

    beforeEach(async () => {
      ({ subject: lock, cleanup } = await factory());
      p = uniquePrefix('lock');
    });
    afterEach(async () => {
      await cleanup();
    });

    it('grants a free key once and reports its holder', async () => {
      const before = Date.now();
      const lease = await lock.tryAcquire(`${p}k`, { ttlMs: 10_000, owner: 'gateway-1' });
      expect(lease).toBeDefined();
      const held = lease as LockLease;
      expect(held.key).toBe(`${p}k`);
      expect(held.fencingToken).toBeGreaterThan(0);
      expect(held.expiresAt).toBeGreaterThanOrEqual(before + 10_000 - 1_000);
      expect(held.expiresAt).toBeLessThanOrEqual(Date.now() + 10_000 + 1_000);
      expect(await lock.tryAcquire(`${p}k`, { ttlMs: 10_000, owner: 'gateway-2' })).toBeUndefined();
      expect(await lock.holder(`${p}k`)).toBe(held.ownerToken);
      expect(await lock.holder(`${p}other`)).toBeUndefined();
      expect(await lock.tryAcquire(`${p}other`, { ttlMs: 10_000 })).toBeDefined();
    });

    it('gives a free key to exactly one of many simultaneous callers', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          lock.tryAcquire(`${p}k`, { ttlMs: 10_000, owner: `o${index}` }),
        ),
      );
      expect(results.filter((lease) => lease !== undefined)).toHaveLength(1);
    });

    it('releases only for the owner, and only once', async () => {
      const lease = (await lock.tryAcquire(`${p}k`, { ttlMs: 10_000 })) as LockLease;
      const intruder: LockLease = { ...lease, ownerToken: `${lease.ownerToken}-intruder` };
      expect(await lock.release(intruder)).toBe(false);
      expect(await lock.extend(intruder, 10_000)).toBeUndefined();
      expect(await lock.holder(`${p}k`)).toBe(lease.ownerToken);
      expect(await lock.release(lease)).toBe(true);
      expect(await lock.holder(`${p}k`)).toBeUndefined();
      expect(await lock.release(lease)).toBe(false);
      expect(await lock.extend(lease, 10_000)).toBeUndefined();
    });

    it('frees the key when the TTL runs out, and the stale lease can no longer release or extend', async () => {
      const stale = (await lock.tryAcquire(`${p}k`, { ttlMs: 100 })) as LockLease;
      await delay(200);
      expect(await lock.holder(`${p}k`)).toBeUndefined();
      const next = await lock.tryAcquire(`${p}k`, { ttlMs: 10_000 });
      expect(next?.fencingToken).toBeGreaterThan(stale.fencingToken);
      expect(await lock.release(stale)).toBe(false);
      expect(await lock.extend(stale, 10_000)).toBeUndefined();
      expect(await lock.holder(`${p}k`)).toBe(next?.ownerToken);
    });

    it('keeps an extended lease past its first TTL', async () => {
      const lease = (await lock.tryAcquire(`${p}k`, { ttlMs: 150 })) as LockLease;
      const extended = await lock.extend(lease, 3_000);
      expect(extended?.ownerToken).toBe(lease.ownerToken);
      expect(extended?.fencingToken).toBe(lease.fencingToken);
      expect(extended?.expiresAt).toBeGreaterThan(lease.expiresAt);
      await delay(250);
      expect(await lock.holder(`${p}k`)).toBe(lease.ownerToken);
      expect(await lock.tryAcquire(`${p}k`, { ttlMs: 1_000 })).toBeUndefined();
      expect(await lock.release(extended as LockLease)).toBe(true);
    });

    it('hands out strictly increasing fencing tokens for a key', async () => {
      let previous = 0;
      for (let round = 0; round < 10; round += 1) {
        const lease = (await lock.tryAcquire(`${p}k`, { ttlMs: 10_000 })) as LockLease;
        expect(lease.fencingToken).toBeGreaterThan(previous);
        previous = lease.fencingToken;
        expect(await lock.release(lease)).toBe(true);
      }
    });

    it(`never lets two holders overlap (${contenders} contenders x ${acquisitions} acquisitions)`, async () => {
      const key = `${p}contended`;
      let inside = 0;
      let maxInside = 0;
      let lastToken = 0;
      let completed = 0;
      const tokenErrors: string[] = [];
      const contender = async (index: number) => {
        for (let done = 0; done < acquisitions; ) {
          const lease = await lock.tryAcquire(key, { ttlMs: 10_000, owner: `contender-${index}` });
          if (!lease) {
            await yieldToOthers();
            continue;
          }
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          if (lease.fencingToken <= lastToken) tokenErrors.push(`${lease.fencingToken} after ${lastToken}`);
          lastToken = lease.fencingToken;
          // Give every other contender a chance to run while we hold the lock.
          await yieldToOthers();
          await yieldToOthers();
          inside -= 1;
          completed += 1;
          done += 1;
          expect(await lock.release(lease)).toBe(true);
        }
      };
      await Promise.all(Array.from({ length: contenders }, (_, index) => contender(index)));
      expect(maxInside).toBe(1);
      expect(tokenErrors).toEqual([]);
      expect(completed).toBe(contenders * acquisitions);
    });
  });
}
