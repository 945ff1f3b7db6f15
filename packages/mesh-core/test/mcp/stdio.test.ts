import { fileURLToPath } from 'node:url';
import {
  Client,
  isJSONRPCNotification,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForNode, type NodeBundle } from '../support/bundle-for-node.js';

const SCRIPT = fileURLToPath(new URL('./stdio-server.fixture.ts', import.meta.url));

// The server bundled into one file that plain Node starts at once (through tsx, each start would transpile the
// sources again: a second or more per process, and a 2026-07-28 client starts two, the first for its probe).
let bundle: NodeBundle | undefined;
beforeAll(async () => {
  bundle = await bundleForNode(SCRIPT, 'mesh-stdio-test');
});
afterAll(() => bundle?.dispose());

describe.each(['legacy', 'modern'] as const)('serveStdio with a %s client', (era) => {
  it('lists, calls, reports progress and maps errors', async () => {
    const client = new Client(
      { name: `stdio-${era}`, version: '1.0.0' },
      { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
    );
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [(bundle as NodeBundle).entry],
      stderr: 'pipe',
    });
    // Every message read from the server, in wire order: the client calls this handler before its own. The
    // progress is counted here, not through `onprogress`: the SDK client hands a notification on a microtask but a
    // response at once, so progress read in the same chunk as the result (the usual case when this process is
    // busy) is dropped by the client as being for a finished call (modelcontextprotocol/typescript-sdk#2580).
    const received: JSONRPCMessage[] = [];
    transport.onmessage = (message) => received.push(message);
    await client.connect(transport);
    try {
      expect(client.getProtocolEra()).toBe(era);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('echo');
      const result = await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } });
      expect(result.structuredContent).toEqual({ text: 'over stdio' });
      const from = received.length;
      const countdown = await client.callTool(
        { name: 'countdown', arguments: { steps: 2 } },
        { onprogress: () => {} }, // asks for progress (the SDK then sends a progress token)
      );
      expect(countdown.content).toEqual([{ type: 'text', text: 'liftoff' }]);
      // Both steps, on the call's token, before its result.
      const wire = received.slice(from);
      const answer = wire.findIndex((message) => isJSONRPCResultResponse(message));
      expect(answer).toBeGreaterThan(-1);
      const token = (wire[answer] as { id: unknown }).id;
      const progress = wire.filter(
        (message) => isJSONRPCNotification(message) && message.method === 'notifications/progress',
      );
      expect(progress.map((message) => wire.indexOf(message) < answer)).toEqual([true, true]);
      expect(progress.map((message) => (message as { params?: unknown }).params)).toEqual([
        { progressToken: token, progress: 1, total: 2, message: 'step 1' },
        { progressToken: token, progress: 2, total: 2, message: 'step 2' },
      ]);
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
