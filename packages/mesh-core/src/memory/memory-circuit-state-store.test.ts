import { describe, expect, it } from 'vitest';
import { circuitStateContract, createManualClock, expectMeshError } from '../testing/index.js';
import { createMemoryCircuitStateStore } from './memory-circuit-state-store.js';

circuitStateContract('memory', async () => {
  const subject = createMemoryCircuitStateStore();
  return { subject, cleanup: () => subject.close() };
});

describe('createMemoryCircuitStateStore', () => {
  it('expires probe ownership by the injected clock', async () => {
    const clock = createManualClock();
    const circuits = createMemoryCircuitStateStore({ now: clock.now });
    expect(await circuits.tryAcquireProbe('peer:a', 'gw-1', 5_000)).toBe(true);
    clock.advance(4_999);
    expect(await circuits.tryAcquireProbe('peer:a', 'gw-1', 5_000)).toBe(false);
    expect(await circuits.tryAcquireProbe('peer:a', 'gw-2', 5_000)).toBe(false);
    clock.advance(1);
    expect(await circuits.tryAcquireProbe('peer:a', 'gw-2', 5_000)).toBe(true);
  });

  it('rejects unknown states and bad versions', async () => {
    const circuits = createMemoryCircuitStateStore();
    const badState = { state: 'ajar', updatedBy: 'gw' } as unknown as { state: 'open'; updatedBy: string };
    expect(
      (await expectMeshError(circuits.transition('t', badState, 0), 'invalid_argument')).details.field,
    ).toBe('state');
    await expectMeshError(
      circuits.transition('t', { state: 'open', updatedBy: 'gw' }, -1),
      'invalid_argument',
    );
  });
});
