/**
 * Child process of the soak benchmark. `node soak-child.js tool <redisUrl>` starts a text node whose `write_line`
 * tool reserves and settles a small cost on three budget scopes; `node soak-child.js gateway <meshUrl> <redisUrl>`
 * starts a gateway linked to it. Both use the Redis ports (state, lock, events, breakers, ledger). Each prints
 * one JSON line `{ "mcpUrl": …, "meshUrl": … }` when ready and answers `rss` and `cpu` IPC messages.
 */
import { KIDSSTORIES_PRICE_TABLE } from '@kidsstories/kidsstories-tools';
import {
  createGateway,
  createMeshNode,
  defineTool,
  type GatewayPorts,
  type MeshNode,
} from '@kidsstories/mesh-core';
import { createRedisPorts } from '@kidsstories/mesh-redis';
import * as z from 'zod';
import { serveBenchChild } from './serve-bench-child.js';
import { SOAK_SCOPES, SOAK_SETTLED_RETENTION_MS } from './soak-scopes.js';

const writeLine = defineTool({
  name: 'write_line',
  description: 'Returns its text, charging a small text-model cost to the ledger as a story step would.',
  inputSchema: z.object({ text: z.string().max(1000) }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  handler: async ({ text }, ctx) => {
    const held = await ctx.ledger.reserve(
      { model: 'gpt-4o-mini', inputTokens: 400, outputTokens: 200 },
      { scopes: [...SOAK_SCOPES] },
    );
    await ctx.ledger.settle(held, { model: 'gpt-4o-mini', inputTokens: 300, outputTokens: 120 });
    return { structuredContent: { text }, content: [{ type: 'text', text }] };
  },
});

async function redisPorts(url: string, instanceId: string): Promise<GatewayPorts> {
  const ports = createRedisPorts({
    url,
    instanceId,
    ledger: {
      prices: KIDSSTORIES_PRICE_TABLE,
      settledRetentionMs: SOAK_SETTLED_RETENTION_MS,
      budgets: {
        day: { limitUsd: 1_000_000, windowMs: 86_400_000 },
        'server:text': { limitUsd: 100_000 },
      },
    },
  });
  await ports.ready();
  return ports;
}

serveBenchChild(async () => {
  const [role, first, second] = process.argv.slice(2);
  let node: MeshNode;
  if (role === 'tool' && first) {
    node = createMeshNode({
      id: 'soak-text',
      tools: [writeLine],
      ports: await redisPorts(first, 'soak-text'),
    });
  } else if (role === 'gateway' && first && second) {
    const ports = await redisPorts(second, 'soak-gateway');
    const gateway = createGateway({
      id: 'soak-gateway',
      ports,
      peers: [{ name: 'text', replicas: [first] }],
    });
    await gateway.start();
    node = createMeshNode({ id: 'soak-gateway', host: gateway, ports, mesh: false });
  } else {
    throw new Error(
      `usage: soak-child tool <redisUrl> | gateway <meshUrl> <redisUrl> (got ${process.argv.slice(2).join(' ')})`,
    );
  }
  return { node, announceMeshUrl: role === 'tool' };
});
