// The Vercel AI SDK's MCP client (`@ai-sdk/mcp` 1.0.102, the last line for Node 20): tools as the SDK hands them
// to a model, run through their `execute`.
import { createMCPClient, type MCPClient } from '@ai-sdk/mcp';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  expectMatrix,
  type MatrixClient,
  type MatrixTargets,
  outcomeOf,
  startMatrixMesh,
} from './client-matrix.js';

type ExecutableTool = {
  execute?: (args: unknown, options: { toolCallId: string; messages: [] }) => unknown;
};

async function adapt(client: MCPClient): Promise<{ matrix: MatrixClient; names: string[] }> {
  const listed = (await client.tools()) as unknown as Record<string, ExecutableTool>;
  const toolFor = (name: string): ExecutableTool =>
    listed[name] ??
    // A name the server does not list (a model's typo): the tool as the SDK builds it from a definition.
    (
      client.toolsFromDefinitions({ tools: [{ name, inputSchema: { type: 'object' } }] }) as Record<
        string,
        ExecutableTool
      >
    )[name] ??
    {};
  const run = async (name: string, args: Record<string, unknown>) =>
    await toolFor(name).execute?.(args, { toolCallId: `call-${name}`, messages: [] });
  return { matrix: { call: (tool, args) => outcomeOf(() => run(tool, args)) }, names: Object.keys(listed) };
}

describe('Vercel AI SDK MCP client (@ai-sdk/mcp 1.0.102)', () => {
  let targets: MatrixTargets;
  beforeAll(async () => {
    targets = await startMatrixMesh();
  });
  afterAll(async () => {
    await targets?.close();
  });

  it('runs every tool and reads every error through the gateway and on a node (Streamable HTTP)', async () => {
    for (const url of [targets.gatewayUrl, targets.videoNodeUrl]) {
      const client = await createMCPClient({ transport: { type: 'http', url } });
      try {
        const { matrix, names } = await adapt(client);
        await expectMatrix(matrix, names, targets.png);
      } finally {
        await client.close();
      }
    }
  });
});
