import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { serveStdio } from '../../src/mcp/stdio.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import { memoryPorts } from '../gateway/fixtures.js';
import { type InputRound, inputTools, PUBLISH_STATE } from '../gateway/input-tools.js';

// serveStdio shares the MCP server factory with the HTTP edge: a tool's input-required result reaches a
// 2026-07-28 client as is, and a 2025-era connection through the SDK's legacy shim. An in-memory transport
// stands in for stdin/stdout.

describe.each(['modern', 'legacy'] as const)('serveStdio and input requests, %s client', (era) => {
  it('lets the client answer an elicitation and returns the final result', async () => {
    const rounds: InputRound[] = [];
    const host = createLocalToolHost({ id: 'stdio-input', tools: inputTools(rounds), ports: memoryPorts() });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const serving = serveStdio(host, { transport: serverSide });
    const client = new Client(
      { name: `stdio-input-${era}`, version: '1.0.0' },
      {
        versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' },
        capabilities: { elicitation: { form: {} } },
      },
    );
    const elicited: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      elicited.push(request.params.message);
      return { action: 'accept', content: { confirm: true } };
    });
    await client.connect(clientSide);
    try {
      expect(client.getProtocolEra()).toBe(era);
      const result = await client.callTool({ name: 'publish_story', arguments: { title: 'Over stdio' } });
      expect(result.structuredContent).toEqual({ title: 'Over stdio', published: true });
      expect(elicited).toEqual(['Publish "Over stdio"?']);
      expect(rounds.map((round) => round.requestState)).toEqual([undefined, PUBLISH_STATE]);
    } finally {
      await client.close();
      await serving.close();
    }
  });
});
