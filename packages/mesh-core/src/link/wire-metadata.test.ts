import { describe, expect, it } from 'vitest';
import type { CallMetadata } from '../call/call-metadata.js';
import {
  type CallMetadataFromWireOptions,
  callMetadataFromWire,
  callMetadataToWire,
} from './wire-metadata.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const options = (overrides: Partial<CallMetadataFromWireOptions> = {}): CallMetadataFromWireOptions => ({
  timeoutMs: undefined,
  maxHops: 8,
  generateId: () => 'generated',
  now: () => 1_000,
  nodeId: 'node-a',
  ...overrides,
});

/** Reads headers from a plain record, as the call channel's metadata map and the lean unary path do. */
const reader =
  (headers: Record<string, string>) =>
  (name: string): string | null =>
    headers[name] ?? null;

describe('callMetadataToWire / callMetadataFromWire', () => {
  it('round-trips every field the wire carries; the deadline travels as the time left', () => {
    const sent: CallMetadata = {
      correlationId: 'corr-1',
      hop: 3,
      deadline: 6_000,
      traceparent: TRACEPARENT,
      tracestate: 'vendor=value',
      budgetId: 'budget-7',
      principal: 'sender',
    };
    const headers = callMetadataToWire(sent);
    expect(headers).toEqual({
      'mesh-correlation-id': 'corr-1',
      'mesh-hop': '3',
      traceparent: TRACEPARENT,
      tracestate: 'vendor=value',
      'mesh-budget-id': 'budget-7',
    });
    // The sender's principal stays behind; the receiver names the caller it authenticated.
    const received = callMetadataFromWire(
      reader(headers),
      options({ timeoutMs: 5_000, principal: 'gateway' }),
    );
    expect(received).toEqual({ ...sent, principal: 'gateway' });
    // Connect hands the same values over as web Headers.
    const fromHeaders = new Headers(headers);
    expect(callMetadataFromWire((name) => fromHeaders.get(name), options({ timeoutMs: 5_000 }))).toEqual({
      correlationId: 'corr-1',
      hop: 3,
      deadline: 6_000,
      traceparent: TRACEPARENT,
      tracestate: 'vendor=value',
      budgetId: 'budget-7',
    });
  });

  it('sends only what is set, and reads a plain gRPC request (no mesh headers) as hop 1 with a new id', () => {
    expect(callMetadataToWire({ correlationId: 'c', hop: 0 })).toEqual({
      'mesh-correlation-id': 'c',
      'mesh-hop': '0',
    });
    expect(callMetadataFromWire(reader({}), options())).toEqual({ correlationId: 'generated', hop: 1 });
    expect(callMetadataFromWire(reader({ 'mesh-correlation-id': '', 'mesh-hop': '' }), options())).toEqual({
      correlationId: 'generated',
      hop: 1,
    });
  });

  it('rejects a hop count that is not a non-negative integer, naming the header', () => {
    for (const hop of ['-1', '1.5', 'two', '9007199254740993']) {
      expect(() => callMetadataFromWire(reader({ 'mesh-hop': hop }), options())).toThrow(
        expect.objectContaining({
          code: 'invalid_argument',
          message: 'mesh-hop must be a non-negative integer',
          details: { field: 'mesh-hop' },
        }),
      );
    }
  });

  it('rejects a hop count over maxHops as a routing loop', () => {
    const headers = callMetadataToWire({ correlationId: 'c', hop: 9 });
    expect(() => callMetadataFromWire(reader(headers), options())).toThrow(
      expect.objectContaining({
        code: 'failed_precondition',
        message: 'hop count 9 exceeds the limit of 8 peer links (routing loop?)',
        details: { hop: 9, limit: 8, limitUnit: 'hops', origin: 'node-a' },
      }),
    );
    expect(callMetadataFromWire(reader({ 'mesh-hop': '8' }), options()).hop).toBe(8);
  });

  it('rejects an oversized or non-printable correlation or budget id, naming the header', () => {
    expect(() => callMetadataFromWire(reader({ 'mesh-correlation-id': 'c'.repeat(201) }), options())).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'mesh-correlation-id must be 1 to 200 printable ASCII characters',
        details: { field: 'mesh-correlation-id' },
      }),
    );
    expect(() => callMetadataFromWire(reader({ 'mesh-budget-id': 'has space' }), options())).toThrow(
      expect.objectContaining({ code: 'invalid_argument', details: { field: 'mesh-budget-id' } }),
    );
    expect(
      callMetadataFromWire(reader({ 'mesh-correlation-id': 'c'.repeat(200) }), options()).correlationId,
    ).toBe('c'.repeat(200));
  });

  it('rejects a malformed deadline, and keeps one that already passed (the handler then starts aborted)', () => {
    for (const timeoutMs of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => callMetadataFromWire(reader({}), options({ timeoutMs }))).toThrow(
        expect.objectContaining({
          code: 'invalid_argument',
          message: 'grpc-timeout must be a finite number of milliseconds',
          details: { field: 'grpc-timeout' },
        }),
      );
    }
    expect(callMetadataFromWire(reader({}), options({ timeoutMs: -5 })).deadline).toBe(995);
  });
});
