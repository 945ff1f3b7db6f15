// The official SDK v1 client (`@modelcontextprotocol/sdk` 1.32.2), the one LangChain and many hosts run on: it
// validates `structuredContent` against each tool's `outputSchema` once it has listed the tools, error results
// included (issue 12 item 10, issue 19).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adaptSdkClient,
  expectMatrix,
  kidsstoriesStdioServer,
  type MatrixTargets,
  startMatrixMesh,
  validCalls,
} from './client-matrix.js';

/** Connects and lists the tools first, as hosts do: that is what arms the client's output validation. */
async function connect(transport: StreamableHTTPClientTransport | StdioClientTransport): Promise<Client> {
  const client = new Client({ name: 'client-matrix-sdk-v1', version: '1.0.0' });
  await client.connect(transport);
  await client.listTools();
  return client;
}

describe('official SDK v1 client (@modelcontextprotocol/sdk 1.32.2)', () => {
  let targets: MatrixTargets;
  let png: string;
  beforeAll(async () => {
    targets = await startMatrixMesh();
    png = targets.png;
  });
  afterAll(async () => {
    await targets?.close();
  });

  it('calls every tool and reads every error through the gateway (Streamable HTTP)', async () => {
    const client = await connect(new StreamableHTTPClientTransport(new URL(targets.gatewayUrl)));
    try {
      const { tools } = await client.listTools();
      const everyTool = Object.keys(validCalls(png)).sort();
      expect(tools.map((tool) => tool.name).sort()).toEqual(everyTool);
      await expectMatrix(adaptSdkClient(client), everyTool, png);
    } finally {
      await client.close();
    }
  });

  it('calls the video and text tools directly on their nodes', async () => {
    for (const [url, tools] of [
      [targets.videoNodeUrl, ['select_model', 'animate_image', 'batch_render']],
      [targets.textNodeUrl, ['generate_story', 'refine_readability', 'embed_content']],
    ] as const) {
      const client = await connect(new StreamableHTTPClientTransport(new URL(url)));
      try {
        await expectMatrix(adaptSdkClient(client), tools, png);
      } finally {
        await client.close();
      }
    }
  });

  it('calls `kidsstories-tools serve video --stdio`', async () => {
    const client = await connect(
      new StdioClientTransport({ ...kidsstoriesStdioServer('video'), stderr: 'ignore' }),
    );
    try {
      await expectMatrix(adaptSdkClient(client), ['select_model', 'animate_image', 'batch_render'], png);
    } finally {
      await client.close();
    }
  });

  it('surfaces progress of animate_image through the gateway', async () => {
    const client = await connect(new StreamableHTTPClientTransport(new URL(targets.gatewayUrl)));
    try {
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'animate_image', arguments: { png, durationSec: 1, width: 64, height: 64 } },
        undefined,
        { onprogress: (update) => progress.push(update.progress) },
      );
      expect(result.isError).not.toBe(true);
      expect(progress.length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
    }
  });
});
