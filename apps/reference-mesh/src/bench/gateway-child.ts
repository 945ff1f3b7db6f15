/**
 * Child process of the gateway benchmark. `node gateway-bench-child.js tool` starts a node hosting a trivial
 * `echo` tool; `node gateway-bench-child.js gateway <meshUrl>` starts a gateway linked to it. Each prints one JSON
 * line `{ "mcpUrl": …, "meshUrl": … }` on stdout when ready and answers `rss` IPC messages with its RSS and `cpu` with its CPU time so far.
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
  } else if (role === 'gateway' && meshUrl) {
    const ports = {
      state: createMemoryStateStore(),
      lock: createMemoryLock(),
      events: createMemoryEventBus(),
      ledger: createMemoryCostLedger({ prices: {} }),
    };
    const gateway = createGateway({
      id: 'bench-gateway',
      ports,
      peers: [{ name: 'tool', replicas: [meshUrl] }],
    });
    await gateway.start();
    node = createMeshNode({ id: 'bench-gateway', host: gateway, ports, mesh: false });
  } else {
    throw new Error(
      `usage: gateway-bench-child tool | gateway <meshUrl> (got ${process.argv.slice(2).join(' ')})`,
    );
  }
  return { node, announceMeshUrl: role === 'tool' };
});
