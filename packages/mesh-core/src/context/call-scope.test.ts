import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCallScope } from './call-scope.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createCallScope', () => {
  it('aborts with a TimeoutError at the earlier of deadline and timeout', async () => {
    vi.useFakeTimers();
    const scope = createCallScope({ timeoutMs: 1_000, deadline: Date.now() + 300 });
    expect(scope.deadline).toBe(Date.now() + 300);
    await vi.advanceTimersByTimeAsync(299);
    expect(scope.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.timedOut()).toBe(true);
    expect((scope.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('is its one parent when it has no deadline, and combines them otherwise', () => {
    const parent = new AbortController();
    const scope = createCallScope({ signals: [undefined, parent.signal] });
    expect(scope.signal).toBe(parent.signal);
    expect(scope.deadline).toBeUndefined();
    scope.dispose();
    parent.abort(new Error('caller left'));
    expect(scope.signal.aborted).toBe(true);
    expect(scope.timedOut()).toBe(false);
    expect((scope.signal.reason as Error).message).toBe('caller left');
    const other = new AbortController();
    const two = createCallScope({ signals: [other.signal, new AbortController().signal] });
    expect(two.signal).not.toBe(other.signal);
    other.abort(new Error('first'));
    expect((two.signal.reason as Error).message).toBe('first');
    const timed = createCallScope({ signals: [new AbortController().signal], timeoutMs: 10_000 });
    expect(timed.deadline).toBeDefined();
    timed.dispose();
  });

  it('follows parent signals with their reason', () => {
    const parent = new AbortController();
    const scope = createCallScope({ signals: [undefined, parent.signal], timeoutMs: 10_000 });
    parent.abort(new Error('caller left'));
    expect(scope.signal.aborted).toBe(true);
    expect(scope.timedOut()).toBe(false);
    expect((scope.signal.reason as Error).message).toBe('caller left');
    scope.dispose();
  });

  it('starts aborted when a parent already is or the deadline has passed', () => {
    expect(createCallScope({ signals: [AbortSignal.abort()] }).signal.aborted).toBe(true);
    const late = createCallScope({ deadline: Date.now() - 1 });
    expect(late.signal.aborted).toBe(true);
    expect(late.timedOut()).toBe(true);
  });

  it('stops its timer on dispose', async () => {
    vi.useFakeTimers();
    const scope = createCallScope({ timeoutMs: 100 });
    scope.dispose();
    await vi.advanceTimersByTimeAsync(200);
    expect(scope.signal.aborted).toBe(false);
    expect(createCallScope({}).deadline).toBeUndefined();
  });
});
