import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { createPeerPolicy, type PeerPolicyOptions } from './peer-policy.js';

/** Settles a promise into a value or the MeshError it rejected with, without unhandled rejections. */
function settle<T>(promise: Promise<T>): Promise<T | MeshError> {
  return promise.catch((error: unknown) => MeshError.from(error));
}

function policyWith(overrides: Partial<PeerPolicyOptions> = {}) {
  return createPeerPolicy({
    target: 'peer:video',
    breaker: { minimumThroughput: 100 },
    random: () => 0,
    ...overrides,
  });
}

/** An attempt that never answers on its own and fails `canceled` when its signal aborts, as a link does. */
function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new MeshError('the call was aborted', 'canceled')));
  });
}

describe('createPeerPolicy retries (issue 19, issue 11 section 4)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes 4 attempts by default: 3 retries after the first, as the Polly setting', async () => {
    const policy = policyWith();
    let calls = 0;
    const call = settle(
      policy.execute(async () => {
        calls += 1;
        throw new MeshError(`refused ${calls}`, 'unavailable');
      }),
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await call).toMatchObject({ code: 'unavailable', message: 'refused 4' });
    expect(calls).toBe(4);
  });

  it("answers at once with the peer's own error when its retryAfterMs does not fit in the deadline", async () => {
    const policy = policyWith({ timeouts: { globalMs: 30_000 } });
    let calls = 0;
    const peerError = new MeshError('no model fits; try in a minute', 'resource_exhausted', {
      details: { retryAfterMs: 60_000 },
    });
    const call = settle(
      policy.execute(async () => {
        calls += 1;
        throw peerError;
      }),
    );
    // No timer is needed: the answer comes without waiting.
    await vi.advanceTimersByTimeAsync(0);
    expect(await call).toBe(peerError);
    expect(calls).toBe(1);
    expect(policy.status().active).toBe(0);
  });

  it('stops retrying once the next backoff would end past the deadline, with the last failure', async () => {
    // 500 ms, then 1000 ms: the second retry would start at 1500 ms, past the 1200 ms deadline.
    const policy = policyWith({ timeouts: { globalMs: 1200 } });
    const startedAt: number[] = [];
    const call = settle(
      policy.execute(async () => {
        startedAt.push(Date.now());
        throw new MeshError(`refused ${startedAt.length}`, 'unavailable');
      }),
    );
    await vi.advanceTimersByTimeAsync(600);
    expect(await call).toMatchObject({ code: 'unavailable', message: 'refused 2' });
    const first = startedAt[0] ?? 0;
    expect(startedAt.map((at) => at - first)).toEqual([0, 500]);
    expect(policy.status().active).toBe(0);
  });

  it('frees the bulkhead slot when the caller is canceled during a backoff', async () => {
    const policy = policyWith({ retry: { initialDelayMs: 5_000 } });
    const controller = new AbortController();
    let calls = 0;
    const call = settle(
      policy.execute(
        async () => {
          calls += 1;
          throw new MeshError('refused', 'unavailable');
        },
        { signal: controller.signal },
      ),
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(policy.status().active).toBe(1);
    controller.abort();
    expect(await call).toMatchObject({ code: 'canceled' });
    await vi.advanceTimersByTimeAsync(0);
    expect(policy.status().active).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
  });

  it("retries the peer's deadline_exceeded for idempotent calls only", async () => {
    const policy = policyWith();
    for (const idempotent of [true, false]) {
      let calls = 0;
      const call = settle(
        policy.execute(
          async ({ attempt }) => {
            calls += 1;
            if (attempt < 3) throw new MeshError('the model did not answer in time', 'deadline_exceeded');
            return 'story';
          },
          { tool: 'generate_story', idempotent },
        ),
      );
      await vi.advanceTimersByTimeAsync(5_000);
      if (idempotent) {
        expect(await call).toBe('story');
        expect(calls).toBe(3);
      } else {
        expect(await call).toMatchObject({ code: 'deadline_exceeded' });
        expect(calls).toBe(1);
      }
    }
  });

  it('ends a slow attempt at timeouts.attemptMs and retries it when the call is idempotent', async () => {
    const policy = policyWith({ timeouts: { globalMs: 10_000, attemptMs: 1_000 } });
    const deadlines: number[] = [];
    const startedAt = Date.now();
    const call = settle(
      policy.execute(
        ({ attempt, signal, deadline }) => {
          deadlines.push(deadline - startedAt);
          return attempt < 2 ? hang(signal) : Promise.resolve('refined');
        },
        { tool: 'refine_readability', idempotent: true },
      ),
    );
    await vi.advanceTimersByTimeAsync(999);
    expect(deadlines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1 + 500);
    expect(await call).toBe('refined');
    expect(deadlines).toEqual([1_000, 2_500]);
  });

  it('reports an attempt timeout of a non-idempotent call as deadline_exceeded naming the attempt', async () => {
    const policy = policyWith({ timeouts: { globalMs: 10_000, attemptMs: 1_000 } });
    const call = settle(policy.execute(({ signal }) => hang(signal), { tool: 'generate_story' }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await call).toMatchObject({
      code: 'deadline_exceeded',
      message: 'generate_story on peer:video: attempt 1 did not complete within 1000 ms',
    });
  });
});
