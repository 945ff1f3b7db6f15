import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CircuitSnapshot, CircuitStateStore } from '../ports/circuit-state.js';
import { type ContractFactory, delay, eventually, uniquePrefix } from './test-helpers.js';

/**
 * The contract every {@link CircuitStateStore} must pass: compare-and-set transitions on the version (one
 * winner among concurrent replicas), a single probe owner per target until its TTL runs out, and watchers
 * that see every stored snapshot until they unsubscribe.
 *
 * @example
 * ```ts
 * circuitStateContract('memory', async () => {
 *   const subject = createMemoryCircuitStateStore();
 *   return { subject, cleanup: () => subject.close() };
 * });
 * ```
 */
export function circuitStateContract(name: string, factory: ContractFactory<CircuitStateStore>): void {
  describe(`CircuitStateStore contract: ${name}`, () => {
    let circuits: CircuitStateStore;
    let cleanup: () => Promise<void>;
    let target: string;

    beforeEach(async () => {
      ({ subject: circuits, cleanup } = await factory());
      target = `${uniquePrefix('circuit')}peer:media`;
    });
    afterEach(async () => {
      await cleanup();
    });

    it('starts absent and transitions by compare-and-set on the version', async () => {
      expect(await circuits.get(target)).toBeUndefined();
      const opened = await circuits.transition(
        target,
        { state: 'open', openedAt: 1_000, halfOpenAt: 61_000, updatedBy: 'gw-1' },
        0,
      );
      expect(opened).toEqual({
        target,
        state: 'open',
        openedAt: 1_000,
        halfOpenAt: 61_000,
        version: 1,
        updatedBy: 'gw-1',
      });
      expect(await circuits.get(target)).toEqual(opened);
      expect(await circuits.transition(target, { state: 'closed', updatedBy: 'gw-2' }, 0)).toBeUndefined();
      expect(await circuits.transition(target, { state: 'closed', updatedBy: 'gw-2' }, 2)).toBeUndefined();
      expect((await circuits.get(target))?.state).toBe('open');
      const halfOpen = await circuits.transition(
        target,
        { state: 'half_open', openedAt: 1_000, updatedBy: 'gw-2' },
        1,
      );
      expect(halfOpen).toMatchObject({ state: 'half_open', version: 2, updatedBy: 'gw-2' });
      const closed = await circuits.transition(target, { state: 'closed', updatedBy: 'gw-1' }, 2);
      expect(closed).toMatchObject({ state: 'closed', version: 3 });
      expect(closed?.openedAt).toBeUndefined();
    });

    it('lets exactly one of many concurrent replicas win a transition', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          circuits.transition(target, { state: 'open', openedAt: 5, updatedBy: `gw-${index}` }, 0),
        ),
      );
      const winners = results.filter((snapshot) => snapshot !== undefined);
      expect(winners).toHaveLength(1);
      expect((await circuits.get(target))?.updatedBy).toBe(winners[0]?.updatedBy);
    });

    it('gives the half-open probe to one owner until its TTL runs out', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => circuits.tryAcquireProbe(target, `gw-${index}`, 150)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await circuits.tryAcquireProbe(target, 'late', 150)).toBe(false);
      expect(await circuits.tryAcquireProbe(`${target}-other`, 'late', 150)).toBe(true);
      await delay(250);
      expect(await circuits.tryAcquireProbe(target, 'late', 150)).toBe(true);
    });

    it('tells watchers about every stored snapshot until they unsubscribe', async () => {
      const seen: CircuitSnapshot[] = [];
      const stop = await circuits.watch((snapshot) => {
        if (snapshot.target === target) seen.push(snapshot);
      });
      await circuits.transition(target, { state: 'open', openedAt: 7, updatedBy: 'gw-1' }, 0);
      await circuits.transition(target, { state: 'half_open', openedAt: 7, updatedBy: 'gw-1' }, 1);
      await eventually(() =>
        expect(seen.map((snapshot) => [snapshot.state, snapshot.version])).toEqual([
          ['open', 1],
          ['half_open', 2],
        ]),
      );
      await stop();
      const marker: CircuitSnapshot[] = [];
      const stopMarker = await circuits.watch((snapshot) => {
        if (snapshot.target === target) marker.push(snapshot);
      });
      await circuits.transition(target, { state: 'closed', updatedBy: 'gw-1' }, 2);
      await eventually(() => expect(marker).toHaveLength(1));
      expect(seen).toHaveLength(2);
      await stopMarker();
    });
  });
}
