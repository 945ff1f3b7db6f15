import * as http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { inputRequired } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { CallMetadata } from '../../src/call/call-metadata.js';
import type { MeshError } from '../../src/errors/mesh-error.js';
import {
  type CallToolChannelRequestSchema,
  type CallToolChannelResponse,
  CallToolChannelResponseSchema,
  CallToolChannelRequestSchema as ChannelRequestSchema,
  MeshService,
} from '../../src/gen/mesh/v1/mesh_pb.js';
import { createMeshServer, type MeshServer, type MeshServerOptions } from '../../src/link/mesh-server.js';
import { createHmacPeerAuth } from '../../src/link/peer-auth.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import type { PeerLinkOptions } from '../../src/link/peer-link-options.js';
import type { PeerLink } from '../../src/link/peer-link-types.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import type { Logger } from '../../src/observability/logger.js';
import { meshFailureOf } from '../../src/testing/index.js';
import { isInputRequired } from '../../src/tool/tool-context.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { memoryPorts } from '../gateway/fixtures.js';
import { createTestHost, metadata, serveWithHook, type TestHost } from './fixtures.js';

/** Polls long enough for a loaded machine (vitest's default is 1 s). */
const POLL = { timeout: 10_000 };

// The call channel (CallToolChannel): a peer link's calls without progress multiplexed on one long-lived gRPC
// stream, against a real MeshServer (its lean HTTP/2 path), a raw HTTP/2 server in front of Connect's handler,
// raw HTTP/2 clients and a @grpc/grpc-js client (Connect's handler).

const CHANNEL_PATH = `/${MeshService.typeName}/${MeshService.method.callToolChannel.name}`;
const CALL_TOOL_PATH = `/${MeshService.typeName}/${MeshService.method.callTool.name}`;
const PROTO = fileURLToPath(new URL('../../../../protos/mesh/v1/mesh.proto', import.meta.url));
const SECRET = 'a-shared-mesh-secret-of-at-least-32-bytes!';
const OTHER_SECRET = 'another-secret-that-is-long-enough-to-use!!';
const GATE_OPENED = { content: [{ type: 'text', text: 'gate opened' }] };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function startServer(
  options: Partial<MeshServerOptions> = {},
  host: TestHost = createTestHost(),
): Promise<{ host: TestHost; server: MeshServer }> {
  const server = createMeshServer({ host, ...options });
  await server.start();
  cleanup.push(() => server.close({ timeoutMs: 100 }));
  return { host, server };
}

function openLink(url: string, options: Partial<PeerLinkOptions> = {}): PeerLink {
  const link = createPeerLink({ url, ...options });
  cleanup.push(() => link.close());
  return link;
}

/** What a comparison of two failures looks at. */
function errorShape(error: MeshError) {
  return { code: error.code, message: error.message, details: error.details };
}

function gate(link: PeerLink, args: Record<string, unknown> = {}) {
  return link.callTool('gate', args, { metadata: metadata() });
}

function echo(link: PeerLink, text: string) {
  return link.callTool('echo', { text }, { metadata: metadata() });
}

function echoed(text: string) {
  return { content: [{ type: 'text', text }], structuredContent: { text } };
}

/** A logger that keeps the warnings. */
function recordingLogger(warnings: string[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message) => {
      warnings.push(message);
    },
    error: () => {},
    child: () => logger,
  };
  return logger;
}

const serveWithHookHere = (host: TestHost, hook: Parameters<typeof serveWithHook>[1]) =>
  serveWithHook(host, hook, cleanup);

/** One gRPC envelope: the flags byte, the length, the message. */
function envelope(message: Uint8Array, flags = 0): Buffer {
  const frame = Buffer.alloc(5 + message.byteLength);
  frame[0] = flags;
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  return frame;
}

type ChannelRequestInit = MessageInitShape<typeof CallToolChannelRequestSchema>;

function channelFrame(message: ChannelRequestInit): Buffer {
  return envelope(toBinary(ChannelRequestSchema, create(ChannelRequestSchema, message)));
}

function callMessage(
  callId: number,
  name: string,
  args: Record<string, unknown>,
  callMetadata: Record<string, string> = {},
): ChannelRequestInit {
  return {
    callId,
    kind: {
      case: 'call',
      value: {
        request: { name, argumentsJson: JSON.stringify(args) },
        timeoutMs: 5_000,
        metadata: callMetadata,
      },
    },
  };
}

interface RawChannelEnd {
  /** The grpc-status of the stream (trailers, or headers of a trailers-only answer). */
  status: string | undefined;
  /** The decoded grpc-message. */
  message: string;
}

/** A CallToolChannel stream opened by hand on its own HTTP/2 connection. */
interface RawChannel {
  write(bytes: Uint8Array): void;
  end(): void;
  /** The answers received so far. */
  readonly answers: CallToolChannelResponse[];
  /** Resolves once the node ended (or reset) the stream. */
  readonly ended: Promise<RawChannelEnd>;
}

async function openRawChannel(url: string, headers: Record<string, string> = {}): Promise<RawChannel> {
  const session = http2.connect(url);
  session.on('error', () => {});
  cleanup.push(async () => {
    session.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  const stream = session.request({
    ':method': 'POST',
    ':path': CHANNEL_PATH,
    'content-type': 'application/grpc+proto',
    te: 'trailers',
    ...headers,
  });
  stream.on('error', () => {});
  const answers: CallToolChannelResponse[] = [];
  let responseHeaders: http2.IncomingHttpHeaders = {};
  let trailers: http2.IncomingHttpHeaders | undefined;
  let buffered = Buffer.alloc(0);
  stream.on('response', (received) => {
    responseHeaders = received;
  });
  stream.on('trailers', (received) => {
    trailers = received;
  });
  stream.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.byteLength >= 5) {
      const length = buffered.readUInt32BE(1);
      if (buffered.byteLength < 5 + length) break;
      answers.push(fromBinary(CallToolChannelResponseSchema, buffered.subarray(5, 5 + length)));
      buffered = buffered.subarray(5 + length);
    }
  });
  const ended = new Promise<RawChannelEnd>((resolve) => {
    const done = () => {
      const final = trailers ?? responseHeaders;
      const status = final['grpc-status'];
      const message = final['grpc-message'];
      resolve({
        status: status === undefined ? undefined : String(status),
        message: typeof message === 'string' ? decodeURIComponent(message) : '',
      });
    };
    stream.once('end', done);
    stream.once('close', done);
  });
  return {
    write: (bytes) => {
      stream.write(bytes);
    },
    end: () => {
      stream.end();
    },
    answers,
    ended,
  };
}

describe('peer link call channel', () => {
  it('1. carries concurrent calls on one stream (unary links open one per call)', async () => {
    const inFlightWithFiveGates = async (callChannel: boolean) => {
      const { host, server } = await startServer();
      const link = openLink(server.url, callChannel ? {} : { callChannel: false });
      const calls = Array.from({ length: 5 }, () => gate(link));
      await expect.poll(() => host.calls.length, POLL).toBe(5);
      const inFlight = server.inFlight;
      host.openGate();
      await expect(Promise.all(calls)).resolves.toEqual(Array(5).fill(GATE_OPENED));
      return inFlight;
    };
    expect(await inFlightWithFiveGates(true)).toBe(1);
    expect(await inFlightWithFiveGates(false)).toBe(5);
  });

  it('2. gives the same results and errors as unary calls, and carries the call metadata', async () => {
    const { host, server } = await startServer();
    const channel = openLink(server.url);
    const unary = openLink(server.url, { callChannel: false });

    const [viaChannel, viaUnary] = await Promise.all([echo(channel, 'same'), echo(unary, 'same')]);
    expect(viaChannel).toEqual(echoed('same'));
    expect(viaChannel).toEqual(viaUnary);

    const failed = [
      await meshFailureOf(channel.callTool('fail', {}, { metadata: metadata() })),
      await meshFailureOf(unary.callTool('fail', {}, { metadata: metadata() })),
    ];
    expect(errorShape(failed[0]!)).toEqual({
      code: 'not_found',
      message: 'no such story',
      details: { suggestions: ['echo'], field: 'id', origin: server.url },
    });
    expect(errorShape(failed[0]!)).toEqual(errorShape(failed[1]!));

    const crashed = [
      await meshFailureOf(channel.callTool('crash', {}, { metadata: metadata() })),
      await meshFailureOf(unary.callTool('crash', {}, { metadata: metadata() })),
    ];
    expect(crashed[0]!.code).toBe('internal');
    expect(errorShape(crashed[0]!)).toEqual(errorShape(crashed[1]!));

    const callsBefore = host.calls.length;
    const looping = [
      await meshFailureOf(channel.callTool('echo', { text: 'x' }, { metadata: metadata({ hop: 9 }) })),
      await meshFailureOf(unary.callTool('echo', { text: 'x' }, { metadata: metadata({ hop: 9 }) })),
    ];
    expect(looping[0]!.code).toBe('failed_precondition');
    expect(looping[0]!.message).toContain('hop count 9');
    expect(looping[0]!.details).toMatchObject({ hop: 9, limit: 8, limitUnit: 'hops' });
    expect(errorShape(looping[0]!)).toEqual(errorShape(looping[1]!));
    expect(host.calls).toHaveLength(callsBefore);

    const callMetadata: CallMetadata = {
      correlationId: 'corr-channel',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=value',
      budgetId: 'budget-7',
      hop: 3,
    };
    await channel.callTool('echo', { text: 'meta' }, { timeoutMs: 5_000, metadata: callMetadata });
    const received = host.calls.at(-1);
    expect(received?.args).toEqual({ text: 'meta' });
    expect(received?.call).toMatchObject(callMetadata);
    expect(received?.call.principal).toBeUndefined();
    const remainingMs = (received?.call.deadline ?? 0) - Date.now();
    expect(remainingMs).toBeGreaterThan(3_000);
    expect(remainingMs).toBeLessThanOrEqual(5_000);

    // The channel link's calls went over its channel, which stays open; the unary link's streams are gone.
    await expect.poll(() => server.inFlight, POLL).toBe(1);
  });

  it('3. carries an input-required outcome and the answers to it', async () => {
    const STATE = 'state ✓ 🐉 "quoted"';
    const held: Array<() => void> = [];
    const seen: Array<{ inputResponses?: Record<string, unknown>; requestState?: string }> = [];
    const confirm = defineTool({
      name: 'confirm',
      description: 'Asks for a confirmation once the test releases it.',
      inputSchema: z.object({}),
      handler: async (_input, context) => {
        seen.push({
          ...(context.inputResponses === undefined ? {} : { inputResponses: context.inputResponses }),
          ...(context.requestState === undefined ? {} : { requestState: context.requestState }),
        });
        await new Promise<void>((resolve) => held.push(resolve));
        if (context.inputResponses === undefined) {
          return inputRequired({
            inputRequests: {
              ok: inputRequired.elicit({ message: 'Go on?', requestedSchema: z.object({ ok: z.boolean() }) }),
            },
            requestState: STATE,
          });
        }
        return { structuredContent: { answered: context.inputResponses, state: context.requestState } };
      },
    });
    const host = createLocalToolHost({ id: 'node-input', tools: [confirm], ports: memoryPorts() });
    const server = createMeshServer({ host });
    await server.start();
    cleanup.push(() => server.close({ timeoutMs: 100 }));
    const link = openLink(server.url);
    const answers = { ok: { action: 'accept', content: { ok: true } } };

    const asking = link.callToolOutcome('confirm', {}, { metadata: metadata() });
    const answering = link.callTool(
      'confirm',
      {},
      { metadata: metadata(), inputResponses: answers, requestState: STATE },
    );
    await expect.poll(() => seen.length, POLL).toBe(2);
    // Both calls are in flight on the one channel stream.
    expect(server.inFlight).toBe(1);
    for (const release of held) release();

    const outcome = await asking;
    if (!isInputRequired(outcome)) throw new Error('expected an input-required outcome');
    expect(outcome).toMatchObject({
      resultType: 'input_required',
      inputRequests: { ok: { method: 'elicitation/create', params: { message: 'Go on?' } } },
      requestState: STATE,
    });
    expect((await answering).structuredContent).toEqual({ answered: answers, state: STATE });
    expect(seen).toEqual([{}, { inputResponses: answers, requestState: STATE }]);
    // Through callTool (not callToolOutcome) the outcome is refused on the caller's side, as for a unary call.
    const refused = link.callTool('confirm', {}, { metadata: metadata() });
    await expect.poll(() => held.length, POLL).toBe(3);
    held[2]?.();
    expect(await meshFailureOf(refused)).toMatchObject({
      code: 'failed_precondition',
      details: { tool: 'confirm' },
    });
  });

  it('4. enforces the deadline per call and keeps the channel', async () => {
    const { host, server } = await startServer();
    const link = openLink(server.url);
    const other = gate(link);
    await expect.poll(() => host.calls.length, POLL).toBe(1);

    const startedAt = Date.now();
    const error = await meshFailureOf(link.callTool('wait', {}, { timeoutMs: 100, metadata: metadata() }));
    expect(error.code).toBe('deadline_exceeded');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(90);
    const aborted = await host.aborted;
    // Aborted by the cancel message or the node's own deadline, not by the channel closing.
    expect(aborted.reason).toBeInstanceOf(ConnectError);
    expect([Code.Canceled, Code.DeadlineExceeded]).toContain((aborted.reason as ConnectError).code);
    expect((aborted.reason as ConnectError).rawMessage).not.toContain('channel closed');

    await expect(echo(link, 'after')).resolves.toEqual(echoed('after'));
    expect(server.inFlight).toBe(1);
    host.openGate();
    await expect(other).resolves.toEqual(GATE_OPENED);
  });

  it("5. cancels the node's call when the caller aborts, and keeps the channel", async () => {
    const { host, server } = await startServer();
    const link = openLink(server.url);
    const other = gate(link);
    const controller = new AbortController();
    const pending = link.callTool('wait', {}, { signal: controller.signal, metadata: metadata() });
    await expect.poll(() => host.calls.length, POLL).toBe(2);
    controller.abort();
    expect((await meshFailureOf(pending)).code).toBe('canceled');
    const aborted = await host.aborted;
    expect(aborted.reason).toBeInstanceOf(ConnectError);
    expect((aborted.reason as ConnectError).code).toBe(Code.Canceled);
    expect((aborted.reason as ConnectError).rawMessage).toBe('the call was canceled by the client');
    expect(host.calls[1]?.call.signal.aborted).toBe(true);

    await expect(echo(link, 'after')).resolves.toEqual(echoed('after'));
    expect(server.inFlight).toBe(1);
    host.openGate();
    await expect(other).resolves.toEqual(GATE_OPENED);
  });

  it("6. authenticates calls with the stream's token and opens a new channel for a new token", async () => {
    const verifier = createHmacPeerAuth({ secret: SECRET, issuer: 'node-a', audience: 'mesh' }).verifier;
    const { host, server } = await startServer({ auth: verifier });

    // The signer's clock: tokens it signs stay valid for the real clock of the verifier before and after the
    // rotation (60 s lifetime, a new token after 30 s).
    let clock = Date.now() - 40_000;
    const signer = createHmacPeerAuth({
      secret: SECRET,
      issuer: 'story-node',
      audience: 'mesh',
      ttlMs: 60_000,
      now: () => clock,
    }).signer;
    const link = openLink(server.url, { auth: signer });
    await expect(echo(link, 'hi')).resolves.toEqual(echoed('hi'));
    expect(host.calls[0]?.call.principal).toBe('story-node');

    const forger = createHmacPeerAuth({ secret: OTHER_SECRET, issuer: 'story-node', audience: 'mesh' });
    const forged = openLink(server.url, { auth: forger.signer });
    expect((await meshFailureOf(echo(forged, 'x'))).code).toBe('unauthenticated');
    expect(host.calls).toHaveLength(1);
    // Its channel stays open (the failure was the call's, not the stream's) until the link closes.
    expect(server.inFlight).toBe(2);
    await forged.close();
    await expect.poll(() => server.inFlight, POLL).toBe(1);

    // Rotation while a call is in flight on the first channel.
    const firstToken = await signer.authorization();
    const held = gate(link);
    await expect.poll(() => host.calls.length, POLL).toBe(2);
    clock += 31_000;
    expect(await signer.authorization()).not.toBe(firstToken);
    await expect(echo(link, 'rotated')).resolves.toEqual(echoed('rotated'));
    expect(host.calls[2]?.call.principal).toBe('story-node');
    // The old channel (half-closed, still answering the gate) and the new one.
    expect(server.inFlight).toBe(2);
    host.openGate();
    await expect(held).resolves.toEqual(GATE_OPENED);
    await expect.poll(() => server.inFlight, POLL).toBe(1);
    await expect(echo(link, 'later')).resolves.toEqual(echoed('later'));
    expect(server.inFlight).toBe(1);

    // Credentials come from the stream's headers, never from a call's metadata.
    const raw = await openRawChannel(server.url);
    raw.write(channelFrame(callMessage(1, 'echo', { text: 'sneaky' }, { authorization: firstToken })));
    await expect.poll(() => raw.answers.length, POLL).toBe(1);
    expect(raw.answers[0]).toMatchObject({
      callId: 1,
      outcome: { case: 'error', value: { code: Code.Unauthenticated } },
    });
    expect(host.calls).toHaveLength(4);
  });

  it('6b. still sends cancels for the calls of a channel retired by a new token', async () => {
    const verifier = createHmacPeerAuth({ secret: SECRET, issuer: 'node-a', audience: 'mesh' }).verifier;
    const { host, server } = await startServer({ auth: verifier });
    let clock = Date.now() - 40_000;
    const signer = createHmacPeerAuth({
      secret: SECRET,
      issuer: 'story-node',
      audience: 'mesh',
      ttlMs: 60_000,
      now: () => clock,
    }).signer;
    const link = openLink(server.url, { auth: signer });
    const controller = new AbortController();
    const waiting = meshFailureOf(
      link.callTool('wait', {}, { metadata: metadata(), timeoutMs: 10_000, signal: controller.signal }),
    );
    await expect.poll(() => host.calls.length, POLL).toBe(1);
    // A new token: the next call opens a second channel and the first one is retired with the wait in flight.
    clock += 31_000;
    await expect(echo(link, 'rotated')).resolves.toEqual(echoed('rotated'));
    expect(server.inFlight).toBe(2);
    controller.abort();
    expect((await waiting).code).toBe('canceled');
    // The cancel reached the node at once (not the call's 10 s deadline), and the retired channel then closed.
    const { reason, afterMs } = await host.aborted;
    expect(afterMs).toBeLessThan(5_000);
    expect(String(reason)).toContain('canceled by the client');
    await expect.poll(() => server.inFlight, POLL).toBe(1);
  });

  for (const refusal of ['HTTP 404', 'grpc-status 12'] as const) {
    it(`7. falls back to unary calls for good on a node without the channel (${refusal})`, async () => {
      const host = createTestHost();
      const { url, paths } = await serveWithHookHere(host, (request, response) => {
        if (request.url !== CHANNEL_PATH) return 'serve';
        if (refusal === 'HTTP 404') {
          response.writeHead(404);
        } else {
          response.writeHead(200, {
            'content-type': 'application/grpc+proto',
            'grpc-status': '12',
            'grpc-message': 'method not implemented',
          });
        }
        response.end();
        return 'handled';
      });
      const link = openLink(url);
      await expect(Promise.all([echo(link, 'a'), echo(link, 'b')])).resolves.toEqual([
        echoed('a'),
        echoed('b'),
      ]);
      for (const text of ['c', 'd', 'e']) await expect(echo(link, text)).resolves.toEqual(echoed(text));
      expect(host.calls.map((call) => call.args.text)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(paths.filter((path) => path === CHANNEL_PATH)).toHaveLength(1);
      expect(paths.filter((path) => path === CALL_TOOL_PATH)).toHaveLength(5);
    });
  }

  it('8. refuses new calls on a draining node as not processed and lets calls in flight finish', async () => {
    const warnings: string[] = [];
    const { host, server } = await startServer({ logger: recordingLogger(warnings) });
    const link = openLink(server.url);
    const held = gate(link);
    await expect.poll(() => host.calls.length, POLL).toBe(1);

    const startedAt = Date.now();
    const closing = server.close({ timeoutMs: 5_000 });
    const refused = await meshFailureOf(echo(link, 'too late'));
    expect(refused.code).toBe('unavailable');
    expect(refused.details.reason).toBe('not_processed');
    expect(host.calls).toHaveLength(1);

    host.openGate();
    await expect(held).resolves.toEqual(GATE_OPENED);
    await closing;
    // The channel ended once idle, so close did not have to wait for its timeout and cut connections off.
    expect(warnings).not.toContain('mesh server close timed out; cutting off calls in flight');
    expect(Date.now() - startedAt).toBeLessThan(4_000);
  });

  it('9. ends the stream on protocol errors, answers a duplicate call id, and keeps serving', async () => {
    const { host, server } = await startServer({ readMaxBytes: 1024 });

    const garbage = await openRawChannel(server.url);
    // Field 1 with wire type 7, which does not exist.
    garbage.write(envelope(Uint8Array.from([0x0f, 0x01])));
    const garbageEnd = await garbage.ended;
    expect(garbageEnd.status).toBe(String(Code.Internal));
    expect(garbageEnd.message).toContain('parse binary');

    const compressed = await openRawChannel(server.url);
    compressed.write(
      envelope(toBinary(ChannelRequestSchema, create(ChannelRequestSchema, { callId: 1 })), 1),
    );
    expect((await compressed.ended).status).toBe(String(Code.Internal));

    const oversized = await openRawChannel(server.url);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(2_000, 1);
    oversized.write(header);
    const oversizedEnd = await oversized.ended;
    expect(oversizedEnd.status).toBe(String(Code.ResourceExhausted));
    expect(oversizedEnd.message).toContain('1024');

    const duplicate = await openRawChannel(server.url);
    duplicate.write(channelFrame(callMessage(7, 'gate', {})));
    await expect.poll(() => host.calls.length, POLL).toBe(1);
    duplicate.write(channelFrame(callMessage(7, 'echo', { text: 'twin' })));
    await expect.poll(() => duplicate.answers.length, POLL).toBe(1);
    expect(duplicate.answers[0]).toMatchObject({
      callId: 7,
      outcome: { case: 'error', value: { code: Code.InvalidArgument } },
    });
    host.openGate();
    await expect.poll(() => duplicate.answers.length, POLL).toBe(2);
    expect(duplicate.answers[1]).toMatchObject({ callId: 7, outcome: { case: 'response' } });
    duplicate.end();
    expect((await duplicate.ended).status).toBe('0');
    expect(host.calls.map((call) => call.name)).toEqual(['gate']);

    const link = openLink(server.url);
    await expect(echo(link, 'still up')).resolves.toEqual(echoed('still up'));
  });

  it('10. fails only the call whose answer is larger than the link reads', async () => {
    const { host, server } = await startServer();
    const link = openLink(server.url, { readMaxBytes: 2048 });
    const held = gate(link);
    await expect.poll(() => host.calls.length, POLL).toBe(1);

    const error = await meshFailureOf(echo(link, 'x'.repeat(5_000)));
    expect(error.code).toBe('resource_exhausted');
    expect(error.message).toContain('2048');
    await expect(echo(link, 'small')).resolves.toEqual(echoed('small'));
    expect(server.inFlight).toBe(1);
    host.openGate();
    await expect(held).resolves.toEqual(GATE_OPENED);
  });

  it('11. sends a request larger than 64 KiB as a unary call', async () => {
    const { host, server } = await startServer();
    const link = openLink(server.url);
    const small = gate(link);
    await expect.poll(() => host.calls.length, POLL).toBe(1);
    const large = gate(link, { padding: 'x'.repeat(70 * 1024) });
    await expect.poll(() => host.calls.length, POLL).toBe(2);
    expect(server.inFlight).toBe(2);
    host.openGate();
    await expect(Promise.all([small, large])).resolves.toEqual([GATE_OPENED, GATE_OPENED]);
    await expect.poll(() => server.inFlight, POLL).toBe(1);
  });

  it('12. serves a @grpc/grpc-js bidi stream', async () => {
    const { host, server } = await startServer();
    interface JsChannelAnswer {
      callId: number;
      outcome?: string;
      response?: { outcome?: string; result?: { contentJson: string } };
      error?: { code: number; message: string };
    }
    interface ChannelServiceClient extends grpc.Client {
      callToolChannel(): grpc.ClientDuplexStream<Record<string, unknown>, JsChannelAnswer>;
    }
    const definition = protoLoader.loadSync(PROTO, { keepCase: false, defaults: true, oneofs: true });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      mesh: {
        v1: {
          MeshService: new (address: string, credentials: grpc.ChannelCredentials) => ChannelServiceClient;
        };
      };
    };
    const client = new loaded.mesh.v1.MeshService(
      `127.0.0.1:${server.port}`,
      grpc.credentials.createInsecure(),
    );
    cleanup.push(async () => client.close());

    const call = client.callToolChannel();
    const answers: JsChannelAnswer[] = [];
    call.on('data', (answer: JsChannelAnswer) => answers.push(answer));
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    const failed = new Promise<unknown>((resolve) => call.on('error', resolve));
    for (const [callId, text] of [
      [1, 'one'],
      [2, 'two'],
    ] as const) {
      call.write({
        callId,
        call: {
          request: { name: 'echo', argumentsJson: JSON.stringify({ text }) },
          timeoutMs: 5_000,
          metadata: { 'mesh-correlation-id': `grpc-js-${callId}`, 'mesh-hop': '2' },
        },
      });
    }
    await expect.poll(() => answers.length, POLL).toBe(2);
    const texts = Object.fromEntries(
      answers.map((answer) => [answer.callId, JSON.parse(answer.response?.result?.contentJson ?? 'null')]),
    );
    expect(texts).toEqual({
      1: [{ type: 'text', text: 'one' }],
      2: [{ type: 'text', text: 'two' }],
    });
    expect(host.calls.map((received) => received.call.correlationId).sort()).toEqual([
      'grpc-js-1',
      'grpc-js-2',
    ]);
    expect(host.calls.every((received) => received.call.hop === 2)).toBe(true);

    call.end();
    const ended = await Promise.race([status, failed]);
    expect(ended).toMatchObject({ code: grpc.status.OK });
  });
});
