import type { Client } from '@modelcontextprotocol/client';
import { LOG_LEVEL_META_KEY } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { ORIGIN_META_KEY } from '../../src/gateway/tool-naming.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { definePrompt } from '../../src/prompt/prompt-definition.js';
import { defineResource, defineResourceTemplate } from '../../src/resource/resource-definition.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import {
  CHATTY_WARNINGS,
  chattyTool,
  expectFeatureCapabilities,
  readmeResource,
  storyTemplate,
} from '../mcp/feature-fixtures.js';
import { connectClient, type Era } from '../mcp/fixtures.js';
import { eventually } from './sockets.js';

// Resources, prompts, completion, subscriptions and client logging federated by a gateway over real peer links
// (HTTP/2 on port 0) and served at its MCP endpoint, driven with the official MCP client in both protocol eras.

/** What the nodes' handlers saw, for the cancellation and deadline checks. */
const seen = { slowAborted: 0 };

function alphaNode(): MeshNode {
  return createMeshNode({
    id: 'alpha',
    mcp: {},
    tools: [chattyTool()],
    resources: [
      readmeResource('# Alpha', 'text/markdown'),
      defineResource({
        uri: 'alpha://only',
        name: 'only',
        handler: async (context) => {
          context.logger.info('reading only');
          context.logger.warn('only is old');
          return { text: 'alpha only' };
        },
      }),
      defineResource({
        uri: 'slow://read',
        name: 'slow',
        handler: (context) =>
          new Promise((_resolve, reject) => {
            context.signal.addEventListener('abort', () => {
              seen.slowAborted += 1;
              reject(context.signal.reason);
            });
          }),
      }),
    ],
    resourceTemplates: [
      storyTemplate(async ({ date, ageBand }) => ({ text: JSON.stringify({ date, ageBand }) })),
    ],
    prompts: [
      definePrompt({
        name: 'story_request',
        description: 'Alpha asks for a story.',
        arguments: {
          theme: { complete: (value) => ['foxes', 'forests'].filter((t) => t.startsWith(value)) },
        },
        handler: async ({ theme }, context) => {
          context.logger.warn('rendering story_request');
          return {
            messages: [{ role: 'user', content: { type: 'text', text: `alpha: ${theme ?? 'anything'}` } }],
          };
        },
      }),
    ],
  });
}

function betaNode(id: string): MeshNode {
  return createMeshNode({
    id,
    tools: [],
    resources: [
      readmeResource('# Beta'),
      defineResource({
        uri: 'beta://watched',
        name: 'watched',
        handler: async (context) => ({ text: `served by ${context.nodeId}` }),
      }),
    ],
    resourceTemplates: [
      defineResourceTemplate({
        uriTemplate: 'stories://{date}/{ageBand}',
        name: 'story',
        handler: async (_uri, { date }) => ({ text: `beta story of ${date}` }),
      }),
    ],
    prompts: [
      definePrompt({
        name: 'story_request',
        description: 'Beta asks for a story.',
        handler: async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'beta' } }] }),
      }),
    ],
  });
}

let alpha: MeshNode;
let betas: MeshNode[];
let gamma: MeshNode;
let gateway: Gateway;
let front: MeshNode;

beforeAll(async () => {
  alpha = alphaNode();
  betas = [betaNode('beta-1'), betaNode('beta-2')];
  gamma = createMeshNode({
    id: 'gamma',
    tools: [
      defineTool({
        name: 'plain',
        description: 'A tool of a node without resources or prompts.',
        inputSchema: z.object({}),
        handler: async () => ({ content: [{ type: 'text', text: 'plain' }] }),
      }),
    ],
  });
  await Promise.all([alpha.start(), ...betas.map((node) => node.start()), gamma.start()]);
  gateway = createGateway({
    id: 'gw-federation',
    ports: { ...alpha.ports },
    peers: [
      { name: 'alpha', replicas: [alpha.meshUrl] },
      {
        name: 'beta',
        replicas: betas.map((node) => node.meshUrl),
        linkOptions: { watchBackoff: { maxMs: 200 } },
      },
      { name: 'gamma', replicas: [gamma.meshUrl] },
    ],
    replicaCooldownMs: 60_000,
  });
  await gateway.start();
  front = createMeshNode({ id: 'front', host: gateway, mesh: false });
  await front.start();
}, 30_000);

afterAll(async () => {
  await front?.close({ graceMs: 500 });
  await gateway?.close();
  await Promise.all([alpha, ...betas, gamma].map((node) => node?.close({ graceMs: 500 })));
});

describe.each<Era>(['legacy', 'modern'])('a gateway federating resources and prompts (%s era)', (era) => {
  let client: Client;
  beforeAll(async () => {
    client = await connectClient(front.mcpUrl, era);
  });
  afterAll(async () => {
    await client.close();
  });

  it('advertises resources, prompts, completions and logging', () => {
    expectFeatureCapabilities(client);
  });

  it('lists every peer’s resources, prefixing only a URI two peers offer, with the origin in _meta', async () => {
    const { resources } = await client.listResources();
    const byUri = new Map(resources.map((resource) => [resource.uri, resource]));
    expect([...byUri.keys()].sort()).toEqual(
      ['alpha+docs://readme', 'alpha://only', 'beta+docs://readme', 'beta://watched', 'slow://read'].sort(),
    );
    expect(byUri.get('alpha+docs://readme')?._meta?.[ORIGIN_META_KEY]).toEqual({
      peer: 'alpha',
      uri: 'docs://readme',
    });
    expect(byUri.get('beta://watched')?._meta?.[ORIGIN_META_KEY]).toEqual({
      peer: 'beta',
      uri: 'beta://watched',
    });
    // Both peers offer the template: each gets its prefix in front of the scheme, variables kept.
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      expect.objectContaining({
        uriTemplate: 'alpha+stories://{date}/{ageBand}',
        _meta: { [ORIGIN_META_KEY]: { peer: 'alpha', uriTemplate: 'stories://{date}/{ageBand}' } },
      }),
      expect.objectContaining({
        uriTemplate: 'beta+stories://{date}/{ageBand}',
        _meta: { [ORIGIN_META_KEY]: { peer: 'beta', uriTemplate: 'stories://{date}/{ageBand}' } },
      }),
    ]);
  });

  it('reads plain, prefixed and templated URIs from the owning peer', async () => {
    expect((await client.readResource({ uri: 'alpha://only' })).contents).toEqual([
      { uri: 'alpha://only', text: 'alpha only' },
    ]);
    expect((await client.readResource({ uri: 'beta+docs://readme' })).contents).toEqual([
      { uri: 'beta+docs://readme', text: '# Beta' },
    ]);
    expect((await client.readResource({ uri: 'alpha+docs://readme' })).contents[0]).toMatchObject({
      uri: 'alpha+docs://readme',
      text: '# Alpha',
    });
    const story = await client.readResource({ uri: 'alpha+stories://2026-12-06/6-8' });
    expect(story.contents[0]?.uri).toBe('alpha+stories://2026-12-06/6-8');
    expect(JSON.parse((story.contents[0] as { text: string }).text)).toEqual({
      date: '2026-12-06',
      ageBand: '6-8',
    });
    expect((await client.readResource({ uri: 'beta+stories://2026-12-06/6-8' })).contents[0]).toMatchObject({
      uri: 'beta+stories://2026-12-06/6-8',
      text: 'beta story of 2026-12-06',
    });
    await expect(client.readResource({ uri: 'docs://readme' })).rejects.toThrow(/unknown resource/);
    await expect(client.readResource({ uri: 'stories://2026-12-06/6-8' })).rejects.toThrow(
      /unknown resource/,
    );
  });

  it('lists and gets prompts, prefixing the name two peers offer', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual([
      'alpha_story_request',
      'beta_story_request',
    ]);
    expect(prompts.find((prompt) => prompt.name === 'beta_story_request')?._meta?.[ORIGIN_META_KEY]).toEqual({
      peer: 'beta',
      prompt: 'story_request',
    });
    const alphaPrompt = await client.getPrompt({
      name: 'alpha_story_request',
      arguments: { theme: 'foxes' },
    });
    expect(alphaPrompt.messages[0]?.content).toEqual({ type: 'text', text: 'alpha: foxes' });
    const betaPrompt = await client.getPrompt({ name: 'beta_story_request' });
    expect(betaPrompt.messages[0]?.content).toEqual({ type: 'text', text: 'beta' });
    await expect(client.getPrompt({ name: 'story_request' })).rejects.toThrow(/unknown prompt/);
    await expect(
      client.getPrompt({ name: 'alpha_story_request', arguments: { colour: 'red' } }),
    ).rejects.toThrow(/unknown argument "colour"/);
  });

  it('completes prompt arguments and template variables on the owning peer', async () => {
    const theme = await client.complete({
      ref: { type: 'ref/prompt', name: 'alpha_story_request' },
      argument: { name: 'theme', value: 'fo' },
    });
    expect(theme.completion.values).toEqual(['foxes', 'forests']);
    const band = await client.complete({
      ref: { type: 'ref/resource', uri: 'alpha+stories://{date}/{ageBand}' },
      argument: { name: 'ageBand', value: '9' },
    });
    expect(band.completion.values).toEqual(['9-12']);
    // Beta's template completes nothing for this variable: an empty list, from beta.
    const none = await client.complete({
      ref: { type: 'ref/resource', uri: 'beta+stories://{date}/{ageBand}' },
      argument: { name: 'ageBand', value: '9' },
    });
    expect(none.completion.values).toEqual([]);
  });

  it('passes the log records of a tool, a resource read and a prompt to the client at its level', async () => {
    const received: { level: string; data: unknown; logger?: string }[] = [];
    client.setNotificationHandler('notifications/message', (notification) => {
      received.push(notification.params as never);
    });
    const meta = era === 'modern' ? { _meta: { [LOG_LEVEL_META_KEY]: 'warning' } } : {};
    if (era === 'legacy') await client.setLoggingLevel('warning');
    await client.callTool({ name: 'chatty', arguments: {}, ...meta });
    await client.readResource({ uri: 'alpha://only', ...meta });
    await client.getPrompt({ name: 'alpha_story_request', ...meta });
    await eventually(() => received.length >= 4);
    expect(received).toEqual([
      ...CHATTY_WARNINGS,
      { level: 'warning', data: 'only is old', logger: 'only' },
      { level: 'warning', data: 'rendering story_request', logger: 'story_request' },
    ]);
  });

  it('carries the client’s deadline and cancellation to the peer’s handler', async () => {
    const before = seen.slowAborted;
    const deadline = client.readResource({
      uri: 'slow://read',
      _meta: { 'io.kidsstories/timeout-ms': 300 },
    } as never);
    // The gateway's policy gives the peer call the client's deadline: the call fails `deadline_exceeded`.
    await expect(deadline).rejects.toMatchObject({ data: { code: 'deadline_exceeded' } });
    await eventually(() => seen.slowAborted === before + 1);
    const controller = new AbortController();
    const canceled = client.readResource({ uri: 'slow://read' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(canceled).rejects.toThrow();
    await eventually(() => seen.slowAborted === before + 2);
  });
});

describe('list changes and subscriptions through the gateway', () => {
  it('tells a client that a peer’s resource and prompt lists changed', async () => {
    const client = await connectClient(front.mcpUrl, 'legacy');
    try {
      let resourcesChanged = 0;
      let promptsChanged = 0;
      client.setNotificationHandler('notifications/resources/list_changed', () => {
        resourcesChanged += 1;
      });
      client.setNotificationHandler('notifications/prompts/list_changed', () => {
        promptsChanged += 1;
      });
      alpha.features?.addResource(
        defineResource({ uri: 'alpha://fresh', name: 'fresh', handler: async () => ({ text: 'new' }) }),
      );
      alpha.features?.addPrompt(
        definePrompt({
          name: 'fresh_prompt',
          handler: async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'fresh' } }] }),
        }),
      );
      await eventually(() => resourcesChanged > 0 && promptsChanged > 0);
      const { resources } = await client.listResources();
      expect(resources.map((resource) => resource.uri)).toContain('alpha://fresh');
      const { prompts } = await client.listPrompts();
      expect(prompts.map((prompt) => prompt.name)).toContain('fresh_prompt');
    } finally {
      await client.close();
    }
  });

  // The modern era first: the legacy case closes the serving replica.
  it.each<Era>(['modern', 'legacy'])(
    '%s era: an update reaches the subscribed client, also after the serving replica goes away',
    async (era) => {
      const client = await connectClient(front.mcpUrl, era);
      const uris: string[] = [];
      client.setNotificationHandler('notifications/resources/updated', (notification) => {
        uris.push(notification.params.uri);
      });
      let subscription: { close(): Promise<void> } | undefined;
      try {
        if (era === 'legacy') await client.subscribeResource({ uri: 'beta://watched' });
        else subscription = await client.listen({ resourceSubscriptions: ['beta://watched'] });
        await eventually(
          () => gateway.features.resources.subscriptions().get('beta://watched') !== undefined,
        );
        const servingUrl = gateway.features.resources.subscriptions().get('beta://watched');
        const serving = betas.find((node) => node.meshUrl === servingUrl);
        const other = betas.find((node) => node !== serving);
        if (!serving || !other) throw new Error('no serving replica');
        // The subscription's watch stream is open once an update gets through.
        await eventually(async () => {
          serving.resourceUpdated('beta://watched');
          await new Promise((resolve) => setTimeout(resolve, 50));
          return uris.length > 0;
        });
        expect(uris.every((uri) => uri === 'beta://watched')).toBe(true);
        if (era === 'modern') return;
        // Failover: the serving replica drains and closes; the subscription moves to the other one.
        await serving.close({ graceMs: 200 });
        await eventually(
          () => gateway.features.resources.subscriptions().get('beta://watched') === other.meshUrl,
        );
        const before = uris.length;
        await eventually(async () => {
          other.resourceUpdated('beta://watched');
          await new Promise((resolve) => setTimeout(resolve, 50));
          return uris.length > before;
        });
        expect((await client.readResource({ uri: 'beta://watched' })).contents[0]).toMatchObject({
          text: `served by ${other.id}`,
        });
        if (era === 'legacy') await client.unsubscribeResource({ uri: 'beta://watched' });
        await eventually(() => !gateway.features.resources.subscriptions().has('beta://watched'));
      } finally {
        await subscription?.close();
        await client.close();
      }
    },
    20_000,
  );
});

describe('peers without features', () => {
  it('a tools-only node reports no features, answers unimplemented, and its tools stay federated', async () => {
    const link = createPeerLink({ url: gamma.meshUrl });
    try {
      expect(await link.features?.()).toEqual({
        resources: false,
        resourceSubscribe: false,
        prompts: false,
        completions: false,
        logging: true,
      });
      await expect(
        link.readResource?.('docs://readme', { metadata: { correlationId: 'c-1', hop: 1 } }),
      ).rejects.toMatchObject({ code: 'unimplemented' });
    } finally {
      await link.close();
    }
    const tools = await gateway.listTools();
    expect(tools.map((tool) => tool.name)).toContain('plain');
    // Reads, gets and completions are peer calls: counted per peer like tool calls.
    const alphaCalls = async () => {
      const text = await gateway.metrics.render();
      const line = text
        .split('\n')
        .find(
          (entry) =>
            entry.startsWith('mesh_peer_call_duration_seconds_count{') &&
            entry.includes('peer="alpha"') &&
            entry.includes('outcome="ok"'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await alphaCalls();
    await gateway.features.resources.readResource('alpha://only', {
      signal: new AbortController().signal,
      correlationId: 'c-metrics',
      hop: 0,
    });
    expect(await alphaCalls()).toBe(before + 1);
    const status = await front.host.callTool(
      'circuit_status',
      { peer: 'alpha' },
      {
        signal: new AbortController().signal,
        correlationId: 'c-status',
        hop: 0,
      },
    );
    expect(status.structuredContent).toMatchObject({
      peers: [{ peer: 'alpha', resourceTemplateCount: 1, promptCount: expect.any(Number) }],
    });
    const gammaStatus = gateway.peerStatus().find((peer) => peer.peer === 'gamma');
    expect(gammaStatus).toMatchObject({ resourceCount: 0, promptCount: 0 });
    expect(gateway.peerStatus().find((peer) => peer.peer === 'alpha')?.resourceCount).toBeGreaterThan(0);
  });
});

describe('a fail-closed gateway', () => {
  it('refuses its resource and prompt lists while a peer cannot be listed, naming it', async () => {
    const closed = createGateway({
      id: 'gw-fail-closed',
      ports: { ...alpha.ports },
      failClosed: true,
      peers: [
        { name: 'alpha', replicas: [alpha.meshUrl] },
        // Nothing listens there: the peer cannot be listed.
        { name: 'nowhere', replicas: ['http://127.0.0.1:1'], policy: { retry: { maxAttempts: 1 } } },
      ],
      listTimeoutMs: 1_000,
    });
    try {
      await closed.start();
      const call = { signal: new AbortController().signal, correlationId: 'c-closed', hop: 0 };
      await expect(closed.features.resources.listResources(call)).rejects.toMatchObject({
        code: 'unavailable',
        details: { peer: 'nowhere' },
      });
      await expect(closed.features.prompts.listPrompts()).rejects.toMatchObject({ code: 'unavailable' });
      // What a listed peer serves is still read and got.
      expect((await closed.features.resources.readResource('alpha://only', call)).contents[0]).toMatchObject({
        text: 'alpha only',
      });
    } finally {
      await closed.close();
    }
  });
});
