import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import type { InboundCall } from '../../src/host/tool-host.js';
import { createMcpPeerLink, type McpPeerLink } from '../../src/link/mcp-peer-link.js';
import { meshFailureOf } from '../../src/testing/index.js';
import { isInputRequired, type ToolInputRequired, type ToolOutcome } from '../../src/tool/tool-context.js';
import { type AskingHttpServer, startAskingHttpServer } from '../link/fixtures/asking-server.js';
import { bundleForNode, type NodeBundle } from '../support/bundle-for-node.js';
import { inbound, memoryPorts } from './fixtures.js';
import { eventually, startMcpEdge } from './sockets.js';

// A 2025-era upstream (the official SDK's server, in-process over Streamable HTTP and in a child process over
// stdio) asks for client input in the middle of a tools/call with elicitation/create, sampling/createMessage and
// roots/list requests. The gateway holds the upstream call open and relays the requests as an input_required
// outcome: a 2026-07-28 client answers with inputResponses, a 2025-era client gets real requests through the SDK's
// shim at the gateway's edge (ADR 0013).

const HERE = dirname(fileURLToPath(import.meta.url));

/** The official client, answering the asking server's questions (and recording them). */
async function connectClient(url: string, era: 'modern' | 'legacy') {
  const asked: string[] = [];
  const client = new Client(
    { name: `held-test-${era}`, version: '1.0.0' },
    {
      versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' },
      capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} },
    },
  );
  client.setRequestHandler('elicitation/create', async (request) => {
    const message = request.params.message;
    asked.push(message);
    if (message === 'Your name?') return { action: 'accept', content: { name: 'Ada' } };
    if (message === 'Your favourite colour?') return { action: 'accept', content: { colour: 'green' } };
    return { action: 'accept', content: { confirm: true } };
  });
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const content = request.params.messages[0]?.content;
    asked.push(content && !Array.isArray(content) && content.type === 'text' ? content.text : '?');
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'The Brave Fox' } };
  });
  client.setRequestHandler('roots/list', async () => {
    asked.push('roots');
    return { roots: [{ uri: 'file:///stories', name: 'stories' }] };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, asked };
}

const textOf = (result: { content?: unknown }) =>
  ((result.content as Array<{ type: string; text?: string }> | undefined) ?? [])
    .map((block) => block.text ?? '')
    .join('');

/** The input-required outcome of `outcome`, failing the test otherwise. */
function inputRequiredOf(outcome: ToolOutcome): ToolInputRequired & { requestState: string } {
  expect(isInputRequired(outcome)).toBe(true);
  const required = outcome as ToolInputRequired;
  expect(typeof required.requestState).toBe('string');
  return required as ToolInputRequired & { requestState: string };
}

/** Answers every request of `outcome` with `answer`. */
function answersOf(outcome: ToolInputRequired, answer: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.keys(outcome.inputRequests ?? {}).map((key) => [key, answer]));
}

const CONFIRM = { action: 'accept', content: { confirm: true } };

describe('input requests of a 2025-era upstream, relayed through the gateway', () => {
  let upstream: AskingHttpServer;
  let gateway: Gateway;
  let edge: Awaited<ReturnType<typeof startMcpEdge>>;
  let owned: McpPeerLink;
  let bundle: NodeBundle | undefined;

  beforeAll(async () => {
    upstream = await startAskingHttpServer();
    // The stdio upstream: the same server bundled into one file that plain Node runs.
    bundle = await bundleForNode(
      join(HERE, '..', 'link', 'fixtures', 'asking-stdio-server.ts'),
      'mesh-held-calls',
    );
    const entry = bundle.entry;
    const legacy = { url: upstream.url, era: 'legacy' as const };
    owned = createMcpPeerLink({ ...legacy, name: 'owned' });
    gateway = createGateway({
      id: 'gw-held',
      ports: memoryPorts(),
      prefixMode: 'always',
      listTimeoutMs: 20_000,
      peers: [
        // The lean tools/call path once the session is open.
        { name: 'lean', replicas: [{ mcp: legacy }], policy: { retry: { maxAttempts: 1 } } },
        // Every call through the official client.
        { name: 'sdk', replicas: [{ mcp: { ...legacy, leanToolCalls: false } }] },
        { name: 'stdio', replicas: [{ mcp: { command: process.execPath, args: [entry] } }] },
        { name: 'pair', replicas: [{ mcp: legacy }, { mcp: legacy }], routing: 'round_robin' },
        { name: 'brief', replicas: [{ mcp: { ...legacy, heldCallTimeoutMs: 200 } }] },
        { name: 'tight', replicas: [{ mcp: { ...legacy, maxHeldCalls: 1 } }] },
        { name: 'owned', replicas: [owned] },
        { name: 'shared', replicas: [{ mcp: legacy }] },
      ],
    });
    await gateway.start();
    edge = await startMcpEdge(gateway);
  }, 60_000);

  afterAll(async () => {
    await edge?.close();
    await gateway?.close();
    await owned?.close();
    await upstream?.close();
    await bundle?.dispose();
  });

  describe.each(['lean', 'sdk', 'stdio'])('upstream peer "%s"', (peer) => {
    it.each(['modern', 'legacy'] as const)(
      'a %s-era client answers elicitation, sampling, roots and two questions in one call',
      async (era) => {
        const { client, asked } = await connectClient(edge.url, era);
        try {
          const published = await client.callTool({
            name: `${peer}_confirm_publish`,
            arguments: { title: 'The Brave Fox' },
          });
          expect(published.isError).toBeFalsy();
          expect(textOf(published)).toBe('published "The Brave Fox"');
          const titled = await client.callTool({
            name: `${peer}_suggest_title`,
            arguments: { story: 'A fox finds a hat.' },
          });
          expect(textOf(titled)).toBe('title: The Brave Fox (test-model)');
          const roots = await client.callTool({ name: `${peer}_list_roots`, arguments: {} });
          expect(textOf(roots)).toBe('roots: file:///stories');
          const two = await client.callTool({ name: `${peer}_two_questions`, arguments: {} });
          expect(textOf(two)).toBe('Ada likes green');
          expect(asked).toEqual([
            'Publish "The Brave Fox"?',
            'Suggest a title for: A fox finds a hat.',
            'roots',
            'Your name?',
            'Your favourite colour?',
          ]);
        } finally {
          await client.close();
        }
      },
      30_000,
    );
  });

  it.each(['lean', 'stdio'])(
    'answers "method not found" for the upstream (peer %s) when the client did not declare the capability',
    async (peer) => {
      const client = new Client(
        { name: 'held-test-no-roots', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: { form: {} } } },
      );
      client.setRequestHandler('elicitation/create', async () => ({
        action: 'accept',
        content: { confirm: true },
      }));
      await client.connect(new StreamableHTTPClientTransport(new URL(edge.url)));
      try {
        // The upstream's roots/list never reaches a client that cannot answer it (its SDK would refuse the whole
        // input_required outcome): the link answers it as such a client would, and the tool decides.
        const roots = await client.callTool({ name: `${peer}_list_roots`, arguments: {} });
        expect(roots.isError).toBe(true);
        expect(textOf(roots)).toContain('roots/list is not supported');
        expect(textOf(roots)).toContain('did not declare roots');
        // What it did declare still passes.
        const published = await client.callTool({
          name: `${peer}_confirm_publish`,
          arguments: { title: 'The Brave Fox' },
        });
        expect(textOf(published)).toBe('published "The Brave Fox"');
      } finally {
        await client.close();
      }
    },
    30_000,
  );

  it('relays the upstream request unchanged as an input request, and two questions as two rounds', async () => {
    const first = inputRequiredOf(await gateway.callToolOutcome('lean_two_questions', {}, inbound()));
    expect(first.requestState.startsWith('mcp-held.')).toBe(true);
    expect(Object.values(first.inputRequests ?? {})).toEqual([
      {
        method: 'elicitation/create',
        params: expect.objectContaining({ message: 'Your name?', requestedSchema: expect.any(Object) }),
      },
    ]);
    const second = inputRequiredOf(
      await gateway.callToolOutcome(
        'lean_two_questions',
        {},
        inbound({
          requestState: first.requestState,
          inputResponses: answersOf(first, { action: 'accept', content: { name: 'Grace' } }),
        }),
      ),
    );
    expect(second.requestState).not.toBe(first.requestState);
    expect(Object.values(second.inputRequests ?? {})).toEqual([
      expect.objectContaining({ params: expect.objectContaining({ message: 'Your favourite colour?' }) }),
    ]);
    const done = await gateway.callToolOutcome(
      'lean_two_questions',
      {},
      inbound({
        requestState: second.requestState,
        inputResponses: answersOf(second, { action: 'accept', content: { colour: 'blue' } }),
      }),
    );
    expect(textOf(done as { content: unknown })).toBe('Grace likes blue');
    // A held call is answered once.
    const again = await meshFailureOf(
      gateway.callToolOutcome(
        'lean_two_questions',
        {},
        inbound({ requestState: second.requestState, inputResponses: answersOf(second, CONFIRM) }),
      ),
    );
    expect(again).toMatchObject({ code: 'failed_precondition', details: { reason: 'held_call_not_found' } });
  });

  it('sends each retry to the replica holding its call', async () => {
    const callsOf = () =>
      (gateway.peerStatus().find((peer) => peer.peer === 'pair')?.replicas ?? []).map(
        (replica) => replica.calls,
      );
    const before = callsOf();
    const first = inputRequiredOf(
      await gateway.callToolOutcome('pair_confirm_publish', { title: 'A' }, inbound()),
    );
    const second = inputRequiredOf(
      await gateway.callToolOutcome('pair_confirm_publish', { title: 'B' }, inbound()),
    );
    // Round robin put the two calls on the two replicas; their retries come in the order that would swap them.
    expect(callsOf().map((calls, index) => calls - (before[index] ?? 0))).toEqual([1, 1]);
    const retry = (held: typeof first, title: string) =>
      gateway.callToolOutcome(
        'pair_confirm_publish',
        { title },
        inbound({ requestState: held.requestState, inputResponses: answersOf(held, CONFIRM) }),
      );
    expect(textOf((await retry(second, 'B')) as { content: unknown })).toBe('published "B"');
    expect(textOf((await retry(first, 'A')) as { content: unknown })).toBe('published "A"');
  });

  it('refuses unknown tokens, and tokens retried for another tool or principal (which stay held)', async () => {
    const unknown = await meshFailureOf(
      gateway.callToolOutcome(
        'lean_confirm_publish',
        { title: 'X' },
        inbound({ requestState: 'mcp-held.nope' }),
      ),
    );
    expect(unknown).toMatchObject({
      code: 'failed_precondition',
      details: { reason: 'held_call_not_found', tool: 'confirm_publish' },
    });
    expect(unknown.message).toMatch(/expired, was answered already, or is held by another gateway process/);

    const held = inputRequiredOf(
      await gateway.callToolOutcome(
        'lean_confirm_publish',
        { title: 'Mine' },
        inbound({ principal: 'alice' }),
      ),
    );
    const answers = answersOf(held, CONFIRM);
    const otherTool = await meshFailureOf(
      gateway.callToolOutcome(
        'lean_suggest_title',
        { story: 'x' },
        inbound({ principal: 'alice', requestState: held.requestState, inputResponses: answers }),
      ),
    );
    expect(otherTool).toMatchObject({
      code: 'failed_precondition',
      details: { reason: 'held_call_mismatch' },
    });
    const otherPrincipal = await meshFailureOf(
      gateway.callToolOutcome(
        'lean_confirm_publish',
        { title: 'Mine' },
        inbound({ principal: 'bob', requestState: held.requestState, inputResponses: answers }),
      ),
    );
    expect(otherPrincipal).toMatchObject({
      code: 'failed_precondition',
      details: { reason: 'held_call_mismatch' },
    });
    const done = await gateway.callToolOutcome(
      'lean_confirm_publish',
      { title: 'Mine' },
      inbound({ principal: 'alice', requestState: held.requestState, inputResponses: answers }),
    );
    expect(textOf(done as { content: unknown })).toBe('published "Mine"');
  });

  it('expires a held call: the upstream gets an error, the retry a clear one', async () => {
    const held = inputRequiredOf(
      await gateway.callToolOutcome('brief_confirm_publish', { title: 'Late' }, inbound()),
    );
    await eventually(
      () =>
        upstream.record.events.some(
          (event) =>
            event.startsWith('confirm_publish: request failed:') && event.includes('heldCallTimeoutMs'),
        ),
      10_000,
    );
    const late = await meshFailureOf(
      gateway.callToolOutcome(
        'brief_confirm_publish',
        { title: 'Late' },
        inbound({ requestState: held.requestState, inputResponses: answersOf(held, CONFIRM) }),
      ),
    );
    expect(late).toMatchObject({ code: 'failed_precondition', details: { reason: 'held_call_not_found' } });
  });

  it('refuses a call asking for input beyond maxHeldCalls, and serves it once a slot is free', async () => {
    const ask = (extra: Partial<InboundCall> = {}) =>
      gateway.callToolOutcome('tight_two_questions', {}, inbound(extra));
    const held = inputRequiredOf(await ask());
    const refused = await meshFailureOf(ask());
    expect(refused).toMatchObject({
      code: 'resource_exhausted',
      details: { reason: 'too_many_held_calls', limit: 1 },
    });
    expect(refused.message).toMatch(/maxHeldCalls/);
    const next = inputRequiredOf(
      await ask({
        requestState: held.requestState,
        inputResponses: answersOf(held, { action: 'accept', content: { name: 'Lin' } }),
      }),
    );
    const done = await ask({
      requestState: next.requestState,
      inputResponses: answersOf(next, { action: 'accept', content: { colour: 'red' } }),
    });
    expect(textOf(done as { content: unknown })).toBe('Lin likes red');
    inputRequiredOf(await ask());
  });

  it("cancels the upstream call when the client cancels the retry's call", async () => {
    const held = inputRequiredOf(await gateway.callToolOutcome('lean_ask_then_wait', {}, inbound()));
    const controller = new AbortController();
    const retry = gateway.callToolOutcome(
      'lean_ask_then_wait',
      {},
      inbound({
        signal: controller.signal,
        requestState: held.requestState,
        inputResponses: answersOf(held, { action: 'accept', content: { go: 'yes' } }),
      }),
    );
    const failure = meshFailureOf(retry);
    await eventually(() => upstream.record.events.includes('ask_then_wait: answered'), 10_000);
    expect(upstream.record.events).not.toContain('ask_then_wait: canceled');
    controller.abort();
    expect(await failure).toMatchObject({ code: 'canceled' });
    await eventually(() => upstream.record.events.includes('ask_then_wait: canceled'), 10_000);
  });

  it('lets the upstream decide when the caller cannot relay input requests (callTool)', async () => {
    const result = await gateway.callTool('lean_confirm_publish', { title: 'Quiet' }, inbound());
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/cannot pass input requests on/);
  });

  it('refuses a request it cannot place while two calls are in flight, and places one read on its call', async () => {
    // A held call is still in flight upstream (its tool waits for the answer).
    inputRequiredOf(await gateway.callToolOutcome('shared_ask_then_wait', {}, inbound()));
    // `elicitInput` sends on the session's standalone stream: it could belong to either call, so it is refused.
    const refused = await gateway.callToolOutcome('shared_confirm_publish', { title: 'Which?' }, inbound());
    expect(refused).toMatchObject({ isError: true });
    expect(textOf(refused as { content: unknown })).toMatch(
      /cannot relay elicitation\/create from .*: it cannot be told which of the 2 requests in flight/,
    );
    // A request sent on the call's own response stream (read by the lean path) is that call's.
    const placed = inputRequiredOf(await gateway.callToolOutcome('shared_two_questions', {}, inbound()));
    expect(Object.values(placed.inputRequests ?? {})).toEqual([
      expect.objectContaining({ params: expect.objectContaining({ message: 'Your name?' }) }),
    ]);
  });

  it('answers a retry whose holder is gone with a clear error', async () => {
    const held = inputRequiredOf(
      await gateway.callToolOutcome('owned_confirm_publish', { title: 'Gone' }, inbound()),
    );
    await owned.close();
    const gone = await meshFailureOf(
      gateway.callToolOutcome(
        'owned_confirm_publish',
        { title: 'Gone' },
        inbound({ requestState: held.requestState, inputResponses: answersOf(held, CONFIRM) }),
      ),
    );
    expect(gone).toMatchObject({ code: 'failed_precondition', details: { reason: 'held_call_not_found' } });
  });
});

describe('input requests of a 2025-era upstream outside any call', () => {
  it('are answered with an error naming the limit', async () => {
    const upstream = await startAskingHttpServer();
    const quiet = createMcpPeerLink({ url: upstream.url, era: 'legacy', name: 'quiet' });
    const poker = createMcpPeerLink({ url: upstream.url, era: 'legacy', name: 'poker' });
    const call = { metadata: { correlationId: 'c-1', hop: 1 } } satisfies Partial<InboundCall> & {
      metadata: unknown;
    };
    try {
      // The quiet link opens its session, then has no call in flight when the upstream asks it something.
      await quiet.callTool('echo', {}, call);
      const poked = await poker.callTool('poke_others', {}, call);
      expect(textOf(poked)).toBe('poked 1');
      await eventually(() => upstream.record.events.some((event) => event.startsWith('poke:')), 10_000);
      expect(upstream.record.events.filter((event) => event.startsWith('poke:'))).toEqual([
        expect.stringMatching(
          /cannot relay elicitation\/create from quiet: it arrived outside any tools\/call/,
        ),
      ]);
    } finally {
      await quiet.close();
      await poker.close();
      await upstream.close();
    }
  });
});
