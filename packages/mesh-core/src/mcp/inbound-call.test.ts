import { describe, expect, it } from 'vitest';
import { readCallMetadata } from './inbound-call.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('readCallMetadata', () => {
  it('prefers _meta over headers', () => {
    const headers = new Headers({ 'mesh-correlation-id': 'from-header', 'mesh-timeout-ms': '900' });
    const metadata = readCallMetadata(
      {
        'io.kidsstories/correlation-id': 'from-meta',
        'io.kidsstories/budget-id': 'b',
        traceparent: TRACEPARENT,
      },
      headers,
    );
    expect(metadata).toEqual({
      correlationId: 'from-meta',
      budgetId: 'b',
      traceparent: TRACEPARENT,
      timeoutMs: 900,
    });
  });

  it('reads headers when _meta is absent and generates a correlation id when none is sent', () => {
    const headers = new Headers({ traceparent: TRACEPARENT, tracestate: 'k=v' });
    expect(readCallMetadata(undefined, headers, { generateId: () => 'generated' })).toEqual({
      correlationId: 'generated',
      traceparent: TRACEPARENT,
      tracestate: 'k=v',
    });
  });

  it('rejects a malformed deadline or correlation id naming where it came from', () => {
    expect(() => readCallMetadata({ 'io.kidsstories/timeout-ms': 'soon' }, undefined)).toThrow(
      /_meta.io.kidsstories\/timeout-ms must be a number/,
    );
    expect(() => readCallMetadata(undefined, new Headers({ 'mesh-timeout-ms': '0' }))).toThrow(
      /header mesh-timeout-ms/,
    );
    expect(() => readCallMetadata({ 'io.kidsstories/correlation-id': 'has space' }, undefined)).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        details: { field: '_meta.io.kidsstories/correlation-id' },
      }),
    );
  });
});
