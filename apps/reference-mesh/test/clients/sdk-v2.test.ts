// The official SDK v2 client (`@modelcontextprotocol/client` 2.4.0) in both protocol eras, over Streamable HTTP
// (gateway and node) and over stdio (`kidsstories-tools serve --stdio`).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adaptSdkClient,
  expectMatrix,
  kidsstoriesStdioServer,
  type MatrixTargets,
  startMatrixMesh,
  validCalls,
} from './client-matrix.js';

type Era = 'modern' | 'legacy';

async function connect(transport: StreamableHTTPClientTransport | StdioClientTransport, era: Era) {
  const client = new Client(
    { name: `client-matrix-sdk-v2-${era}`, version: '1.0.0' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(transport);
  await client.listTools();
  return client;
}

describe('official SDK v2 client (@modelcontextprotocol/client 2.4.0)', () => {
  let targets: MatrixTargets;
  let png: string;
  beforeAll(async () => {
    targets = await startMatrixMesh();
    png = targets.png;
  });
  afterAll(async () => {
    await targets?.close();
  });

  it.each(['modern', 'legacy'] as const)('calls every tool through the gateway (%s era)', async (era) => {
    const client = await connect(new StreamableHTTPClientTransport(new URL(targets.gatewayUrl)), era);
    try {
      const { tools } = await client.listTools();
      await expectMatrix(
        adaptSdkClient(client),
        tools.map((tool) => tool.name),
        png,
      );
    } finally {
      await client.close();
    }
  });

  it.each(['modern', 'legacy'] as const)(
    'calls the video tools directly on the node (%s era)',
    async (era) => {
      const client = await connect(new StreamableHTTPClientTransport(new URL(targets.videoNodeUrl)), era);
      try {
        await expectMatrix(adaptSdkClient(client), ['select_model', 'animate_image', 'batch_render'], png);
      } finally {
        await client.close();
      }
    },
  );

  it('calls `kidsstories-tools serve text --stdio`', async () => {
    const stdio = new StdioClientTransport({ ...kidsstoriesStdioServer('text'), stderr: 'ignore' });
    const client = await connect(stdio, 'legacy');
    try {
      await expectMatrix(
        adaptSdkClient(client),
        ['generate_story', 'refine_readability', 'embed_content'],
        png,
      );
    } finally {
      await client.close();
    }
  });

  it.each(['modern', 'legacy'] as const)('surfaces progress of every slow tool (%s era)', async (era) => {
    const client = await connect(new StreamableHTTPClientTransport(new URL(targets.gatewayUrl)), era);
    const valid = validCalls(png);
    try {
      for (const tool of ['generate_story', 'animate_image', 'batch_render']) {
        const progress: number[] = [];
        const result = await client.callTool(
          { name: tool, arguments: valid[tool] ?? {} },
          {
            onprogress: (update) => progress.push(update.progress),
          },
        );
        expect(result.isError, tool).not.toBe(true);
        expect(progress.length, tool).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await client.close();
    }
  });
});
