import type { Client } from '@modelcontextprotocol/client';
import { LOG_LEVEL_META_KEY } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { definePrompt } from '../../src/prompt/prompt-definition.js';
import { defineResource } from '../../src/resource/resource-definition.js';
import {
  AGE_BANDS,
  CHATTY_WARNINGS,
  chattyTool,
  expectFeatureCapabilities,
  readmeResource,
  storyTemplate,
} from './feature-fixtures.js';
import { connectClient, type Era } from './fixtures.js';

// Resources, templates, prompts, completion, client logging and subscriptions on a node, through the official
// MCP client in both protocol eras (the conformance suite drives the 2025 era only).

const BYTES = Uint8Array.from([0, 1, 2, 250, 255]);

function features() {
  return {
    tools: [chattyTool()],
    resources: [
      readmeResource('# Hello', 'text/markdown'),
      defineResource({
        uri: 'docs://bytes',
        name: 'bytes',
        mimeType: 'application/octet-stream',
        handler: async () => ({ blob: BYTES }),
      }),
    ],
    resourceTemplates: [
      storyTemplate(
        async ({ date, ageBand }) => {
          if (date === '1999-01-01') throw new MeshError('no story that day', 'not_found');
          return { text: JSON.stringify({ date, ageBand }) };
        },
        { list: async () => [{ uri: 'stories://2026-12-06/6-8', name: 'story 2026-12-06 6-8' }] },
      ),
    ],
    prompts: [
      definePrompt({
        name: 'story_request',
        description: 'Ask for a story.',
        arguments: {
          ageBand: {
            required: true,
            schema: z.enum(AGE_BANDS),
            complete: () => [...AGE_BANDS],
          },
          theme: { complete: (value) => Array.from({ length: 150 }, (_, i) => `${value}${i}`) },
        },
        handler: async ({ ageBand, theme }) => ({
          messages: [
            {
              role: 'user',
              content: { type: 'text', text: `A story for ages ${ageBand} about ${theme ?? 'anything'}` },
            },
            {
              role: 'user',
              content: { type: 'resource', resource: { uri: 'docs://readme', text: '# Hello' } },
            },
          ],
        }),
      }),
    ],
  };
}

describe.each<Era>(['legacy', 'modern'])('node features over MCP (%s era)', (era) => {
  let node: MeshNode;
  let client: Client;
  beforeAll(async () => {
    node = createMeshNode({ id: `features-${era}`, mesh: false, ...features() });
    await node.start();
    client = await connectClient(node.mcpUrl, era);
  });
  afterAll(async () => {
    await client.close();
    await node.close({ graceMs: 500 });
  });

  it('advertises resources, prompts, completions and logging', () => {
    expectFeatureCapabilities(client);
  });

  it('lists and reads fixed and templated resources, text and binary', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual([
      'docs://readme',
      'docs://bytes',
      'stories://2026-12-06/6-8',
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      expect.objectContaining({ uriTemplate: 'stories://{date}/{ageBand}', name: 'story' }),
    ]);
    const text = await client.readResource({ uri: 'docs://readme' });
    expect(text.contents).toEqual([{ uri: 'docs://readme', mimeType: 'text/markdown', text: '# Hello' }]);
    const binary = await client.readResource({ uri: 'docs://bytes' });
    const blob = (binary.contents[0] as { blob: string }).blob;
    expect([...Buffer.from(blob, 'base64')]).toEqual([...BYTES]);
    const story = await client.readResource({ uri: 'stories://2026-12-06/6-8' });
    expect(JSON.parse((story.contents[0] as { text: string }).text)).toEqual({
      date: '2026-12-06',
      ageBand: '6-8',
    });
  });

  it('answers a missing resource with an error naming it', async () => {
    await expect(client.readResource({ uri: 'docs://missing' })).rejects.toThrow(
      /unknown resource "docs:\/\/missing"/,
    );
    await expect(client.readResource({ uri: 'stories://1999-01-01/6-8' })).rejects.toThrow(
      /no story that day/,
    );
  });

  it('gets prompts with arguments and embedded resources, and refuses bad arguments by name', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts).toEqual([
      {
        name: 'story_request',
        description: 'Ask for a story.',
        arguments: [
          { name: 'ageBand', required: true },
          { name: 'theme', required: false },
        ],
      },
    ]);
    const prompt = await client.getPrompt({
      name: 'story_request',
      arguments: { ageBand: '6-8', theme: 'foxes' },
    });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'A story for ages 6-8 about foxes' });
    expect(prompt.messages[1]?.content).toMatchObject({
      type: 'resource',
      resource: { uri: 'docs://readme' },
    });
    await expect(client.getPrompt({ name: 'story_request', arguments: {} })).rejects.toThrow(
      /missing required argument "ageBand"/,
    );
    await expect(client.getPrompt({ name: 'story_request', arguments: { ageBand: '99' } })).rejects.toThrow(
      /invalid argument "ageBand"/,
    );
    await expect(
      client.getPrompt({ name: 'story_request', arguments: { ageBand: '6-8', colour: 'red' } }),
    ).rejects.toThrow(/unknown argument "colour"/);
  });

  it('completes prompt arguments and template variables, at most 100 values', async () => {
    const band = await client.complete({
      ref: { type: 'ref/resource', uri: 'stories://{date}/{ageBand}' },
      argument: { name: 'ageBand', value: '6' },
    });
    expect(band.completion).toEqual({ values: ['6-8'] });
    const theme = await client.complete({
      ref: { type: 'ref/prompt', name: 'story_request' },
      argument: { name: 'theme', value: 'fox' },
    });
    expect(theme.completion.values).toHaveLength(100);
    expect(theme.completion).toMatchObject({ total: 150, hasMore: true });
  });

  it('sends the tool logger to the client at the level it asked for, and not below', async () => {
    const received: { level: string; data: unknown; logger?: string }[] = [];
    client.setNotificationHandler('notifications/message', (notification) => {
      received.push(notification.params as never);
    });
    if (era === 'modern') {
      // The 2026 era has no logging/setLevel: each request names its level in `_meta`, and without one gets none.
      await client.callTool({ name: 'chatty', arguments: {} });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toEqual([]);
      await client.callTool({ name: 'chatty', arguments: {}, _meta: { [LOG_LEVEL_META_KEY]: 'warning' } });
    } else {
      await client.setLoggingLevel('warning');
      await client.callTool({ name: 'chatty', arguments: {} });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual(CHATTY_WARNINGS);
  });
});

describe('resource subscriptions', () => {
  let node: MeshNode;
  beforeAll(async () => {
    node = createMeshNode({ id: 'features-subscriptions', mesh: false, ...features() });
    await node.start();
  });
  afterAll(async () => {
    await node.close({ graceMs: 500 });
  });

  const updates = (client: Client) => {
    const uris: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      uris.push(notification.params.uri);
    });
    return uris;
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  it('2025 era: resources/subscribe, notifications/resources/updated, resources/unsubscribe', async () => {
    const client = await connectClient(node.mcpUrl, 'legacy');
    try {
      const uris = updates(client);
      await client.subscribeResource({ uri: 'docs://readme' });
      await settle();
      node.resourceUpdated('docs://readme');
      node.resourceUpdated('docs://bytes');
      await settle();
      expect(uris).toEqual(['docs://readme']);
      await client.unsubscribeResource({ uri: 'docs://readme' });
      node.resourceUpdated('docs://readme');
      await settle();
      expect(uris).toEqual(['docs://readme']);
    } finally {
      await client.close();
    }
  });

  it('2026 era: subscriptions/listen carries the updates of the URIs it names', async () => {
    const client = await connectClient(node.mcpUrl, 'modern');
    try {
      const uris = updates(client);
      const subscription = await client.listen({ resourceSubscriptions: ['docs://readme'] });
      expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: ['docs://readme'] });
      node.resourceUpdated('docs://readme');
      node.resourceUpdated('docs://bytes');
      await settle();
      expect(uris).toEqual(['docs://readme']);
      await subscription.close();
    } finally {
      await client.close();
    }
  });

  it('a node without resources refuses resourceUpdated, and advertises neither resources nor prompts', async () => {
    const bare = createMeshNode({ id: 'bare', mesh: false, tools: [] });
    await bare.start();
    try {
      expect(() => bare.resourceUpdated('docs://readme')).toThrow(/serves no resources/);
      const client = await connectClient(bare.mcpUrl, 'legacy');
      expect(client.getServerCapabilities()).toEqual({ tools: { listChanged: true }, logging: {} });
      await client.close();
    } finally {
      await bare.close({ graceMs: 500 });
    }
  });
});
