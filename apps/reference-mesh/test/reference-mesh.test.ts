import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_VIDEO_MODELS } from '@kidsstories/kidsstories-tools';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';

const VIDEO_MODEL_IDS = DEFAULT_VIDEO_MODELS.map((model) => model.id);

const KIDSSTORIES_TOOLS = [
  'generate_story',
  'refine_readability',
  'embed_content',
  'generate_image',
  'generate_audio',
  'apply_character_guide',
  'select_model',
  'animate_image',
  'batch_render',
];

async function connect(url: string, era: 'modern' | 'legacy'): Promise<Client> {
  const client = new Client(
    { name: `reference-mesh-test-${era}`, version: '1.0.0' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

describe('the reference mesh on its embedded default', () => {
  let mesh: ReferenceMesh;
  let outDir: string;
  beforeAll(async () => {
    // Bundles go to a folder of the test's own, never the checkout's `out/` that `npm start` reads.
    outDir = await mkdtemp(join(tmpdir(), 'reference-mesh-test-'));
    mesh = await startReferenceMesh({ outDir });
  });
  afterAll(async () => {
    await mesh?.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it.each(['modern', 'legacy'] as const)(
    'federates every server behind one MCP endpoint (%s client)',
    async (era) => {
      const client = await connect(mesh.gatewayUrl, era);
      try {
        const { tools } = await client.listTools();
        const names = tools.map((tool) => tool.name);
        expect(names).toEqual(
          expect.arrayContaining([...KIDSSTORIES_TOOLS, 'route', 'budget_check', 'circuit_status']),
        );
      } finally {
        await client.close();
      }
    },
  );

  it('writes a story through the gateway and a peer link', async () => {
    const client = await connect(mesh.gatewayUrl, 'modern');
    try {
      const result = await client.callTool({
        name: 'generate_story',
        arguments: { parameters: { page_count: 4, seed: 7 } },
      });
      expect(result.isError).not.toBe(true);
      const { story } = result.structuredContent as {
        story: { title: string; pages: Array<{ text: string }> };
      };
      expect(story.title.length).toBeGreaterThan(0);
      expect(story.pages).toHaveLength(4);
      for (const page of story.pages) expect(page.text.split(/\s+/).length).toBeGreaterThan(5);
    } finally {
      await client.close();
    }
  });

  it('reports every peer breaker closed and the budget through the gateway tools', async () => {
    const client = await connect(mesh.gatewayUrl, 'modern');
    try {
      const circuits = await client.callTool({ name: 'circuit_status', arguments: {} });
      expect(circuits.isError).not.toBe(true);
      expect(JSON.stringify(circuits.structuredContent)).toContain('closed');
      const budget = await client.callTool({ name: 'budget_check', arguments: {} });
      expect(budget.isError).not.toBe(true);
    } finally {
      await client.close();
    }
  });

  it("answers a request no video model can serve at once through the gateway, with the node's message", async () => {
    const client = await connect(mesh.gatewayUrl, 'modern');
    try {
      const started = Date.now();
      const result = await client.callTool({
        name: 'select_model',
        arguments: { durationSec: 5, excludeModels: VIDEO_MODEL_IDS },
      });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      expect(result.content).toEqual([
        {
          type: 'text',
          text: expect.stringMatching(/^failed_precondition: no standard video model is left/),
        },
      ]);
      expect(result._meta).toMatchObject({ 'io.kidsstories/error': { code: 'failed_precondition' } });
      const circuits = await client.callTool({ name: 'circuit_status', arguments: { peer: 'video' } });
      expect(circuits.structuredContent).toMatchObject({ peers: [{ circuit: { active: 0, queued: 0 } }] });
    } finally {
      await client.close();
    }
  });
});

describe('the breaker open time (breakerOpenMs, serve --breaker-open-ms)', () => {
  let mesh: ReferenceMesh;
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'reference-mesh-breaker-'));
    mesh = await startReferenceMesh({ outDir, breakerOpenMs: 1_234 });
  });
  afterAll(async () => {
    await mesh?.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it('keeps a server’s breaker open for that long, not the mesh’s 60 s', async () => {
    await mesh.nodes.video.close();
    const circuit = () => mesh.gateway.peerStatus().find((peer) => peer.peer === 'video')?.circuit;
    // A deadline too short for the gateway's retries: one failed attempt per call, ten open the breaker.
    for (let i = 0; i < 30 && circuit()?.state !== 'open'; i += 1) {
      const call = { signal: new AbortController().signal, correlationId: `c-${i}`, hop: 0 };
      await expect(
        mesh.gateway.callTool('select_model', {}, { ...call, deadline: Date.now() + 300 }),
      ).rejects.toMatchObject({ code: 'unavailable' });
    }
    const open = circuit();
    expect(open?.state).toBe('open');
    expect((open?.halfOpenAt ?? 0) - (open?.openedAt ?? 0)).toBe(1_234);
  });
});
