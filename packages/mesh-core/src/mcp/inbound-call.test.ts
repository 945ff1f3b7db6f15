import { describe, expect, it } from 'vitest';
import type { CallMetadata } from '../call/call-metadata.js';
import { callMetadataToMeta, readCallMetadata } from './inbound-call.js';

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
      { now: () => 1_000 },
    );
    expect(metadata).toEqual({
      correlationId: 'from-meta',
      hop: 0,
      budgetId: 'b',
      traceparent: TRACEPARENT,
      deadline: 1_900,
    });
  });

  it('reads headers when _meta is absent and generates a correlation id when none is sent', () => {
    const headers = new Headers({ traceparent: TRACEPARENT, tracestate: 'k=v' });
    expect(readCallMetadata(undefined, headers, { generateId: () => 'generated' })).toEqual({
      correlationId: 'generated',
      hop: 0,
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

  it('rejects an oversized correlation or budget id and a deadline over 24 hours', () => {
    expect(() => readCallMetadata({ 'io.kidsstories/correlation-id': 'c'.repeat(201) }, undefined)).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: '_meta.io.kidsstories/correlation-id must be 1 to 200 printable ASCII characters',
      }),
    );
    expect(() => readCallMetadata(undefined, new Headers({ 'mesh-budget-id': 'b'.repeat(201) }))).toThrow(
      expect.objectContaining({ code: 'invalid_argument', details: { field: 'header mesh-budget-id' } }),
    );
    expect(() => readCallMetadata({ 'io.kidsstories/timeout-ms': 86_400_001 }, undefined)).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: '_meta.io.kidsstories/timeout-ms must be a number of milliseconds between 1 and 86400000',
      }),
    );
  });

  it('sets the principal the edge authenticated', () => {
    expect(readCallMetadata(undefined, undefined, { generateId: () => 'g', principal: 'ada' })).toEqual({
      correlationId: 'g',
      hop: 0,
      principal: 'ada',
    });
  });
});

describe('callMetadataToMeta', () => {
  it('round-trips through readCallMetadata (without hop and principal, which an MCP server does not get)', () => {
    const sent: CallMetadata = {
      correlationId: 'c-1',
      hop: 3,
      deadline: 6_000,
      budgetId: 'budget-7',
      traceparent: TRACEPARENT,
      tracestate: 'k=v',
      principal: 'ada',
    };
    const meta = callMetadataToMeta(sent, 5_000);
    expect(meta).toEqual({
      'io.kidsstories/correlation-id': 'c-1',
      'io.kidsstories/timeout-ms': 5_000,
      'io.kidsstories/budget-id': 'budget-7',
      traceparent: TRACEPARENT,
      tracestate: 'k=v',
    });
    const { principal: _principal, ...expected } = sent;
    expect(readCallMetadata(meta, undefined, { now: () => 1_000 })).toEqual({ ...expected, hop: 0 });
  });

  it('sends a timeout a mesh edge accepts: whole milliseconds between 1 and 24 hours', () => {
    const minimal: CallMetadata = { correlationId: 'c', hop: 1 };
    expect(callMetadataToMeta(minimal, 0.2)).toEqual({
      'io.kidsstories/correlation-id': 'c',
      'io.kidsstories/timeout-ms': 1,
    });
    const long = callMetadataToMeta(minimal, 90_000_000);
    expect(long['io.kidsstories/timeout-ms']).toBe(86_400_000);
    expect(readCallMetadata(long, undefined, { now: () => 0 }).deadline).toBe(86_400_000);
  });
});
