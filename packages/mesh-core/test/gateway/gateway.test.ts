import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/gateway.js';
import { ORIGIN_META_KEY } from '../../src/gateway/tool-naming.js';
import type { ToolProgress } from '../../src/tool/tool-context.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { createFakeLink, createRecord, type FakeLink, inbound, memoryPorts, peerTools } from './fixtures.js';

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
});

function setup(overrides: Partial<GatewayOptions> = {}) {
  const record = createRecord();
  const story = [
    createFakeLink('story-1', peerTools('story-1', record)),
    createFakeLink('story-2', peerTools('story-2', record)),
  ];
  const media = [createFakeLink('media-1', peerTools('media-1', record))];
  const gateway = createGateway({
    id: 'gw',
    ports: memoryPorts(),
    peers: [
      { name: 'story', replicas: story, policy: { retry: { initialDelayMs: 1 } } },
      { name: 'media', replicas: media, policy: { retry: { initialDelayMs: 1 } } },
    ],
    relistIntervalMs: 0,
    ...overrides,
  });
  gateways.push(gateway);
  return { gateway, record, story, media };
}

const text = (result: { structuredContent?: unknown }) =>
  result.structuredContent as { text?: string; node: string };

describe('createGateway', () => {
  it('lists its own tools and the federated ones, prefixing only colliding names', async () => {
    const { gateway } = setup();
    const tools = await gateway.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
      'route',
      'budget_check',
      'circuit_status',
      ...['echo', 'wait', 'hold', 'fail'].map((name) => `story_${name}`),
      ...['echo', 'wait', 'hold', 'fail'].map((name) => `media_${name}`),
    ]);
    expect(tools.find((tool) => tool.name === 'media_echo')?._meta).toEqual({
      [ORIGIN_META_KEY]: { peer: 'media', tool: 'echo' },
    });
  });

  it('routes a call to the peer with hop + 1, correlation id, budget id and a deadline within the caller', async () => {
    const { gateway, record, story } = setup();
    const deadline = Date.now() + 3000;
    const before = Date.now();
    const result = await gateway.callTool(
      'story_echo',
      { text: 'hi' },
      inbound({ budgetId: 'b-7', deadline, hop: 2 }),
    );
    const elapsed = Date.now() - before;
    expect(text(result).text).toBe('hi');
    expect(record.contexts[0]).toMatchObject({ correlationId: 'corr-1', hop: 3, budgetId: 'b-7' });
    // The fake link re-derives the deadline from `timeoutMs` on its own clock, as a real peer does: the time the
    // call took between the gateway's reading of the clock and the link's is the most it can drift.
    expect(record.contexts[0]?.deadline).toBeLessThanOrEqual(deadline + elapsed);
    const sent = story.map((link) => link.lastOptions).find(Boolean);
    expect(sent?.timeoutMs).toBeLessThanOrEqual(3000);
    expect(sent?.metadata).toMatchObject({ correlationId: 'corr-1', hop: 3, budgetId: 'b-7' });
  });

  it('spreads calls round robin across replicas', async () => {
    const { gateway } = setup();
    const nodes: string[] = [];
    for (let i = 0; i < 4; i += 1)
      nodes.push(text(await gateway.callTool('story_echo', { text: 'x' }, inbound())).node);
    expect(nodes.sort()).toEqual(['story-1', 'story-1', 'story-2', 'story-2']);
  });

  it('sends to the replica with the fewest outstanding calls', async () => {
    const { gateway } = setup({
      peers: [
        {
          name: 'story',
          routing: 'least_outstanding',
          replicas: [
            createFakeLink('s1', peerTools('s1', createRecord())),
            createFakeLink('s2', peerTools('s2', createRecord())),
          ],
        },
      ],
    });
    // A long call pins one replica; the short calls that follow all go to the other.
    const long = gateway.callTool('hold', { ms: 300 }, inbound());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const longNode = gateway.peerStatus()[0]?.replicas.find((replica) => replica.outstanding === 1)?.url;
    const short: string[] = [];
    for (let i = 0; i < 3; i += 1)
      short.push(text(await gateway.callTool('hold', { ms: 1 }, inbound())).node);
    expect(short).toEqual(Array(3).fill(longNode === 's1' ? 's2' : 's1'));
    expect(text(await long).node).toBe(longNode);
  });

  it('fails over to another replica when one refuses, losing no call', async () => {
    const { gateway, story } = setup();
    const [first, second] = story as [FakeLink, FakeLink];
    await gateway.start();
    first.down = true;
    const nodes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => gateway.callTool('story_echo', { text: `${i}` }, inbound())),
    );
    expect(nodes.map((result) => text(result).node)).toEqual(Array(10).fill('story-2'));
    expect(first.attempts).toBeGreaterThan(0);
    expect(second.attempts).toBeGreaterThanOrEqual(10);
    const [status] = gateway.peerStatus();
    expect(status?.replicas[0]).toMatchObject({
      available: false,
      lastError: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('passes progress through', async () => {
    const { gateway } = setup();
    const progress: ToolProgress[] = [];
    await gateway.callTool(
      'story_hold',
      { ms: 1 },
      inbound({ onProgress: (update) => progress.push(update) }),
    );
    expect(progress).toEqual([
      { progress: 1, total: 2, message: expect.stringMatching(/^holding on story-/) },
    ]);
  });

  it('skips a peer that cannot be listed (fail-open) and lists it once it answers again', async () => {
    const { gateway, media } = setup();
    const [link] = media as [FakeLink];
    link.down = true;
    await gateway.start();
    const names = (await gateway.listTools()).map((tool) => tool.name);
    // Without media's tools nothing collides, so story's are not prefixed.
    expect(names).toContain('echo');
    expect(names.some((name) => name.startsWith('media_'))).toBe(false);
    expect(gateway.peerStatus()[1]).toMatchObject({
      toolCount: 0,
      listError: expect.stringContaining('ECONNREFUSED'),
    });
    link.down = false;
    let changed = 0;
    gateway.onToolsChanged(() => {
      changed += 1;
    });
    await gateway.listTools();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await gateway.listTools()).map((tool) => tool.name)).toContain('media_echo');
    expect(changed).toBe(1);
  });

  it('fails closed when configured to', async () => {
    const { gateway, media } = setup({ failClosed: true });
    (media[0] as FakeLink).down = true;
    await expect(gateway.listTools()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('peer "media" cannot be listed'),
    });
  });

  it('refreshes a peer when it reports tools_changed', async () => {
    const { gateway, media } = setup();
    await gateway.start();
    let changed = 0;
    gateway.onToolsChanged(() => {
      changed += 1;
    });
    const [link] = media as [FakeLink];
    link.host.addTool(
      defineTool({
        name: 'paint',
        description: 'Paints.',
        inputSchema: z.object({}),
        handler: async () => ({ content: [{ type: 'text', text: 'painted' }] }),
      }),
    );
    link.emit({ kind: 'tools_changed', nodeId: 'media-1' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(changed).toBe(1);
    expect((await gateway.listTools()).map((tool) => tool.name)).toContain('paint');
    const result = await gateway.callTool('paint', {}, inbound());
    expect(result.content).toEqual([{ type: 'text', text: 'painted' }]);
  });

  it('passes over a replica that announces it is draining', async () => {
    const { gateway, story } = setup();
    await gateway.start();
    (story[0] as FakeLink).emit({ kind: 'draining', nodeId: 'story-1' });
    const nodes: string[] = [];
    for (let i = 0; i < 4; i += 1)
      nodes.push(text(await gateway.callTool('story_echo', { text: 'x' }, inbound())).node);
    expect(nodes).toEqual(Array(4).fill('story-2'));
  });

  it('keeps names in mode always and reports ambiguity in mode never', async () => {
    const always = setup({ prefixMode: 'always' }).gateway;
    expect((await always.listTools()).map((tool) => tool.name)).toContain('story_wait');
    const never = setup({ prefixMode: 'never' }).gateway;
    await expect(never.listTools()).rejects.toMatchObject({
      code: 'failed_precondition',
      message: expect.stringContaining('"echo" is offered by both peer "story" and peer "media"'),
    });
    await expect(never.callTool('echo', { text: 'x' }, inbound())).rejects.toMatchObject({
      code: 'failed_precondition',
    });
    // The gateway's own tools still work.
    expect((await never.callTool('circuit_status', {}, inbound())).isError).toBeFalsy();
  });

  it('rejects unknown tools with the closest names', async () => {
    const { gateway } = setup();
    await expect(gateway.callTool('story_ecko', {}, inbound())).rejects.toMatchObject({
      code: 'not_found',
      details: { reason: 'unknown_tool', suggestions: expect.arrayContaining(['story_echo']) },
    });
  });

  it('stops calls that would exceed maxHops', async () => {
    const { gateway, record } = setup({ maxHops: 3 });
    await expect(gateway.callTool('story_echo', { text: 'x' }, inbound({ hop: 3 }))).rejects.toMatchObject({
      code: 'failed_precondition',
      details: { limit: 3 },
    });
    expect(record.calls).toEqual([]);
  });

  it('opens the breaker after failures and then rejects fast without calling the peer', async () => {
    const { gateway, media, record } = setup({
      peers: [
        {
          name: 'media',
          replicas: [createFakeLink('m', peerTools('m', createRecord()))],
          policy: { retry: { maxAttempts: 1 }, breaker: { minimumThroughput: 4, breakDurationMs: 60_000 } },
        },
      ],
    });
    void media;
    void record;
    // The initial listing succeeded (1 call); three failures make 3 of 4 calls in the window.
    for (let i = 0; i < 3; i += 1) {
      await expect(gateway.callTool('fail', { code: 'internal' }, inbound())).rejects.toMatchObject({
        code: 'internal',
      });
    }
    const [status] = gateway.peerStatus();
    expect(status?.circuit.state).toBe('open');
    // Rejected by the open breaker itself: the peer sees no call (the replica's count stays at 1 + 3).
    await expect(gateway.callTool('echo', { text: 'x' }, inbound())).rejects.toMatchObject({
      code: 'unavailable',
      details: { circuit: 'open', retryAfterMs: expect.any(Number) },
    });
    expect(gateway.peerStatus()[0]?.replicas[0]?.calls).toBe(1 + 3);
  });

  it('does not open the breaker on client faults', async () => {
    const { gateway } = setup();
    for (let i = 0; i < 12; i += 1) {
      await expect(
        gateway.callTool('story_fail', { code: 'invalid_argument' }, inbound()),
      ).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    }
    expect(gateway.peerStatus()[0]?.circuit.state).toBe('closed');
  });

  it('answers route, circuit_status and budget_check', async () => {
    const { gateway } = setup();
    const route = await gateway.callTool('route', { tool: 'media_echo' }, inbound());
    expect(route.structuredContent).toMatchObject({
      kind: 'peer',
      peer: 'media',
      originalName: 'echo',
      prefixed: true,
      routing: 'round_robin',
      replica: { url: 'media-1', outstanding: 0 },
      circuit: 'closed',
      timeoutMs: 30_000,
    });
    expect(
      (await gateway.callTool('route', { tool: 'budget_check' }, inbound())).structuredContent,
    ).toMatchObject({
      kind: 'gateway',
    });
    expect(
      (await gateway.callTool('route', { tool: 'story_ecko' }, inbound())).structuredContent,
    ).toMatchObject({
      kind: 'unknown',
      suggestions: expect.arrayContaining(['story_echo']),
    });

    const status = await gateway.callTool('circuit_status', {}, inbound());
    expect(status.structuredContent).toMatchObject({
      peers: [
        {
          peer: 'story',
          circuit: { state: 'closed', target: 'peer:story' },
          replicas: [{ url: 'story-1' }, { url: 'story-2' }],
        },
        { peer: 'media', toolCount: 4 },
      ],
    });
    await expect(gateway.callTool('circuit_status', { peer: 'nope' }, inbound())).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'peer' },
    });

    const ports = memoryPorts();
    await ports.ledger.setBudget('day', { limitUsd: 1 });
    const budget = createGateway({ id: 'gw-budget', ports });
    gateways.push(budget);
    const check = await budget.callTool(
      'budget_check',
      { scopes: ['day'], estimate: { model: 'custom', costUsd: 0.4 } },
      inbound(),
    );
    expect(check.structuredContent).toMatchObject({
      scopes: [
        { scope: 'global', limitUsd: null, remainingUsd: null },
        { scope: 'day', limitUsd: 1, remainingUsd: 1 },
      ],
      estimate: { costUsd: 0.4, fits: true, tightestScope: 'day' },
    });
    const tooMuch = await budget.callTool(
      'budget_check',
      { scopes: ['day'], estimate: { model: 'x', costUsd: 2 } },
      inbound(),
    );
    expect(tooMuch.structuredContent).toMatchObject({ estimate: { fits: false, adviceAfter: 'halt' } });
  });

  it('rejects invalid options naming the field', () => {
    const ports = memoryPorts();
    const link = createFakeLink('x', []);
    expect(() =>
      createGateway({
        id: 'g',
        ports,
        peers: [
          { name: 'a', replicas: [link] },
          { name: 'a', replicas: [link] },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_argument', details: { field: 'peers.1.name' } }));
    expect(() =>
      createGateway({
        id: 'g',
        ports,
        peers: [
          { name: 'a', replicas: [link] },
          { name: 'b', prefix: 'a', replicas: [link] },
        ],
      }),
    ).toThrow(/prefix "a"/);
    expect(() => createGateway({ id: 'g', ports, peers: [{ name: 'a', replicas: [] }] })).toThrow(
      /at least one replica/,
    );
    expect(() => createGateway({ id: 'g', ports, prefixMode: 'sometimes' as 'never' })).toThrow(/prefixMode/);
  });

  it('lets its own tools call federated tools through the mesh client', async () => {
    const caller = defineTool({
      name: 'shout',
      description: 'Echoes through the mesh, in capitals.',
      inputSchema: z.object({ text: z.string() }),
      handler: async ({ text: value }, context) => {
        const result = await context.mesh.callTool('story_echo', { text: value.toUpperCase() });
        return { structuredContent: result.structuredContent };
      },
    });
    const { gateway, record } = setup({ tools: [caller] });
    const result = await gateway.callTool('shout', { text: 'hey' }, inbound({ hop: 0 }));
    expect(text(result).text).toBe('HEY');
    // Calling in-process crosses no link: the peer sees hop 1, as for a direct call.
    expect(record.contexts[0]).toMatchObject({ hop: 1, correlationId: 'corr-1' });
  });

  it('converts a thrown non-mesh error from a link into a MeshError', async () => {
    const link = createFakeLink('odd', peerTools('odd', createRecord()));
    link.callTool = async () => {
      throw new TypeError('boom');
    };
    const { gateway } = setup({ peers: [{ name: 'odd', replicas: [link] }] });
    const error = await gateway.callTool('echo', { text: 'x' }, inbound()).catch((caught: unknown) => caught);
    expect(MeshError.isInstance(error) && error.code).toBe('internal');
  });
});
