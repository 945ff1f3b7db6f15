import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { createMemoryCircuitStateStore } from '../memory/memory-circuit-state-store.js';
import { createMemoryEventBus } from '../memory/memory-event-bus.js';
import type { MeshEvent } from '../ports/event-bus.js';
import { createPeerPolicy, type PeerPolicyOptions, type PolicyAttempt } from './peer-policy.js';

const unavailable = () => new MeshError('connection refused', 'unavailable');

/** Settles a promise into a value or the MeshError it rejected with, without unhandled rejections. */
function settle<T>(promise: Promise<T>): Promise<T | MeshError> {
  return promise.catch((error: unknown) => MeshError.from(error));
}

const smallBreaker = {
  failureRatio: 0.5,
  samplingDurationMs: 1000,
  minimumThroughput: 4,
  breakDurationMs: 5000,
  probeTtlMs: 1000,
};

function policyWith(overrides: Partial<PeerPolicyOptions> = {}) {
  return createPeerPolicy({
    target: 'peer:media',
    retry: { maxAttempts: 1 },
    breaker: smallBreaker,
    random: () => 0,
    ...overrides,
  });
}

/** Fails `count` calls with `unavailable` so the breaker opens. */
async function failCalls(policy: ReturnType<typeof createPeerPolicy>, count: number) {
  for (let i = 0; i < count; i += 1) {
    await settle(
      policy.execute(async () => {
        throw unavailable();
      }),
    );
  }
}

/** A call with `attemptsKeepDeadline` whose attempt never ends, and the signal its attempt got. */
function hangingCall(policy: ReturnType<typeof createPeerPolicy>, signal: AbortSignal | undefined) {
  let seen: AbortSignal | undefined;
  const call = settle(
    policy.execute(
      (attempt) => {
        seen = attempt.signal;
        return new Promise(() => {});
      },
      { attemptsKeepDeadline: true, ...(signal ? { signal } : {}) },
    ),
  );
  return { call, seen: () => seen };
}

describe('createPeerPolicy', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects bad options with invalid_argument naming the field', () => {
    expect(() => createPeerPolicy({ target: 'p', retry: { maxAttempts: 0 } })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', details: { field: 'retry.maxAttempts' } }),
    );
    expect(() => createPeerPolicy({ target: 'p', breaker: { failureRatio: 1.5 } })).toThrow(
      /breaker.failureRatio/,
    );
    expect(() => createPeerPolicy({ target: 'p', timeouts: { toolMs: { slow: -1 } } })).toThrow(
      /timeouts.toolMs.slow/,
    );
  });

  it('picks the timeout per tool, then per peer, then global', () => {
    const policy = createPeerPolicy({
      target: 'p',
      timeouts: { globalMs: 9000, peerMs: 4000, toolMs: { render: 60_000 } },
    });
    expect(policy.timeoutFor('render')).toBe(60_000);
    expect(policy.timeoutFor('other')).toBe(4000);
    expect(createPeerPolicy({ target: 'p', timeouts: { globalMs: 9000 } }).timeoutFor('x')).toBe(9000);
    expect(createPeerPolicy({ target: 'p' }).timeoutFor()).toBe(30_000);
  });

  it('aborts the attempt at the deadline and rejects with deadline_exceeded', async () => {
    const policy = policyWith({ timeouts: { globalMs: 10_000, toolMs: { render: 200 } } });
    let seen: AbortSignal | undefined;
    const call = settle(
      policy.execute(
        ({ signal }) =>
          new Promise((_, reject) => {
            seen = signal;
            signal.addEventListener('abort', () => reject(new MeshError('aborted', 'canceled')));
          }),
        { tool: 'render' },
      ),
    );
    await vi.advanceTimersByTimeAsync(199);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await call;
    expect(error).toMatchObject({ code: 'deadline_exceeded' });
    expect(seen?.aborted).toBe(true);
  });

  it("never runs past the caller's deadline and hands the deadline to the attempt", async () => {
    const policy = policyWith({ timeouts: { globalMs: 10_000 } });
    const deadline = Date.now() + 300;
    let attempt: PolicyAttempt | undefined;
    const call = settle(
      policy.execute(
        (current) => {
          attempt = current;
          return new Promise(() => {});
        },
        { deadline },
      ),
    );
    await vi.advanceTimersByTimeAsync(300);
    expect(await call).toMatchObject({
      code: 'deadline_exceeded',
      message: expect.stringContaining("caller's"),
    });
    expect(attempt?.deadline).toBe(deadline);
    await expect(policy.execute(async () => 1, { deadline: Date.now() - 1 })).rejects.toMatchObject({
      code: 'deadline_exceeded',
    });
  });

  it('reports a caller cancellation as canceled', async () => {
    const policy = policyWith();
    const controller = new AbortController();
    const call = settle(policy.execute(() => new Promise(() => {}), { signal: controller.signal }));
    controller.abort();
    expect(await call).toMatchObject({ code: 'canceled' });
  });

  it('retries retry-safe failures with exponential backoff and jitter', async () => {
    const policy = policyWith({
      retry: { maxAttempts: 3, initialDelayMs: 100, jitter: 0.5 },
      random: () => 0,
    });
    const startedAt: number[] = [];
    const call = policy.execute(async ({ attempt }) => {
      startedAt.push(Date.now());
      if (attempt < 3) throw unavailable();
      return attempt;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await call).toBe(3);
    const first = startedAt[0] ?? 0;
    expect(startedAt.map((at) => at - first)).toEqual([0, 100, 300]);
  });

  it('gives up after maxAttempts with the last failure', async () => {
    const policy = policyWith({ retry: { maxAttempts: 2, initialDelayMs: 10 } });
    let calls = 0;
    const call = settle(
      policy.execute(async () => {
        calls += 1;
        throw new MeshError(`refused ${calls}`, 'unavailable');
      }),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(await call).toMatchObject({ code: 'unavailable', message: 'refused 2' });
    expect(calls).toBe(2);
  });

  it('does not retry failures that are not retry-safe', async () => {
    const policy = policyWith({ retry: { maxAttempts: 3, initialDelayMs: 10 } });
    for (const code of ['invalid_argument', 'internal', 'deadline_exceeded'] as const) {
      let calls = 0;
      const error = await settle(
        policy.execute(async () => {
          calls += 1;
          throw new MeshError('no', code);
        }),
      );
      expect(error).toMatchObject({ code });
      expect(calls).toBe(1);
    }
  });

  it("honours a resource_exhausted error's retryAfterMs", async () => {
    const policy = policyWith({ retry: { maxAttempts: 2, initialDelayMs: 10 } });
    const startedAt: number[] = [];
    const call = policy.execute(async ({ attempt }) => {
      startedAt.push(Date.now());
      if (attempt === 1)
        throw new MeshError('quota', 'resource_exhausted', { details: { retryAfterMs: 750 } });
      return 'ok';
    });
    await vi.advanceTimersByTimeAsync(749);
    expect(startedAt).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await call).toBe('ok');
    expect((startedAt[1] ?? 0) - (startedAt[0] ?? 0)).toBe(750);
  });

  it('opens after the failure ratio, rejects fast without calling the peer, half-opens and closes', async () => {
    const events = createMemoryEventBus();
    const seen: MeshEvent[] = [];
    await events.subscribe('mesh.circuit', (event) => seen.push(event));
    const policy = policyWith({ events, instanceId: 'gw-1' });
    // Below the minimum throughput nothing opens, whatever the ratio.
    await failCalls(policy, 3);
    expect(policy.state()).toBe('closed');
    await failCalls(policy, 1);
    expect(policy.state()).toBe('open');

    let calls = 0;
    const rejected = await settle(
      policy.execute(async () => {
        calls += 1;
        return 'ok';
      }),
    );
    expect(calls).toBe(0);
    expect(rejected).toMatchObject({ code: 'unavailable', details: { circuit: 'open', retryAfterMs: 5000 } });
    expect(policy.status()).toMatchObject({ state: 'open', retryAfterMs: 5000 });

    await vi.advanceTimersByTimeAsync(5000);
    let release: (value: string) => void = () => {};
    const probe = policy.execute(
      () =>
        new Promise<string>((resolve) => {
          calls += 1;
          release = resolve;
        }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(policy.state()).toBe('half_open');
    // While the probe runs, other calls reject fast instead of piling onto a sick peer.
    expect(await settle(policy.execute(async () => 'other'))).toMatchObject({
      code: 'unavailable',
      details: { circuit: 'half_open' },
    });
    release('probe ok');
    expect(await probe).toBe('probe ok');
    expect(policy.state()).toBe('closed');
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.map((event) => [event.type, event.data.target, event.data.state])).toEqual([
      ['circuit.opened', 'peer:media', 'open'],
      ['circuit.half_open', 'peer:media', 'half_open'],
      ['circuit.closed', 'peer:media', 'closed'],
    ]);
    expect(seen[0]?.source).toBe('gw-1');
  });

  it('reopens when the half-open probe fails', async () => {
    const policy = policyWith();
    await failCalls(policy, 4);
    await vi.advanceTimersByTimeAsync(5000);
    await failCalls(policy, 1);
    expect(policy.state()).toBe('open');
    expect(policy.status().retryAfterMs).toBe(5000);
  });

  it('does not count client faults towards the breaker', async () => {
    const policy = policyWith();
    for (let i = 0; i < 10; i += 1) {
      await settle(
        policy.execute(async () => {
          throw new MeshError('bad page_count', 'invalid_argument');
        }),
      );
    }
    expect(policy.state()).toBe('closed');
  });

  it('counts deadline overruns towards the breaker', async () => {
    const policy = policyWith({ timeouts: { globalMs: 50 } });
    for (let i = 0; i < 4; i += 1) {
      const call = settle(
        policy.execute(
          ({ signal }) =>
            new Promise((_, reject) => {
              signal.addEventListener('abort', () => reject(new MeshError('aborted', 'canceled')));
            }),
        ),
      );
      await vi.advanceTimersByTimeAsync(50);
      expect(await call).toMatchObject({ code: 'deadline_exceeded' });
    }
    expect(policy.state()).toBe('open');
  });

  it('with attemptsKeepDeadline, hands the caller signal to the attempts and still answers at the deadline', async () => {
    const policy = policyWith({ timeouts: { globalMs: 10_000, toolMs: { render: 200 } } });
    const caller = new AbortController();
    const seen: AbortSignal[] = [];
    let attemptDeadline = 0;
    const call = settle(
      policy.execute(
        ({ signal, deadline }) => {
          seen.push(signal);
          attemptDeadline = deadline;
          // An attempt that never ends: the policy's own timer answers the caller.
          return new Promise(() => {});
        },
        { tool: 'render', signal: caller.signal, attemptsKeepDeadline: true },
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([caller.signal]);
    expect(attemptDeadline).toBe(Date.now() + 200);
    await vi.advanceTimersByTimeAsync(200);
    expect(await call).toMatchObject({ code: 'deadline_exceeded', details: { timeoutMs: 200 } });
    expect(caller.signal.aborted).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('with attemptsKeepDeadline, a call still queued at its deadline never reaches the peer', async () => {
    const policy = policyWith({
      timeouts: { globalMs: 1_000 },
      bulkhead: { maxConcurrent: 1, maxQueued: 1 },
    });
    const caller = new AbortController();
    const started: string[] = [];
    const first = settle(
      policy.execute(
        () => {
          started.push('first');
          return new Promise<string>((resolve) => setTimeout(() => resolve('first done'), 150));
        },
        { signal: caller.signal, attemptsKeepDeadline: true },
      ),
    );
    const queued = settle(
      policy.execute(
        async () => {
          started.push('queued');
          return 'queued done';
        },
        { signal: caller.signal, attemptsKeepDeadline: true, deadline: Date.now() + 100 },
      ),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(await queued).toMatchObject({ code: 'deadline_exceeded' });
    await vi.advanceTimersByTimeAsync(100);
    expect(await first).toBe('first done');
    expect(started).toEqual(['first']);
    expect(policy.status()).toMatchObject({ active: 0, queued: 0, state: 'closed' });
  });

  it('with attemptsKeepDeadline, passes a caller cancellation to the attempt through its own signal', async () => {
    const caller = new AbortController();
    const { call, seen } = hangingCall(policyWith(), caller.signal);
    await vi.advanceTimersByTimeAsync(0);
    caller.abort();
    expect(await call).toMatchObject({ code: 'canceled' });
    expect(seen()?.aborted).toBe(true);
  });

  it('without a caller signal, attemptsKeepDeadline changes nothing: the attempt is aborted at the deadline', async () => {
    const { call, seen } = hangingCall(policyWith({ timeouts: { globalMs: 50 } }), undefined);
    await vi.advanceTimersByTimeAsync(50);
    expect(await call).toMatchObject({ code: 'deadline_exceeded' });
    expect(seen()?.aborted).toBe(true);
  });

  it('keeps an independent bulkhead per peer', async () => {
    const media = policyWith({ bulkhead: { maxConcurrent: 1, maxQueued: 1 } });
    const text = policyWith({ target: 'peer:text', bulkhead: { maxConcurrent: 1, maxQueued: 0 } });
    const hold = () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 100));
    const first = media.execute(hold);
    const queued = media.execute(hold);
    await vi.advanceTimersByTimeAsync(0);
    expect(media.status()).toMatchObject({ active: 1, queued: 1 });
    expect(await settle(media.execute(hold))).toMatchObject({
      code: 'resource_exhausted',
      details: { bulkhead: 'full', limit: 2 },
    });
    // The other peer's pool is untouched.
    const other = text.execute(hold);
    await vi.advanceTimersByTimeAsync(200);
    expect(await Promise.all([first, queued, other])).toEqual(['done', 'done', 'done']);
    // A full bulkhead is local load shedding, not a peer failure.
    expect(media.state()).toBe('closed');
  });
});

describe('createPeerPolicy with shared circuit state', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes a replica reject fast when another opened the breaker, and lets one replica probe', async () => {
    const circuitState = createMemoryCircuitStateStore();
    const events = createMemoryEventBus();
    const a = policyWith({ circuitState, events, instanceId: 'gw-a' });
    const b = policyWith({ circuitState, events, instanceId: 'gw-b' });
    await Promise.all([a.start(), b.start()]);
    await failCalls(a, 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(await circuitState.get('peer:media')).toMatchObject({
      state: 'open',
      updatedBy: 'gw-a',
      version: 1,
    });
    expect(b.state()).toBe('open');
    let calls = 0;
    const call = async () => {
      calls += 1;
      return 'ok';
    };
    expect(await settle(b.execute(call))).toMatchObject({
      code: 'unavailable',
      details: { circuit: 'open' },
    });
    expect(calls).toBe(0);

    // After the break, exactly one replica wins the probe; the other keeps rejecting.
    await vi.advanceTimersByTimeAsync(5000);
    let release: (value: string) => void = () => {};
    const probe = b.execute(
      () =>
        new Promise<string>((resolve) => {
          calls += 1;
          release = resolve;
        }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(await settle(a.execute(call))).toMatchObject({
      code: 'unavailable',
      details: { circuit: 'half_open' },
    });
    expect(calls).toBe(1);
    release('probe ok');
    expect(await probe).toBe('probe ok');
    await vi.advanceTimersByTimeAsync(0);
    expect(await circuitState.get('peer:media')).toMatchObject({ state: 'closed', updatedBy: 'gw-b' });
    expect(a.state()).toBe('closed');
    expect(await a.execute(call)).toBe('ok');
    await Promise.all([a.close(), b.close()]);
  });

  it('adopts the shared state on start instead of resetting it', async () => {
    const circuitState = createMemoryCircuitStateStore();
    const halfOpenAt = Date.now() + 20_000;
    await circuitState.transition(
      'peer:media',
      { state: 'open', openedAt: Date.now(), halfOpenAt, updatedBy: 'gw-old' },
      0,
    );
    const fresh = policyWith({ circuitState, instanceId: 'gw-new' });
    const error = await settle(fresh.execute(async () => 'ok'));
    expect(error).toMatchObject({ code: 'unavailable', details: { circuit: 'open', retryAfterMs: 20_000 } });
    expect(fresh.status()).toMatchObject({ state: 'open', version: 1, updatedBy: 'gw-old', halfOpenAt });
    expect(await circuitState.get('peer:media')).toMatchObject({ state: 'open', version: 1 });
  });

  it('follows breaker events when there is no circuit-state store', async () => {
    const events = createMemoryEventBus();
    const a = policyWith({ events, instanceId: 'gw-a' });
    const b = policyWith({ events, instanceId: 'gw-b' });
    const other = policyWith({ events, instanceId: 'gw-b', target: 'peer:text' });
    await Promise.all([a.start(), b.start(), other.start()]);
    await failCalls(a, 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.state()).toBe('open');
    expect(other.state()).toBe('closed');
    expect(await settle(b.execute(async () => 'ok'))).toMatchObject({ details: { circuit: 'open' } });
    await vi.advanceTimersByTimeAsync(5000);
    expect(await a.execute(async () => 'probe')).toBe('probe');
    await vi.advanceTimersByTimeAsync(0);
    expect(b.state()).toBe('closed');
  });
});
