import { describe, expect, it } from 'vitest';
import { abortError } from './abort-error.js';
import { MeshError } from './mesh-error.js';

const aborted = (reason?: unknown) => {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
};

describe('abortError', () => {
  it('returns a MeshError reason as it is, with or without `what`', () => {
    const reason = new MeshError('node draining', 'unavailable');
    expect(abortError(aborted(reason))).toBe(reason);
    expect(abortError(aborted(reason), 'the call')).toBe(reason);
  });

  it('makes a timeout deadline_exceeded and anything else canceled, keeping the reason as the cause', () => {
    const timeout = new DOMException('signal timed out', 'TimeoutError');
    expect(abortError(aborted(timeout))).toMatchObject({
      code: 'deadline_exceeded',
      message: 'signal timed out',
    });
    expect(abortError(aborted())).toMatchObject({ code: 'canceled' });
    const named = abortError(aborted(timeout), 'the call of echo');
    expect(named).toMatchObject({
      code: 'deadline_exceeded',
      message: "the call of echo: the caller's deadline passed",
    });
    expect(named.cause).toBe(timeout);
    expect(abortError(aborted('stop'), 'waiting for the job')).toMatchObject({
      code: 'canceled',
      message: 'waiting for the job was canceled by the caller',
      cause: 'stop',
    });
  });
});
