// Issue 20 item 2: a peer link and the policy in front of it keep nothing per call once the call ended. Thousands of
// calls over a real HTTP/2 link (a mesh server on port 0): answered, failed, timed out (by the policy, by the link,
// on the call channel and on unary streams) and aborted by their caller. Afterwards the link holds no call, the
// long-lived signal every call was given has no listener left, no timer is left running and the server-side
// handlers have all ended.
import { getEventListeners, setMaxListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { MeshError } from '../../src/errors/mesh-error.js';
import type { InboundCall } from '../../src/host/tool-host.js';
import { createMeshServer } from '../../src/link/mesh-server.js';
import { createPeerLink, peerLinkInFlight } from '../../src/link/peer-link.js';
import { createPeerPolicy } from '../../src/resilience/peer-policy.js';
import { createTestHost, metadata } from './fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** Timers keeping the process alive (an unref'd timer, such as the channel's idle check, is not counted). */
const activeTimers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

/** Runs `tasks` `concurrency` at a time; every task must settle (its failure is what some tasks test). */
async function runAll(
  tasks: Array<() => Promise<unknown>>,
  concurrency: number,
): Promise<PromiseSettledResult<unknown>[]> {
  const results: PromiseSettledResult<unknown>[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!().then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    }),
  );
  return results;
}

const codeOf = (result: PromiseSettledResult<unknown>) =>
  result.status === 'fulfilled' ? 'ok' : MeshError.isInstance(result.reason) ? result.reason.code : 'other';

describe('peer link bounds (issue 20)', () => {
  it('holds no call, listener or timer after thousands of answered, failed, timed-out and aborted calls', {
    timeout: 120_000,
  }, async () => {
    const host = createTestHost();
    // Server-side handlers running now: each call's handler must end, including those of abandoned calls.
    let handlersRunning = 0;
    // The mesh service runs every call through `callToolOutcome`.
    const callToolOutcome = host.callToolOutcome.bind(host);
    host.callToolOutcome = async (name: string, args: Record<string, unknown>, call: InboundCall) => {
      handlersRunning += 1;
      try {
        return await callToolOutcome(name, args, call);
      } finally {
        handlersRunning -= 1;
      }
    };
    const server = createMeshServer({ host });
    await server.start();
    cleanup.push(() => server.close({ timeoutMs: 100 }));
    const link = createPeerLink({ url: server.url });
    cleanup.push(() => link.close());
    // Timeouts are the point here: the breaker must not open and turn calls away before they reach the link.
    const breaker = { failureRatio: 1, minimumThroughput: 1_000_000 };
    const policy = createPeerPolicy({
      target: 'peer:bounds',
      timeouts: { globalMs: 10_000, toolMs: { wait: 25 } },
      retry: { maxAttempts: 1 },
      breaker,
    });
    cleanup.push(() => policy.close());
    // Calls their caller aborts go through a policy with a long deadline, so they end canceled, never timed out
    // (on a busy event loop a short deadline and an early abort can fall due in the same turn).
    const patient = createPeerPolicy({ target: 'peer:bounds-patient', retry: { maxAttempts: 1 }, breaker });
    cleanup.push(() => patient.close());
    // The long-lived signal a server gives every request it handles (its shutdown signal, say).
    const shutdown = new AbortController();
    const shared = shutdown.signal;
    // Every call in flight listens on it (64 at a time here), as on a real server.
    setMaxListeners(1_000, shared);

    // Warm up: the HTTP/2 connection, the call channel and the policy exist before the baseline is taken.
    await link.callTool('echo', { text: 'warm' }, { timeoutMs: 5_000, metadata: metadata() });
    await Promise.all([policy.start(), patient.start()]);
    const timersBefore = activeTimers();

    const viaPolicy =
      (name: string, args: Record<string, unknown>, signal: AbortSignal, through = policy) =>
      () =>
        through.execute(
          ({ signal: attemptSignal, deadline }) =>
            link.callTool(name, args, {
              signal: attemptSignal,
              timeoutMs: deadline - Date.now(),
              metadata: metadata(),
            }),
          { tool: name, signal },
        );
    const direct =
      (name: string, args: Record<string, unknown>, options: { timeoutMs: number; progress?: boolean }) =>
      () =>
        link.callTool(name, args, {
          signal: shared,
          timeoutMs: options.timeoutMs,
          metadata: metadata(),
          ...(options.progress ? { onProgress: () => {} } : {}),
        });
    const abortedSoon = (run: (signal: AbortSignal) => () => Promise<unknown>) => () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 5);
      return run(controller.signal)();
    };
    // More than 64 KiB of arguments: these go as unary HTTP/2 streams, not on the call channel.
    const large = { text: 'x'.repeat(70 * 1024) };

    const tasks: Array<{ kind: string; run: () => Promise<unknown> }> = [];
    const add = (kind: string, count: number, run: () => Promise<unknown>) => {
      for (let index = 0; index < count; index += 1) tasks.push({ kind, run });
    };
    add('answered (policy, channel)', 2_000, viaPolicy('echo', { text: 'hello' }, shared));
    add('failed (policy, channel)', 400, viaPolicy('fail', {}, shared));
    add('timed out (policy, channel)', 300, viaPolicy('wait', {}, shared));
    add(
      'aborted (policy, channel)',
      300,
      abortedSoon((signal) => viaPolicy('wait', {}, signal, patient)),
    );
    add('timed out (link, channel)', 200, direct('wait', {}, { timeoutMs: 20 }));
    add(
      'answered (link, progress stream)',
      200,
      direct('progress', {}, { timeoutMs: 10_000, progress: true }),
    );
    add('timed out (link, progress stream)', 100, direct('wait', {}, { timeoutMs: 20, progress: true }));
    add('answered (link, unary)', 50, direct('echo', large, { timeoutMs: 10_000 }));
    add('timed out (link, unary)', 50, direct('wait', large, { timeoutMs: 20 }));
    // Interleaved, so every kind of call is in flight alongside the others.
    tasks.sort((a, b) => (a.kind < b.kind ? -1 : 1));
    const interleaved = tasks.map((_, index) => tasks[(index * 7919) % tasks.length]!);

    // What is held while calls are in flight, so the checks below are seen to count something.
    let most = { channelCalls: 0, listeners: 0, timers: 0, handlers: 0 };
    const sampler = setInterval(() => {
      most = {
        channelCalls: Math.max(most.channelCalls, peerLinkInFlight(link)?.channelCalls ?? 0),
        listeners: Math.max(most.listeners, getEventListeners(shared, 'abort').length),
        timers: Math.max(most.timers, activeTimers()),
        handlers: Math.max(most.handlers, handlersRunning),
      };
    }, 2);
    let results: PromiseSettledResult<unknown>[];
    try {
      results = await runAll(
        interleaved.map((task) => task.run),
        64,
      );
    } finally {
      clearInterval(sampler);
    }

    const outcomes: Record<string, Record<string, number>> = {};
    interleaved.forEach((task, index) => {
      const code = codeOf(results[index]!);
      outcomes[task.kind] ??= {};
      outcomes[task.kind]![code] = (outcomes[task.kind]![code] ?? 0) + 1;
    });
    expect(outcomes).toEqual({
      'answered (policy, channel)': { ok: 2_000 },
      'failed (policy, channel)': { not_found: 400 },
      'timed out (policy, channel)': { deadline_exceeded: 300 },
      'aborted (policy, channel)': { canceled: 300 },
      'timed out (link, channel)': { deadline_exceeded: 200 },
      'answered (link, progress stream)': { ok: 200 },
      'timed out (link, progress stream)': { deadline_exceeded: 100 },
      'answered (link, unary)': { ok: 50 },
      'timed out (link, unary)': { deadline_exceeded: 50 },
    });
    expect(most.channelCalls).toBeGreaterThan(0);
    expect(most.listeners).toBeGreaterThan(0);
    expect(most.timers).toBeGreaterThan(timersBefore);
    expect(most.handlers).toBeGreaterThan(0);

    // The link answered every caller; the server learns of abandoned calls a moment later (cancel frames, resets).
    await expect.poll(() => handlersRunning, { timeout: 10_000 }).toBe(0);
    expect(peerLinkInFlight(link)).toMatchObject({ channelCalls: 0, watchers: 0 });
    expect(getEventListeners(shared, 'abort')).toHaveLength(0);
    // Polled with a plain sleep: expect.poll's own timers would be counted.
    for (let waited = 0; activeTimers() > timersBefore && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    for (const each of [policy, patient]) {
      expect(each.status()).toMatchObject({ state: 'closed', active: 0, queued: 0 });
    }

    // Closing the link ends its call channel.
    await link.close();
    await expect
      .poll(() => peerLinkInFlight(link), { timeout: 10_000 })
      .toEqual({
        channelCalls: 0,
        channels: 0,
        watchers: 0,
      });
    shutdown.abort();
  });
});
