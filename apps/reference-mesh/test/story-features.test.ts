import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';

// The reference mesh's gateway serves the KidsStories story resources and the `story_request` prompt over MCP
// beside the tools it federates: a story is made through the gateway, then found, read and asked for there.

const DATE = '2026-03-14';

async function connect(url: string, era: 'modern' | 'legacy'): Promise<Client> {
  const client = new Client(
    { name: `story-features-${era}`, version: '1.0.0' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

describe('the reference mesh gateway serves stories and the story request over MCP', () => {
  let out: string;
  let mesh: ReferenceMesh;
  let title: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'story-features-'));
    mesh = await startReferenceMesh({ outDir: out });
    const client = await connect(mesh.gatewayUrl, 'modern');
    try {
      const result = await client.callTool(
        {
          name: 'orchestrate',
          // A small clip (512 x 512 at 12 fps, not the defaults' 1024 x 1024 at 24): the story is what is read here.
          arguments: {
            date: DATE,
            ageBand: '6-8',
            pages: 2,
            clips: 1,
            parameters: { video_resolution: '512x512', fps: 12 },
          },
        },
        { timeout: 600_000 },
      );
      expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
      title = (result.structuredContent as { title: string }).title;
    } finally {
      await client.close();
    }
  }, 600_000);
  afterAll(async () => {
    await mesh?.close();
    await rm(out, { recursive: true, force: true });
  });

  it.each(['modern', 'legacy'] as const)(
    'lists, reads and completes the published story, and renders story_request (%s client)',
    async (era) => {
      const client = await connect(mesh.gatewayUrl, era);
      try {
        const capabilities = client.getServerCapabilities();
        expect(capabilities?.resources).toBeDefined();
        expect(capabilities?.prompts).toBeDefined();
        const { resourceTemplates } = await client.listResourceTemplates();
        expect(resourceTemplates.map((template) => template.uriTemplate)).toContain(
          'kidsstories://stories/{date}/{ageBand}',
        );
        const uri = `kidsstories://stories/${DATE}/6-8`;
        const { resources } = await client.listResources();
        expect(resources).toContainEqual(expect.objectContaining({ uri, title }));
        const read = await client.readResource({ uri });
        const manifest = JSON.parse((read.contents[0] as { text: string }).text) as {
          title: string;
          pages: unknown[];
        };
        expect(manifest.title).toBe(title);
        expect(manifest.pages).toHaveLength(2);
        const dates = await client.complete({
          ref: { type: 'ref/resource', uri: 'kidsstories://stories/{date}/{ageBand}' },
          argument: { name: 'date', value: '2026-03' },
        });
        expect(dates.completion.values).toEqual([DATE]);

        const { prompts } = await client.listPrompts();
        expect(prompts.map((prompt) => prompt.name)).toContain('story_request');
        const bands = await client.complete({
          ref: { type: 'ref/prompt', name: 'story_request' },
          argument: { name: 'ageBand', value: '9' },
        });
        expect(bands.completion.values).toEqual(['9-12']);
        const prompt = await client.getPrompt({ name: 'story_request', arguments: { ageBand: '6-8' } });
        expect(prompt.messages[0]?.content).toMatchObject({
          type: 'text',
          text: expect.stringContaining('orchestrate'),
        });
        await expect(client.getPrompt({ name: 'story_request', arguments: {} })).rejects.toThrow(
          /missing required argument "ageBand"/,
        );
      } finally {
        await client.close();
      }
    },
  );
});
