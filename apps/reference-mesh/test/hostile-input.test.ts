import { randomUUID } from 'node:crypto';
import { silentLogger } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisPorts } from '../src/redis-ports.js';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';
import { callTool } from './support/call-tool.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `{ a: { a: … { a: 1 } } }`, `depth` objects deep, built as text (40 KB at depth 5 000, as in issue 12). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A raw `tools/call` POST in either protocol era, with `argumentsJson` spliced in unparsed. */
async function rawToolCall(
  url: string,
  era: '2026-07-28' | '2025-06-18',
  name: string,
  argumentsJson: string,
) {
  const body =
    era === '2026-07-28'
      ? `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"${name}","arguments":{"deep":${argumentsJson}},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"fuzz","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`
      : `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"${name}","arguments":{"deep":${argumentsJson}}}}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': era,
  };
  if (era === '2026-07-28') Object.assign(headers, { 'mcp-method': 'tools/call', 'mcp-name': name });
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

/** One valid call per peer of the reference mesh. */
const VALID_CALLS = [
  { peer: 'text', name: 'embed_content', args: { texts: ['a fox in the woods'] } },
  {
    peer: 'media',
    name: 'generate_image',
    args: { prompt: 'A fox reads a book.', sceneDescription: 'A forest at dusk.', size: '256x256', seed: 1 },
  },
  { peer: 'video', name: 'select_model', args: { durationSec: 5 } },
] as const;

/**
 * Issue 12 item 1: deeply nested arguments made the gateway's `JSON.stringify` overflow the stack; the failure
 * was blamed on the peer and about 7 such calls opened its breaker for every replica sharing it on Redis. Two
 * reference-mesh replicas on one Redis; fails (never skips) when no Redis answers at REDIS_URL.
 */
describe('hostile input never trips a peer breaker (two replicas on Redis)', () => {
  const keyPrefix = `test:hostile:${randomUUID().slice(0, 8)}:`;
  const replicas: Array<{ mesh: ReferenceMesh; close(): Promise<void> }> = [];

  beforeAll(async () => {
    for (const instanceId of ['replica-a', 'replica-b']) {
      const redis = await openRedisPorts({ url: REDIS_URL, instanceId, keyPrefix, logger: silentLogger });
      const mesh = await startReferenceMesh({ ports: redis.ports, instanceId });
      replicas.push({
        mesh,
        async close() {
          await mesh.close();
          await redis.close();
        },
      });
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
  });

  it('refuses 50 deeply nested calls at the edge, in both eras, naming the limit; every peer still answers on both replicas', async () => {
    const [a] = replicas;
    const deep = nested(5_000);
    expect(deep.length).toBeGreaterThan(30_000);
    for (let index = 0; index < 50; index += 1) {
      const era = index % 2 === 0 ? '2026-07-28' : '2025-06-18';
      const peer = VALID_CALLS[index % VALID_CALLS.length]!;
      const answer = await rawToolCall(a!.mesh.gatewayUrl, era, peer.name, deep);
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.text) as {
        id: number;
        error: { code: number; message: string; data: unknown };
      };
      expect(body.id).toBe(7);
      expect(body.error.code).toBe(-32602);
      expect(body.error.message).toContain('limit of 64 levels');
      expect(body.error.data).toMatchObject({
        code: 'invalid_argument',
        details: { limit: 64, limitUnit: 'levels' },
      });
    }
    for (const { mesh } of replicas) {
      for (const peer of VALID_CALLS) {
        const result = await callTool(mesh.gatewayUrl, peer.name, peer.args);
        expect(
          result.isError,
          `${peer.name} on ${mesh.gateway.id}: ${JSON.stringify(result.content)}`,
        ).not.toBe(true);
      }
      for (const status of mesh.gateway.peerStatus()) expect(status.circuit.state).toBe('closed');
    }
  });

  it('never counts arguments the gateway cannot serialise against the peer, whichever way they arrive', async () => {
    const [a, b] = replicas;
    // The gateway's mesh service parses a caller's arguments (JSON text) without a depth limit and hands them to
    // the gateway as below: a peer, or a tool calling through the gateway, can pass arguments too deep for the
    // gateway to serialise again for the next hop. That is the caller's fault, never the peer's.
    let deep: Record<string, unknown> = { a: 1 };
    for (let depth = 0; depth < 20_000; depth += 1) deep = { a: deep };
    for (let index = 0; index < 50; index += 1) {
      await expect(
        a!.mesh.gateway.callTool(
          'generate_image',
          { prompt: 'x', deep },
          { signal: new AbortController().signal, correlationId: `deep-${index}`, hop: 0 },
        ),
      ).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'arguments' } });
    }
    for (const { mesh } of [a!, b!]) {
      const media = mesh.gateway.peerStatus().find((status) => status.peer === 'media');
      expect(media?.circuit.state).toBe('closed');
      const result = await callTool(mesh.gatewayUrl, 'generate_image', VALID_CALLS[1].args);
      expect(result.isError).not.toBe(true);
    }
  });
});
