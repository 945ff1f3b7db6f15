import { constants } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { isLocalFailure, MeshError, markLocalFailure, toConnectError } from '../errors/mesh-error.js';
import {
  canceledError,
  connectErrorFromNodeReason,
  connectErrorFromResetCode,
  deadlineExceededError,
  meshErrorFromTransport,
  meshErrorOfCall,
  notProcessedError,
} from './transport-errors.js';

const ORIGIN = 'http://127.0.0.1:7070';

function nodeError(code: string, message = code, cause?: unknown): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message, cause === undefined ? undefined : { cause });
  error.code = code;
  return error;
}

describe('connectErrorFromResetCode', () => {
  it.each([
    [constants.NGHTTP2_PROTOCOL_ERROR, 'PROTOCOL_ERROR (0x1)', Code.Internal],
    [constants.NGHTTP2_INTERNAL_ERROR, 'INTERNAL_ERROR (0x2)', Code.Internal],
    [constants.NGHTTP2_FLOW_CONTROL_ERROR, 'FLOW_CONTROL_ERROR (0x3)', Code.Internal],
    [constants.NGHTTP2_SETTINGS_TIMEOUT, 'SETTINGS_TIMEOUT (0x4)', Code.Internal],
    [constants.NGHTTP2_FRAME_SIZE_ERROR, 'FRAME_SIZE_ERROR (0x6)', Code.Internal],
    [constants.NGHTTP2_REFUSED_STREAM, 'REFUSED_STREAM (0x7)', Code.Unavailable],
    [constants.NGHTTP2_CANCEL, 'CANCEL (0x8)', Code.Canceled],
    [constants.NGHTTP2_COMPRESSION_ERROR, 'COMPRESSION_ERROR (0x9)', Code.Internal],
    [constants.NGHTTP2_CONNECT_ERROR, 'CONNECT_ERROR (0xa)', Code.Internal],
    [constants.NGHTTP2_ENHANCE_YOUR_CALM, 'ENHANCE_YOUR_CALM (0xb)', Code.ResourceExhausted],
    [constants.NGHTTP2_INADEQUATE_SECURITY, 'INADEQUATE_SECURITY (0xc)', Code.PermissionDenied],
    [constants.NGHTTP2_HTTP_1_1_REQUIRED, 'HTTP_1_1_REQUIRED (0xd)', Code.PermissionDenied],
  ])('maps reset code %i to one message and connect-node code', (rstCode, name, code) => {
    const error = connectErrorFromResetCode(rstCode);
    expect(error?.rawMessage).toBe(`http/2 stream closed with error code ${name}`);
    expect(error?.code).toBe(code);
  });

  it('leaves NO_ERROR, STREAM_CLOSED, unknown codes and a missing code unmapped', () => {
    expect(connectErrorFromResetCode(constants.NGHTTP2_NO_ERROR)).toBeUndefined();
    expect(connectErrorFromResetCode(constants.NGHTTP2_STREAM_CLOSED)).toBeUndefined();
    expect(connectErrorFromResetCode(0x99)).toBeUndefined();
    expect(connectErrorFromResetCode(undefined)).toBeUndefined();
  });

  it('marks a refused stream not processed, so the link reports it retry-safe', () => {
    const refused = connectErrorFromResetCode(constants.NGHTTP2_REFUSED_STREAM);
    expect(meshErrorFromTransport(refused, ORIGIN)).toMatchObject({
      code: 'unavailable',
      message: 'http/2 stream closed with error code REFUSED_STREAM (0x7)',
      details: { origin: ORIGIN, reason: 'not_processed' },
    });
  });
});

describe('connectErrorFromNodeReason', () => {
  it.each([
    ['ECONNREFUSED', Code.Unavailable],
    ['ENOTFOUND', Code.Unavailable],
    ['EAI_AGAIN', Code.Unavailable],
    ['ETIMEDOUT', Code.Unavailable],
    ['ECONNRESET', Code.Aborted],
    ['ERR_STREAM_DESTROYED', Code.Aborted],
    ['ERR_HTTP2_INVALID_STREAM', Code.Aborted],
    ['ERR_STREAM_WRITE_AFTER_END', Code.Aborted],
    ['ERR_SOMETHING_ELSE', Code.Internal],
  ])('maps %s to code %i and keeps the Node error as cause', (code, expected) => {
    const reason = nodeError(code, `connect ${code}`);
    const error = connectErrorFromNodeReason(reason);
    expect(error.code).toBe(expected);
    expect(error.cause).toBe(reason);
  });

  it('finds the code deeper in the cause chain', () => {
    const error = connectErrorFromNodeReason(new Error('outer', { cause: nodeError('ECONNREFUSED') }));
    expect(error.code).toBe(Code.Unavailable);
  });
});

describe('meshErrorFromTransport', () => {
  it('maps a TLS failure anywhere in the cause chain to unavailable naming the peer', () => {
    const tls = nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate');
    const reason = new ConnectError('internal', Code.Internal, undefined, undefined, tls);
    const error = meshErrorFromTransport(reason, ORIGIN);
    expect(error).toMatchObject({ code: 'unavailable', details: { origin: ORIGIN } });
    expect(error.message).toBe(`TLS handshake with ${ORIGIN} failed: [internal] internal`);
    expect(
      meshErrorFromTransport(nodeError('ERR_TLS_CERT_ALTNAME_INVALID', 'bad name'), ORIGIN),
    ).toMatchObject({
      code: 'unavailable',
      message: `TLS handshake with ${ORIGIN} failed: bad name`,
    });
  });

  it('maps a refused stream or an unsent request that connect reports as internal to not_processed', () => {
    const refused = connectErrorFromNodeReason(
      nodeError('ERR_HTTP2_STREAM_ERROR', 'Stream closed with error code NGHTTP2_REFUSED_STREAM'),
    );
    expect(refused.code).toBe(Code.Internal);
    expect(meshErrorFromTransport(refused, ORIGIN)).toMatchObject({
      code: 'unavailable',
      message: `${ORIGIN} did not process the request: Stream closed with error code NGHTTP2_REFUSED_STREAM`,
      details: { origin: ORIGIN, reason: 'not_processed' },
    });
    for (const code of ['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_STREAM_CANCEL']) {
      expect(meshErrorFromTransport(connectErrorFromNodeReason(nodeError(code)), ORIGIN)).toMatchObject({
        code: 'unavailable',
        details: { reason: 'not_processed' },
      });
    }
  });

  it('never reads an error the peer sent as not processed', () => {
    // A peer's own `internal` carries no Node error: it stays `internal`.
    const sent = new ConnectError('Stream closed with error code NGHTTP2_REFUSED_STREAM', Code.Internal);
    expect(meshErrorFromTransport(sent, ORIGIN)).toMatchObject({
      code: 'internal',
      details: { origin: ORIGIN },
    });
  });

  it("keeps a peer's code and details, and its own origin when it named one", () => {
    const fromPeer = toConnectError(
      new MeshError('slow down', 'resource_exhausted', { details: { retryAfterMs: 1500, origin: 'text' } }),
    );
    expect(meshErrorFromTransport(fromPeer, ORIGIN)).toMatchObject({
      code: 'resource_exhausted',
      message: 'slow down',
      details: { retryAfterMs: 1500, origin: 'text' },
    });
    const anonymous = toConnectError(new MeshError('no such tool', 'not_found'));
    expect(meshErrorFromTransport(anonymous, ORIGIN)).toMatchObject({
      code: 'not_found',
      details: { origin: ORIGIN },
    });
  });

  it('maps the errors this side raises and anything else', () => {
    expect(meshErrorFromTransport(deadlineExceededError(), ORIGIN)).toMatchObject({
      code: 'deadline_exceeded',
      message: 'the operation timed out',
    });
    expect(meshErrorFromTransport(canceledError('stop'), ORIGIN)).toMatchObject({
      code: 'canceled',
      message: 'the operation was aborted',
    });
    expect(meshErrorFromTransport(notProcessedError('gone'), ORIGIN)).toMatchObject({
      code: 'unavailable',
      details: { reason: 'not_processed', origin: ORIGIN },
    });
    expect(meshErrorFromTransport(new Error('boom'), ORIGIN)).toMatchObject({
      code: 'internal',
      message: 'boom',
      details: { origin: ORIGIN },
    });
  });
});

describe('meshErrorOfCall', () => {
  it('reports a call canceled under its caller as a lost connection', () => {
    const error = meshErrorOfCall(connectErrorFromResetCode(constants.NGHTTP2_CANCEL), ORIGIN, undefined);
    expect(error).toMatchObject({
      code: 'unavailable',
      message: `the connection to ${ORIGIN} was lost during the call: http/2 stream closed with error code CANCEL (0x8)`,
      details: { origin: ORIGIN, reason: 'connection_lost' },
    });
  });

  it('leaves a call its caller canceled, and a local failure, as they are', () => {
    const controller = new AbortController();
    controller.abort();
    const canceled = canceledError(controller.signal.reason);
    expect(meshErrorOfCall(canceled, ORIGIN, controller.signal)).toBe(canceled);
    const local = markLocalFailure(new MeshError('too late', 'deadline_exceeded'));
    expect(meshErrorOfCall(local, ORIGIN, undefined)).toBe(local);
    expect(isLocalFailure(local)).toBe(true);
  });

  it('maps every other failure like meshErrorFromTransport', () => {
    expect(
      meshErrorOfCall(connectErrorFromNodeReason(nodeError('ECONNREFUSED')), ORIGIN, undefined),
    ).toMatchObject({ code: 'unavailable', details: { origin: ORIGIN } });
  });
});
