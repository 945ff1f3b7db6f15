import { describe, expect, it } from 'vitest';
import {
  type CallMetadata,
  callTimeoutMs,
  deriveOutboundMetadata,
  pickCallMetadata,
} from './call-metadata.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const SPAN = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';

const inbound: CallMetadata = {
  correlationId: 'corr-1',
  hop: 2,
  deadline: 5_000,
  traceparent: TRACEPARENT,
  tracestate: 'vendor=caller',
  budgetId: 'budget-7',
  principal: 'ada',
};

describe('pickCallMetadata', () => {
  it('keeps the seven metadata fields and drops everything else', () => {
    const call = {
      ...inbound,
      signal: new AbortController().signal,
      onProgress: () => {},
      requestState: 's',
    };
    expect(pickCallMetadata(call)).toEqual(inbound);
    expect(pickCallMetadata({ correlationId: 'c', hop: 0 })).toEqual({ correlationId: 'c', hop: 0 });
  });
});

describe('deriveOutboundMetadata', () => {
  it('adds a hop, keeps correlation id, deadline and budget, and leaves the principal behind', () => {
    expect(deriveOutboundMetadata(inbound)).toEqual({
      correlationId: 'corr-1',
      hop: 3,
      deadline: 5_000,
      traceparent: TRACEPARENT,
      tracestate: 'vendor=caller',
      budgetId: 'budget-7',
    });
  });

  it("carries the trace context of the current span instead of the caller's", () => {
    expect(deriveOutboundMetadata(inbound, { traceparent: SPAN, tracestate: undefined })).toEqual({
      correlationId: 'corr-1',
      hop: 3,
      deadline: 5_000,
      traceparent: SPAN,
      budgetId: 'budget-7',
    });
    // A span without trace context (tracing off) sends none rather than the caller's.
    expect(deriveOutboundMetadata({ correlationId: 'c', hop: 0, traceparent: TRACEPARENT }, {})).toEqual({
      correlationId: 'c',
      hop: 1,
    });
  });
});

describe('callTimeoutMs', () => {
  const metadata: CallMetadata = { correlationId: 'c', hop: 1, deadline: 1_500 };
  const now = () => 1_000;

  it('prefers the call’s timeoutMs, then the time left until the deadline, then the default', () => {
    expect(callTimeoutMs({ timeoutMs: 200, metadata }, 30_000, now)).toBe(200);
    expect(callTimeoutMs({ metadata }, 30_000, now)).toBe(500);
    expect(callTimeoutMs({ metadata: { correlationId: 'c', hop: 1 } }, 30_000, now)).toBe(30_000);
    expect(callTimeoutMs({}, 30_000, now)).toBe(30_000);
  });

  it('reports a deadline that already passed as zero or less', () => {
    expect(callTimeoutMs({ metadata }, 30_000, () => 2_000)).toBe(-500);
  });
});
