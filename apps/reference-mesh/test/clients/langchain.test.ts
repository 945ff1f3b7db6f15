// The LangChain.js MCP adapters (`@langchain/mcp-adapters` 1.1.4 with `@langchain/core` 1.4.0): tools as an agent
// gets them, run with `invoke`. The adapters run the SDK v1 client underneath (which checks structured content
// against the output schema) and turn an error result into a `ToolException` carrying the result's text.
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CASES, type MatrixTargets, startMatrixMesh, validCalls } from './client-matrix.js';

describe('LangChain.js MCP adapters 1.1.4', () => {
  let targets: MatrixTargets;
  beforeAll(async () => {
    targets = await startMatrixMesh();
  });
  afterAll(async () => {
    await targets?.close();
  });

  it('runs every tool and reads the server message of every error, through the gateway and on a node', async () => {
    const client = new MultiServerMCPClient({
      mcpServers: {
        gateway: { transport: 'http', url: targets.gatewayUrl },
        video: { transport: 'http', url: targets.videoNodeUrl },
      },
      throwOnLoadError: true,
      prefixToolNameWithServerName: true,
    });
    try {
      const tools = await client.getTools();
      const valid = validCalls(targets.png);
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      for (const [name, tool] of byName) {
        const plain = name.replace(/^(gateway|video)__/, '');
        const output = await tool.invoke(valid[plain] ?? {});
        expect(JSON.stringify(output), name).not.toMatch(/error/i);
      }
      for (const server of ['gateway', 'video']) {
        // LangChain validates arguments against the input schema before calling, so the malformed-argument
        // cases stop in the client by design; the domain error reaches the server, and its message comes back.
        const domain = ERROR_CASES[2];
        const tool = byName.get(`${server}__${domain.tool}`);
        await expect(tool?.invoke({ ...domain.args })).rejects.toThrow(domain.message);
        // Documented in docs/guides/clients.md: LangChain's own message, the call never leaves the process.
        // (select_model's every argument has a default now, so the malformed call gives a wrong type.)
        const malformed = byName.get(`${server}__select_model`);
        await expect(malformed?.invoke({ durationSec: 'five' })).rejects.toThrow(
          'Received tool input did not match expected schema',
        );
      }
    } finally {
      await client.close();
    }
  });
});
