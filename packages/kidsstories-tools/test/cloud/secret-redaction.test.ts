import { createJsonLogger, createMeshNode, type MeshNode } from '@kidsstories/mesh-core';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviders } from '../../src/providers/create-providers.js';
import { createToolSets } from '../../src/tools/create-tool-sets.js';
import { type FakeHttpServer, startFakeHttpServer } from './fake-http-server.js';
import { makePng } from './media-fixtures.js';

const png = makePng(64, 64);

// Canary keys: if one shows up anywhere a client or an operator can read, the test fails.
const CANARIES = {
  openai: 'sk-canary-openai-5f1e2d3c4b5a69788796a5b4',
  phi4: 'phi4-canary-9a8b7c6d5e4f3a2b1c0d',
  runware: 'rw-canary-0f1e2d3c4b5a6978',
} as const;

let server: FakeHttpServer;
let node: MeshNode;
const lines: string[] = [];
let providers: ReturnType<typeof createProviders>;

beforeAll(async () => {
  server = await startFakeHttpServer();
  // A provider (or an OpenAI-compatible proxy) that echoes the credentials it got in its error text.
  server.handle((request) => ({
    status: 401,
    json: {
      error: {
        message: `Incorrect API key provided: ${String(request.headers.authorization ?? request.headers['api-key'])}; request ${request.body.toString('utf8').slice(0, 200)}`,
        code: 'invalid_api_key',
      },
    },
  }));
  providers = createProviders({
    env: {
      KIDSSTORIES_PROVIDERS: 'cloud',
      OPENAI_API_KEY: CANARIES.openai,
      OPENAI_BASE_URL: `${server.url}/v1`,
      AZURE_AI_PHI4_ENDPOINT: `${server.url}/models`,
      AZURE_AI_PHI4_KEY: CANARIES.phi4,
      RUNWARE_API_KEY: CANARIES.runware,
      RUNWARE_BASE_URL: `${server.url}/runware`,
    },
  });
  const logger = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
  node = createMeshNode({ id: 'text', tools: createToolSets(providers).text, mesh: false, logger });
  await node.start();
});
afterAll(async () => {
  await node?.close({ graceMs: 0 });
  await server?.close();
});

function expectNoCanary(text: string) {
  for (const canary of Object.values(CANARIES)) expect(text).not.toContain(canary);
  expect(text).not.toContain('canary');
}

describe('configured secrets never leave the process (issue 12 item 9)', () => {
  it('keeps a key the provider echoes out of the tool error a client gets, in both eras, and out of debug logs', async () => {
    for (const mode of [{ pin: '2026-07-28' }, 'legacy'] as const) {
      const client = new Client({ name: 'canary', version: '1.0.0' }, { versionNegotiation: { mode } });
      await client.connect(new StreamableHTTPClientTransport(new URL(node.mcpUrl)));
      const result = await client.callTool({ name: 'embed_content', arguments: { texts: ['hello'] } });
      await client.close();
      expect(result.isError).toBe(true);
      const shown = JSON.stringify(result);
      expect(shown).toContain('Incorrect API key provided');
      expect(shown).toContain('[redacted]');
      expectNoCanary(shown);
    }
    expect(lines.length).toBeGreaterThan(0);
    expectNoCanary(lines.join('\n'));
  });

  it('takes every configured key out of the provider errors themselves', async () => {
    const failures = await Promise.allSettled([
      providers.refine.refine({ text: 'A fox.', targetGrade: 2, ageBand: '4-6' }),
      providers.video.animate({
        png,
        motion: 'zoom_in',
        durationSec: 5,
        model: 'klingai:5@3',
        width: 64,
        height: 64,
      }),
      providers.image.generateImage({
        prompt: 'a fox',
        sceneDescription: 'woods',
        characters: [],
        size: '1024x1024',
      }),
    ]);
    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      const error = (failure as PromiseRejectedResult).reason as Error;
      expect(error.message).toContain('[redacted]');
      expectNoCanary(`${error.message} ${JSON.stringify(error)}`);
    }
  });
});
