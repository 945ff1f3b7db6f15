import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import type { LinkCallOptions, PeerLink } from '../../src/link/peer-link-types.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { isInputRequired, type ToolOutcome } from '../../src/tool/tool-context.js';
import { inbound, memoryPorts } from './fixtures.js';
import {
  type ClientAnswers,
  connectAnsweringClient,
  type InputRound,
  inputTools,
  PUBLISH_STATE,
} from './input-tools.js';
import { startMcpEdge } from './sockets.js';

// Server-to-client requests (elicitation, sampling, roots) as MCP 2026-07-28 multi-round-trip results: a tool
// node asks, the gateway relays, the official MCP client answers, on both protocol eras.

const answers = (elicit?: 'accept' | 'decline'): ClientAnswers => ({
  elicited: [],
  sampled: [],
  ...(elicit === undefined ? {} : { elicit }),
});

describe('input-required results through a gateway', () => {
  const rounds: InputRound[] = [];
  let node: MeshNode;
  let gateway: Gateway;
  let edge: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    node = createMeshNode({ id: 'story-tools', tools: inputTools(rounds) });
    await node.start();
    gateway = createGateway({
      id: 'gw-input',
      ports: memoryPorts(),
      peers: [{ name: 'story', replicas: [node.meshUrl] }],
    });
    await gateway.start();
    edge = await startMcpEdge(gateway);
  });
  afterAll(async () => {
    await edge?.close();
    await gateway?.close();
    await node?.close({ graceMs: 100 });
  });

  const roundsOf = (tool: string) => rounds.filter((round) => round.tool === tool);

  describe.each([
    ['through the gateway', () => edge.url],
    ["directly on the node's MCP endpoint", () => node.mcpUrl],
  ])('a 2026-07-28 client %s', (_where, url) => {
    it('answers an elicitation and gets the final result; the request state comes back byte for byte', async () => {
      rounds.length = 0;
      const answered = answers();
      const client = await connectAnsweringClient(url(), 'modern', answered);
      try {
        const result = await client.callTool({
          name: 'publish_story',
          arguments: { title: 'The Brave Fox' },
        });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toEqual({ title: 'The Brave Fox', published: true });
        expect(answered.elicited).toEqual(['Publish "The Brave Fox"?']);
        const [first, second, ...rest] = roundsOf('publish_story');
        expect(rest).toEqual([]);
        expect(first).toEqual({ tool: 'publish_story' });
        expect(second?.inputResponses).toEqual({ confirm: { action: 'accept', content: { confirm: true } } });
        expect(second?.requestState).toBe(PUBLISH_STATE);
      } finally {
        await client.close();
      }
    });

    it('leads the tool to its declined answer when the user declines', async () => {
      rounds.length = 0;
      const answered = answers('decline');
      const client = await connectAnsweringClient(url(), 'modern', answered);
      try {
        const result = await client.callTool({ name: 'publish_story', arguments: { title: 'Moon Soup' } });
        expect(result.structuredContent).toEqual({ title: 'Moon Soup', published: false });
        expect(answered.elicited).toEqual(['Publish "Moon Soup"?']);
        expect(roundsOf('publish_story')[1]?.inputResponses).toEqual({ confirm: { action: 'decline' } });
      } finally {
        await client.close();
      }
    });

    it('answers a sampling request and a roots request', async () => {
      rounds.length = 0;
      const answered = answers();
      const client = await connectAnsweringClient(url(), 'modern', answered);
      try {
        const titled = await client.callTool({
          name: 'suggest_title',
          arguments: { story: 'A fox finds a hat.' },
        });
        expect(titled.structuredContent).toEqual({ title: 'The Brave Fox', model: 'test-model' });
        expect(answered.sampled).toEqual(['Suggest a title for: A fox finds a hat.']);
        const roots = await client.callTool({ name: 'count_roots', arguments: {} });
        expect(roots.structuredContent).toEqual({ roots: ['file:///stories'] });
      } finally {
        await client.close();
      }
    });

    it('reports a tool that asks for nothing as an internal error naming it', async () => {
      const client = await connectAnsweringClient(url(), 'modern', answers());
      try {
        const result = await client.callTool({ name: 'ask_nothing', arguments: {} });
        expect(result.isError).toBe(true);
        expect(result._meta).toMatchObject({
          'io.kidsstories/error': { code: 'internal', details: { tool: 'ask_nothing' } },
        });
        expect(JSON.stringify(result.content)).toContain(
          'tool \\"ask_nothing\\" returned an input-required result',
        );
      } finally {
        await client.close();
      }
    });
  });

  it("fulfils the tool's request through the SDK's legacy shim for a 2025-era session", async () => {
    rounds.length = 0;
    const answered = answers();
    const client = await connectAnsweringClient(edge.url, 'legacy', answered);
    try {
      expect(client.getProtocolEra()).toBe('legacy');
      const result = await client.callTool({ name: 'publish_story', arguments: { title: 'Old Clients' } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ title: 'Old Clients', published: true });
      // The shim sent a real elicitation/create request to the client over its session.
      expect(answered.elicited).toEqual(['Publish "Old Clients"?']);
      expect(roundsOf('publish_story')[1]?.requestState).toBe(PUBLISH_STATE);
      const titled = await client.callTool({ name: 'suggest_title', arguments: { story: 'A hat.' } });
      expect(titled.structuredContent).toEqual({ title: 'The Brave Fox', model: 'test-model' });
    } finally {
      await client.close();
    }
  });

  it('returns the outcome unchanged to a caller that allows it, and refuses it to one that does not', async () => {
    const outcome = await gateway.callToolOutcome('publish_story', { title: 'Direct' }, inbound());
    expect(isInputRequired(outcome)).toBe(true);
    expect(outcome).toMatchObject({
      resultType: 'input_required',
      inputRequests: {
        confirm: { method: 'elicitation/create', params: { message: 'Publish "Direct"?', mode: 'form' } },
      },
      requestState: PUBLISH_STATE,
    });
    const refused = await gateway
      .callTool('publish_story', { title: 'Direct' }, inbound())
      .catch((error) => error);
    expect(MeshError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ code: 'failed_precondition', details: { tool: 'publish_story' } });
  });
});

/** A call that reached a {@link flakyLink}: which method, and its options. */
interface SeenCall {
  method: 'callTool' | 'callToolOutcome';
  options: LinkCallOptions;
}

/** A link that refuses (`unavailable`, as a replica shutting down) the first `failures` calls carrying answers. */
function flakyLink(inner: PeerLink, failures: number, seen: SeenCall[]): PeerLink {
  let left = failures;
  const refuse = (method: SeenCall['method'], options: LinkCallOptions) => {
    if (options.inputResponses !== undefined) {
      seen.push({ method, options });
      if (left > 0) {
        left -= 1;
        throw new MeshError(`${inner.url} is shutting down`, 'unavailable', {
          details: { origin: inner.url },
        });
      }
    }
  };
  return {
    ...inner,
    url: inner.url,
    callTool: async (name, args, options) => {
      refuse('callTool', options);
      return inner.callTool(name, args, options);
    },
    callToolOutcome: async (name, args, options) => {
      refuse('callToolOutcome', options);
      return inner.callToolOutcome(name, args, options);
    },
  };
}

describe('input-required results and gateway resilience', () => {
  const rounds: InputRound[] = [];
  let node: MeshNode;
  const links: PeerLink[] = [];

  beforeAll(async () => {
    node = createMeshNode({ id: 'story-tools', tools: inputTools(rounds) });
    await node.start();
  });
  afterAll(async () => {
    await Promise.all(links.map((link) => link.close()));
    await node?.close({ graceMs: 100 });
  });

  it('carries the input responses and request state on every retry and failover', async () => {
    const seen: SeenCall[] = [];
    const first = createPeerLink({ url: node.meshUrl });
    const second = createPeerLink({ url: node.meshUrl });
    links.push(first, second);
    // Each replica refuses its first answered call: the retry round fails over, then is retried.
    const gateway = createGateway({
      id: 'gw-flaky',
      ports: memoryPorts(),
      peers: [
        {
          name: 'story',
          replicas: [flakyLink(first, 1, seen), flakyLink(second, 1, seen)],
          policy: { retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 } },
        },
      ],
    });
    try {
      await gateway.start();
      const call = inbound();
      const asked: ToolOutcome = await gateway.callToolOutcome('publish_story', { title: 'Retry' }, call);
      if (!isInputRequired(asked)) throw new Error('expected an input-required outcome');
      const inputResponses = { confirm: { action: 'accept', content: { confirm: true } } };
      const requestState = asked.requestState ?? '';
      rounds.length = 0;
      const result = await gateway.callToolOutcome(
        'publish_story',
        { title: 'Retry' },
        inbound({ inputResponses, requestState }),
      );
      expect(result).toMatchObject({ structuredContent: { title: 'Retry', published: true } });
      // Two refused attempts (one on each replica), then the one that ran.
      expect(seen).toHaveLength(3);
      for (const { method, options } of seen) {
        expect(options.inputResponses).toEqual(inputResponses);
        expect(options.requestState).toBe(PUBLISH_STATE);
        expect(method).toBe('callToolOutcome');
      }
      expect(rounds).toEqual([{ tool: 'publish_story', inputResponses, requestState: PUBLISH_STATE }]);
    } finally {
      await gateway.close();
    }
  });
});
