import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./stdio-server.fixture.ts', import.meta.url));

describe.each(['legacy', 'modern'] as const)('serveStdio with a %s client', (era) => {
  it('lists, calls, reports progress and maps errors', async () => {
    const client = new Client(
      { name: `stdio-${era}`, version: '1.0.0' },
      { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
    );
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', SCRIPT],
      stderr: 'pipe',
    });
    await client.connect(transport);
    try {
      expect(client.getProtocolEra()).toBe(era);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('echo');
      const result = await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } });
      expect(result.structuredContent).toEqual({ text: 'over stdio' });
      const progress: unknown[] = [];
      await client.callTool(
        { name: 'countdown', arguments: { steps: 2 } },
        { onprogress: (p) => progress.push(p) },
      );
      expect(progress).toHaveLength(2);
      const invalid = await client.callTool({ name: 'echo', arguments: { text: 5 } });
      expect(invalid._meta).toMatchObject({
        'io.kidsstories/error': { code: 'invalid_argument', details: { field: 'text' } },
      });
      await expect(client.callTool({ name: 'ech', arguments: {} })).rejects.toMatchObject({ code: -32602 });
    } finally {
      await client.close();
    }
  });
});
