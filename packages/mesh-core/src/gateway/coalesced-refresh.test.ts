import { describe, expect, it } from 'vitest';
import { createCoalescedRefresh } from './coalesced-refresh.js';

/** A fetch whose runs end when the test says so. */
function gatedFetch() {
  const gates: Array<() => void> = [];
  let runs = 0;
  const fetch = () => {
    runs += 1;
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  return {
    fetch,
    runs: () => runs,
    release: async () => {
      gates.shift()?.();
      // Let the loop notice the end of the run and start the next one.
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    },
  };
}

describe('createCoalescedRefresh', () => {
  it('shares the run in flight, and runs once more (not once per request) for requests made during it', async () => {
    const gated = gatedFetch();
    const refresh = createCoalescedRefresh(gated.fetch);
    const first = refresh.request();
    const second = refresh.request();
    expect(second).toBe(first);
    expect(gated.runs()).toBe(1);
    // The second request and this one came while the first run was in flight: one more run, not two.
    refresh.request();
    await gated.release();
    expect(gated.runs()).toBe(2);
    await gated.release();
    await first;
    expect(gated.runs()).toBe(2);
    // A request after the run ended starts a new one.
    const third = refresh.request();
    expect(third).not.toBe(first);
    expect(gated.runs()).toBe(3);
    await gated.release();
    await third;
    await refresh.idle();
  });

  it('starts nothing once closed, and idle() waits for the run in flight even when it fails', async () => {
    let closed = false;
    let runs = 0;
    let fail: (error: Error) => void = () => {};
    const refresh = createCoalescedRefresh(
      () =>
        new Promise<void>((_, reject) => {
          runs += 1;
          fail = reject;
        }),
      () => closed,
    );
    const running = refresh.request();
    refresh.request();
    closed = true;
    const idle = refresh.idle();
    fail(new Error('listing failed'));
    await expect(running).rejects.toThrow('listing failed');
    await idle;
    // Closed: the extra request made during the run did not run, and a new one resolves at once.
    await refresh.request();
    expect(runs).toBe(1);
  });
});
