import * as http2 from 'node:http2';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { CallToolRequestSchema, CallToolResponseSchema } from '../../src/gen/mesh/v1/mesh_pb.js';
import type { InboundCall } from '../../src/host/tool-host.js';
import { createMeshServer, type MeshServer } from '../../src/link/mesh-server.js';
import { createHmacPeerAuth } from '../../src/link/peer-auth.js';
import { finalResultOf } from '../../src/tool/input-required.js';
import type { ToolOutcome } from '../../src/tool/tool-context.js';
import { createTestHost, type TestHost } from './fixtures.js';

// The mesh server answers unary CallTool over plain gRPC on a lean path and leaves everything else to
// Connect. These tests send the same raw requests both ways (a `grpc-accept-encoding` header makes the
// server hand the request to Connect) and expect byte-identical answers: headers, message and trailers.

const PATH = '/mesh.v1.MeshService/CallTool';
const SECRET = 'a-test-secret-of-at-least-32-bytes!!';

interface RawAnswer {
  headers: Record<string, unknown>;
  body: string;
  trailers: Record<string, unknown>;
  rstCode: number;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function serve(
  options: { readMaxBytes?: number; auth?: boolean; maxHops?: number; host?: TestHost } = {},
) {
  const host = options.host ?? createTestHost();
  const server: MeshServer = createMeshServer({
    host,
    ...(options.readMaxBytes === undefined ? {} : { readMaxBytes: options.readMaxBytes }),
    ...(options.maxHops === undefined ? {} : { maxHops: options.maxHops }),
    ...(options.auth ? { auth: createHmacPeerAuth({ secret: SECRET, issuer: 'test' }).verifier } : {}),
    generateId: () => 'generated-id',
  });
  await server.start();
  const session = http2.connect(server.url);
  session.on('error', () => {});
  cleanup.push(async () => {
    session.destroy();
    await server.close({ timeoutMs: 100 });
  });
  return { host, session };
}

function frame(payload: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + payload.byteLength);
  out[0] = flags;
  out.writeUInt32BE(payload.byteLength, 1);
  out.set(payload, 5);
  return out;
}

const requestMessage = (
  name: string,
  args: Record<string, unknown> = {},
  input: { inputResponsesJson?: string; requestState?: string } = {},
) =>
  toBinary(
    CallToolRequestSchema,
    create(CallToolRequestSchema, { name, argumentsJson: JSON.stringify(args), ...input }),
  );

/**
 * The test host plus `ask`, which asks the client to confirm and, once answered, returns what it got.
 * `viaOutcome` holds the calls that reached it through `callToolOutcome` (the method that may resolve an input
 * request).
 */
function createAskingHost(): TestHost & { viaOutcome: Set<InboundCall> } {
  const base = createTestHost();
  const viaOutcome = new Set<InboundCall>();
  const callToolOutcome = async (
    name: string,
    args: Record<string, unknown>,
    call: InboundCall,
  ): Promise<ToolOutcome> => {
    viaOutcome.add(call);
    if (name !== 'ask') return base.callTool(name, args, call);
    base.calls.push({ name, args, call });
    if (call.inputResponses === undefined) {
      return {
        resultType: 'input_required',
        inputRequests: {
          sure: {
            method: 'elicitation/create',
            params: { mode: 'form', message: 'Sure?', requestedSchema: { type: 'object', properties: {} } },
          },
        },
        requestState: 'ask-state ✓',
      };
    }
    return { content: [], structuredContent: { got: call.inputResponses, state: call.requestState } };
  };
  return {
    ...base,
    viaOutcome,
    callTool: async (name, args, call) => finalResultOf(name, await callToolOutcome(name, args, call)),
    callToolOutcome,
  };
}

/** One raw call; `viaConnect` adds the header that routes the request to Connect's handler. */
function send(
  session: http2.ClientHttp2Session,
  body: Buffer,
  headers: Record<string, string> = {},
  viaConnect = false,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': PATH,
      'content-type': 'application/grpc+proto',
      te: 'trailers',
      ...headers,
      ...(viaConnect ? { 'grpc-accept-encoding': 'identity' } : {}),
    });
    const answer: RawAnswer = { headers: {}, body: '', trailers: {}, rstCode: 0 };
    const chunks: Buffer[] = [];
    stream.on('response', (received) => {
      const { date: _date, ...rest } = received;
      answer.headers = Object.fromEntries(Object.entries(rest));
    });
    stream.on('trailers', (received) => {
      answer.trailers = Object.fromEntries(Object.entries(received));
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => {});
    stream.on('close', () => {
      answer.body = Buffer.concat(chunks).toString('hex');
      answer.rstCode = stream.rstCode ?? 0;
      resolve(answer);
    });
    stream.on('aborted', () => reject(new Error('aborted')));
    stream.end(body);
  });
}

async function bothWays(
  session: http2.ClientHttp2Session,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const lean = await send(session, body, headers);
  const connect = await send(session, body, headers, true);
  expect(lean).toEqual(connect);
  return lean;
}

describe('mesh server: lean unary CallTool path', () => {
  it('answers a call exactly as Connect does, and serves it on the lean path', async () => {
    const { host, session } = await serve();
    const answer = await bothWays(session, frame(requestMessage('echo', { text: 'hi' })), {
      'mesh-hop': '2',
      'mesh-correlation-id': 'corr-1',
      'grpc-timeout': '5000m',
    });
    expect(answer.headers).toMatchObject({ ':status': 200, 'content-type': 'application/grpc+proto' });
    expect(answer.trailers).toEqual({ 'grpc-status': '0' });
    const response = fromBinary(CallToolResponseSchema, Buffer.from(answer.body, 'hex').subarray(5));
    if (response.outcome.case !== 'result')
      throw new Error(`expected a result, got ${response.outcome.case}`);
    expect(JSON.parse(response.outcome.value.structuredContentJson ?? '')).toEqual({ text: 'hi' });
    const [lean, connect] = host.calls;
    expect(lean?.call).toMatchObject({ hop: 2, correlationId: 'corr-1' });
    expect(connect?.call).toMatchObject({ hop: 2, correlationId: 'corr-1' });
    // Which path served which call: Connect aborts the handler's signal once the call is done, the lean path
    // leaves it alone.
    expect(lean?.call.signal.aborted).toBe(false);
    expect(connect?.call.signal.aborted).toBe(true);
    const remainingMs = (lean?.call.deadline ?? 0) - Date.now();
    expect(remainingMs).toBeGreaterThan(3_000);
    expect(remainingMs).toBeLessThanOrEqual(5_000);
  });

  it('maps tool errors, crashes and the hop limit to the same status trailers', async () => {
    const { session } = await serve({ maxHops: 3 });
    const failed = await bothWays(session, frame(requestMessage('fail')));
    expect(failed.trailers).toMatchObject({ 'grpc-status': '5', 'grpc-message': 'no%20such%20story' });
    expect(failed.trailers['mesh-error-details-bin']).toBeTypeOf('string');
    const crashed = await bothWays(session, frame(requestMessage('crash')));
    expect(crashed.trailers).toMatchObject({ 'grpc-status': '13' });
    const looped = await bothWays(session, frame(requestMessage('echo', { text: 'x' })), { 'mesh-hop': '4' });
    expect(looped.trailers).toMatchObject({ 'grpc-status': '9' });
    const badHop = await bothWays(session, frame(requestMessage('echo')), { 'mesh-hop': 'x' });
    expect(badHop.trailers).toMatchObject({ 'grpc-status': '3' });
  });

  it('carries input-required outcomes and input responses exactly as Connect does', async () => {
    const asking = createAskingHost();
    const { host, session } = await serve({ host: asking });
    const asked = await bothWays(session, frame(requestMessage('ask')));
    expect(asked.trailers).toEqual({ 'grpc-status': '0' });
    const response = fromBinary(CallToolResponseSchema, Buffer.from(asked.body, 'hex').subarray(5));
    if (response.outcome.case !== 'inputRequired')
      throw new Error(`expected input_required, got ${response.outcome.case}`);
    expect(response.outcome.value.requestState).toBe('ask-state ✓');
    expect(JSON.parse(response.outcome.value.inputRequestsJson ?? '')).toMatchObject({
      sure: { method: 'elicitation/create', params: { message: 'Sure?' } },
    });

    const answered = await bothWays(
      session,
      frame(
        requestMessage(
          'ask',
          {},
          {
            inputResponsesJson: JSON.stringify({ sure: { action: 'accept', content: {} } }),
            requestState: 'ask-state ✓',
          },
        ),
      ),
    );
    expect(answered.trailers).toEqual({ 'grpc-status': '0' });
    const final = fromBinary(CallToolResponseSchema, Buffer.from(answered.body, 'hex').subarray(5));
    if (final.outcome.case !== 'result') throw new Error(`expected a result, got ${final.outcome.case}`);
    const got = { got: { sure: { action: 'accept', content: {} } }, state: 'ask-state ✓' };
    expect(JSON.parse(final.outcome.value.structuredContentJson ?? '')).toEqual(got);
    // Both paths handed the answers to the host, and let it return an input-required outcome.
    const answeredCalls = host.calls.filter((call) => call.call.inputResponses !== undefined);
    expect(answeredCalls).toHaveLength(2);
    for (const { call } of answeredCalls) {
      expect(call).toMatchObject({
        inputResponses: got.got,
        requestState: 'ask-state ✓',
      });
      expect(asking.viaOutcome.has(call)).toBe(true);
    }

    const malformed = await bothWays(session, frame(requestMessage('ask', {}, { inputResponsesJson: '[]' })));
    expect(malformed.trailers).toMatchObject({
      'grpc-status': '3',
      'grpc-message': 'input_responses_json%20must%20be%20a%20JSON%20object',
    });
  });

  it('checks the bearer token the same way', async () => {
    const { session } = await serve({ auth: true });
    const missing = await bothWays(session, frame(requestMessage('echo', { text: 'x' })));
    expect(missing.trailers).toMatchObject({ 'grpc-status': '16' });
    const authorization = await createHmacPeerAuth({
      secret: SECRET,
      issuer: 'caller',
    }).signer.authorization();
    const ok = await bothWays(session, frame(requestMessage('echo', { text: 'x' })), { authorization });
    expect(ok.trailers).toEqual({ 'grpc-status': '0' });
  });

  it('rejects malformed and oversized requests with the same errors', async () => {
    const { session, host } = await serve({ readMaxBytes: 64 });
    const message = requestMessage('echo', { text: 'x' });
    const cases: Array<[Buffer, string]> = [
      [Buffer.alloc(0), '12'],
      [Buffer.from([0, 0]), '3'],
      [frame(message).subarray(0, 8), '3'],
      [Buffer.concat([frame(message), frame(message)]), '12'],
      [Buffer.concat([frame(message), Buffer.from([0, 0, 0])]), '3'],
      [frame(message, 1), '13'],
      [frame(Buffer.from([0xff, 0xff, 0xff])), '13'],
      [frame(requestMessage('echo', { text: 'y'.repeat(100) })), '8'],
    ];
    for (const [body, status] of cases) {
      const answer = await bothWays(session, body);
      expect(answer.trailers['grpc-status'], answer.trailers['grpc-message'] as string).toBe(status);
    }
    expect(host.calls).toHaveLength(0);
  });

  it("aborts the handler's signal when the deadline passes, answering deadline_exceeded", async () => {
    const { host, session } = await serve();
    const answer = await send(session, frame(requestMessage('wait')), { 'grpc-timeout': '50m' });
    const { reason, afterMs } = await host.aborted;
    expect(reason).toMatchObject({ code: 4, rawMessage: 'the operation timed out' });
    expect(afterMs).toBeGreaterThanOrEqual(40);
    expect(answer.trailers).toMatchObject({ 'grpc-status': '4' });
  });

  it("aborts the handler's signal with canceled when the caller resets the stream", async () => {
    const { host, session } = await serve();
    const stream = session.request({
      ':method': 'POST',
      ':path': PATH,
      'content-type': 'application/grpc+proto',
      te: 'trailers',
    });
    stream.on('error', () => {});
    stream.end(frame(requestMessage('wait')));
    while (host.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    const { reason } = await host.aborted;
    expect(reason).toMatchObject({
      code: 1,
      rawMessage: 'http/2 stream closed with error code CANCEL (0x8)',
    });
  });
});
