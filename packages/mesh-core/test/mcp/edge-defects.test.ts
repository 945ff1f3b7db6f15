import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { connectClient } from './fixtures.js';

const INTERNAL_URL = 'http://10.1.2.3:7070';

/** A tool failing as a call to another node fails: the node's internal URL in the message and `details.origin`. */
const unreachable = defineTool({
  name: 'unreachable',
  description: 'Fails as a peer link to a dead node does.',
  inputSchema: z.object({}),
  handler: async () => {
    throw new MeshError(`${INTERNAL_URL} did not process the request: connection refused`, 'unavailable', {
      details: { origin: INTERNAL_URL, reason: 'not_processed' },
    });
  },
});

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe('MCP edge: smaller defects of issue 12 item 3', () => {
  let node: MeshNode | undefined;
  afterEach(async () => {
    await node?.close({ graceMs: 0 });
    node = undefined;
  });

  it('answers initialize with malformed params with -32602 and one line naming the field', async () => {
    node = createMeshNode({ id: 'edge', tools: [unreachable], mesh: false });
    await node.start();
    const cases = [
      { params: '{}', field: 'params.protocolVersion' },
      { params: '{"protocolVersion":"2025-06-18"}', field: 'params.capabilities' },
      {
        params: '{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x"}}',
        field: 'params.clientInfo.version',
      },
      { params: '[]', field: 'params' },
    ];
    for (const { params, field } of cases) {
      const answer = await post(
        node.mcpUrl,
        `{"jsonrpc":"2.0","id":1,"method":"initialize","params":${params}}`,
      );
      expect(answer.status).toBe(400);
      const body = JSON.parse(answer.text) as { id: number; error: { code: number; message: string } };
      expect(body.id).toBe(1);
      expect(body.error.code).toBe(-32602);
      expect(body.error.message).toContain(field);
      expect(body.error.message).not.toContain('\n');
    }
    // A well-formed initialize still opens a session.
    const client = await connectClient(node.mcpUrl, 'legacy');
    await client.close();
  });

  it('keeps internal node URLs out of the errors clients see, in both eras', async () => {
    node = createMeshNode({ id: 'edge', tools: [unreachable], mesh: false });
    await node.start();
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectClient(node.mcpUrl, era);
      const result = await client.callTool({ name: 'unreachable', arguments: {} });
      await client.close();
      expect(result.isError).toBe(true);
      const shown = JSON.stringify(result);
      expect(shown).not.toContain('10.1.2.3');
      expect(shown).toContain('[internal address] did not process the request');
      expect(shown).toContain('not_processed');
    }
  });

  it('echoes at most 128 characters of a megabyte-long unknown tool name', async () => {
    node = createMeshNode({ id: 'edge', tools: [unreachable], mesh: false });
    await node.start();
    const name = 'x'.repeat(1_000_000);
    // A 2026-07-28 request repeats the name in the `Mcp-Name` header, which Node caps at 16 KiB.
    const headerName = 'x'.repeat(10_000);
    const startedAt = Date.now();
    const modern = await post(
      node.mcpUrl,
      `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"${headerName}","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`,
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': headerName },
    );
    const legacy = await post(
      node.mcpUrl,
      `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"${name}","arguments":{}}}`,
      { 'mcp-protocol-version': '2025-06-18' },
    );
    for (const [answer, length] of [
      [modern, 10_000],
      [legacy, 1_000_000],
    ] as const) {
      expect(answer.text).toContain('-32602');
      expect(answer.text).toContain(`(${length} characters)`);
      expect(answer.text.length).toBeLessThan(4_000);
    }
    // Suggesting the closest names compares at most 128 characters: no quadratic work on the hostile name.
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });
});
