import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceMesh, startReferenceMesh } from '../src/reference-mesh.js';
import { createJsonFuzzer } from './support/json-fuzzer.js';

/** Fixed seed and bounded run: the same inputs on every run, so a failure reproduces. */
const SEED = 0x5eed_2026;
/** Fuzzed calls per tool and protocol era. */
const CASES_PER_TOOL = 12;
const ERAS = ['2026-07-28', '2025-06-18'] as const;
/**
 * Fields set before the mutation, per tool. A call to `orchestrate` that the mutation leaves valid makes a whole
 * story: a small one (two 512 px pages, no clip) keeps that to seconds, where the default story took 30-50 s a call
 * on two cores. The mutation still reaches these fields.
 */
const FIXED: Record<string, Record<string, unknown>> = {
  orchestrate: { pages: 2, clips: 0, parameters: { size_spec: '512x512' } },
};

interface Answer {
  status: number;
  body: {
    id?: unknown;
    result?: { content?: unknown; isError?: boolean };
    error?: { code: number; message: string };
  };
}

async function rawCall(
  url: string,
  era: (typeof ERAS)[number],
  id: number,
  name: string,
  args: unknown,
): Promise<Answer> {
  const params: Record<string, unknown> = { name, arguments: args };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': era,
  };
  if (era === '2026-07-28') {
    params._meta = {
      'io.modelcontextprotocol/protocolVersion': era,
      'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    Object.assign(headers, { 'mcp-method': 'tools/call', 'mcp-name': name });
  }
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
  });
  const text = await response.text();
  // An SSE answer carries the JSON-RPC message on its last `data:` line.
  const json = response.headers.get('content-type')?.startsWith('text/event-stream')
    ? (
        text
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .pop() ?? ''
      ).slice(6)
    : text;
  return { status: response.status, body: JSON.parse(json) as Answer['body'] };
}

/**
 * Fuzzes every tool of the reference mesh through the gateway, in both protocol eras (issue 12 "Done when"):
 * schema-shaped arguments with one field mutated (wrong types, out-of-range numbers, huge and odd strings,
 * missing or unknown keys, deep nesting just under the edge's limit). Every call must get a well-formed answer
 * for its id (a tool result, or JSON-RPC `-32602` for arguments the protocol layer refuses) and never a server
 * fault, and afterwards every peer's breaker is still closed and a valid call still succeeds.
 */
describe('fuzzing every tool through the gateway', () => {
  let mesh: ReferenceMesh;
  let outDir: string;
  beforeAll(async () => {
    // Bundles go to a folder of the test's own, never the checkout's `out/` that `npm start` reads.
    outDir = await mkdtemp(join(tmpdir(), 'reference-mesh-test-'));
    mesh = await startReferenceMesh({ outDir });
  });
  afterAll(async () => {
    await mesh?.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it(`answers ${CASES_PER_TOOL} fuzzed calls per tool and era without a server fault or a tripped breaker`, async () => {
    const fuzzer = createJsonFuzzer(SEED);
    const tools = await mesh.gateway.listTools();
    expect(tools.length).toBeGreaterThan(10);
    const faults: string[] = [];
    let id = 0;
    for (const tool of tools) {
      for (const era of ERAS) {
        for (let index = 0; index < CASES_PER_TOOL; index += 1) {
          const args = fuzzer.argumentsFor(tool.inputSchema, FIXED[tool.name]);
          id += 1;
          const answer = await rawCall(mesh.gatewayUrl, era, id, tool.name, args);
          const where = `${tool.name} (${era}, case ${index}): ${JSON.stringify(args).slice(0, 160)}`;
          if (answer.status !== 200 || answer.body.id !== id) {
            faults.push(`${where} -> HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
            continue;
          }
          if (answer.body.error) {
            if (answer.body.error.code !== -32602)
              faults.push(`${where} -> JSON-RPC ${JSON.stringify(answer.body.error).slice(0, 300)}`);
            continue;
          }
          const result = answer.body.result;
          if (!Array.isArray(result?.content)) {
            faults.push(`${where} -> no content ${JSON.stringify(answer.body).slice(0, 200)}`);
            continue;
          }
          if (result.isError) {
            const text = String((result.content[0] as { text?: unknown } | undefined)?.text ?? '');
            // Bad input is the caller's fault: never reported as a server fault (nor does it trip a breaker).
            if (/^(internal|unknown|data_loss):/.test(text)) faults.push(`${where} -> ${text.slice(0, 300)}`);
          }
        }
      }
    }
    expect(faults).toEqual([]);
    for (const status of mesh.gateway.peerStatus()) expect(status.circuit.state, status.peer).toBe('closed');
    const after = await rawCall(mesh.gatewayUrl, '2026-07-28', id + 1, 'embed_content', {
      texts: ['still here'],
    });
    expect(after.body.result?.isError).not.toBe(true);
  }, 300_000);
});
