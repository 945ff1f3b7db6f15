/**
 * Child process of the gateway benchmark. `node gateway-bench-child.js tool` starts a node hosting a trivial
 * `echo` tool; `node gateway-bench-child.js gateway <meshUrl>` starts a gateway linked to it. Each prints one JSON
 * line `{ "mcpUrl": …, "meshUrl": … }` on stdout when ready; `node gateway-bench-child.js mcp-gateway <mcpUrl>` starts a
 * gateway with the node's MCP endpoint as a plain MCP peer (`createMcpPeerLink`, Streamable HTTP). Each prints one JSON and answers `rss` IPC messages with its RSS and `cpu` with its CPU time so far.
 */
import {
  createGateway,
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  createMeshNode,
  defineTool,
  type MeshNode,
} from '@kidsstories/mesh-core';
import * as z from 'zod';
import { serveBenchChild } from './serve-bench-child.js';

const echo = defineTool({
  name: 'echo',
  description: 'Returns its text.',
  inputSchema: z.object({ text: z.string().max(1000) }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  handler: async ({ text }) => ({ structuredContent: { text }, content: [{ type: 'text', text }] }),
});

serveBenchChild(async () => {
  const [role, meshUrl] = process.argv.slice(2);
  let node: MeshNode;
  if (role === 'tool') {
    node = createMeshNode({ id: 'bench-tool', tools: [echo] });
  } else if ((role === 'gateway' || role === 'mcp-gateway') && meshUrl) {
    const ports = {
      state: createMemoryStateStore(),
      lock: createMemoryLock(),
      events: createMemoryEventBus(),
      ledger: createMemoryCostLedger({ prices: {} }),
    };
    const gateway = createGateway({
      id: 'bench-gateway',
      ports,
      // `mcp-gateway`: the same tool reached as a plain MCP server (the URL is then the node's MCP endpoint).
      peers: [{ name: 'tool', replicas: role === 'gateway' ? [meshUrl] : [{ mcp: { url: meshUrl } }] }],
    });
    await gateway.start();
    node = createMeshNode({ id: 'bench-gateway', host: gateway, ports, mesh: false });
  } else {
    throw new Error(
      `usage: gateway-bench-child tool | gateway <meshUrl> | mcp-gateway <mcpUrl> (got ${process.argv.slice(2).join(' ')})`,
    );
  }
  return { node, announceMeshUrl: role === 'tool' };
});
