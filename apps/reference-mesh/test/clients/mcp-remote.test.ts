// `mcp-remote` 0.15.1, the stdio bridge desktop clients (Claude Desktop, Cursor) use for remote servers, in both
// `--protocol` modes, driven by the official SDK v1 stdio client as those hosts drive it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  adaptSdkClient,
  binPath,
  expectMatrix,
  type MatrixTargets,
  startMatrixMesh,
} from './client-matrix.js';

const MCP_REMOTE = binPath('mcp-remote', 'mcp-remote');

async function bridge(url: string, protocol: 'legacy' | 'auto'): Promise<Client> {
  const client = new Client({ name: `client-matrix-mcp-remote-${protocol}`, version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [MCP_REMOTE, url, '--protocol', protocol, '--transport', 'http-only', '--silent'],
      stderr: 'ignore',
    }),
  );
  await client.listTools();
  return client;
}

describe('mcp-remote 0.15.1 (stdio bridge) with the SDK v1 stdio client', () => {
  let targets: MatrixTargets;
  beforeAll(async () => {
    targets = await startMatrixMesh();
  });
  afterAll(async () => {
    await targets?.close();
  });

  it.each(['legacy', 'auto'] as const)(
    'calls every tool through the gateway and on a node (--protocol %s)',
    async (protocol) => {
      for (const url of [targets.gatewayUrl, targets.videoNodeUrl]) {
        const client = await bridge(url, protocol);
        try {
          const { tools } = await client.listTools();
          await expectMatrix(
            adaptSdkClient(client),
            tools.map((tool) => tool.name),
            targets.png,
          );
        } finally {
          await client.close();
        }
      }
    },
  );
});
