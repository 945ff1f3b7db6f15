import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createGateway } from '../../src/gateway/gateway.js';
import { createMcpPeerLink } from '../../src/link/mcp-peer-link.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import type { ClientLogRecord } from '../../src/observability/client-logger.js';
import { eventually, meshFailureOf } from '../../src/testing/test-helpers.js';
import type { ToolProgress } from '../../src/tool/tool-context.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { conformanceFixture } from '../conformance/fixture-node.js';
import { memoryPorts } from '../gateway/fixtures.js';

// The lean `tools/call` path of `createMcpPeerLink` over Streamable HTTP (ADR 0011): taken for plain calls in both
// eras with the same results as the SDK path, handing over to the SDK path when the upstream refuses it,
// cancelled by the caller and by the deadline, and refusing malformed, oversized and too deep answers with a clear
// error that costs only its own peer.

const metadata = { correlationId: 'c-lean', hop: 1 };

/** Node's `fetch` (the SDK path) sends `sec-fetch-mode`; the lean path's undici requests do not. */
const sentBySdk = (headers: IncomingHttpHeaders) => headers['sec-fetch-mode'] !== undefined;

interface Recorded {
  method: string;
  rpc: string | undefined;
  tool: string | undefined;
  sdk: boolean;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

/** A proxy in front of `target` that records which requests the SDK sent and which the lean path did. */
async function startRecordingProxy(target: string) {
  const upstream = new URL(target);
  const recorded: Recorded[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      let rpc: { method?: string; params?: { name?: string } } = {};
      try {
        rpc = JSON.parse(body.toString('utf8'));
      } catch {}
      recorded.push({
        method: request.method ?? '',
        rpc: rpc.method,
        tool: rpc.params?.name,
        sdk: sentBySdk(request.headers),
      });
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: request.method,
          headers: request.headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      response.on('close', () => forward.destroy());
      forward.on('error', () => response.destroy());
      forward.end(body);
    });
  });
  const url = await listen(server);
  return {
    url,
    recorded,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type RawAnswer = (
  id: unknown,
  params: Record<string, unknown>,
  write: (status: number, headers: Record<string, string>, body: string | Array<string | Buffer>) => void,
  sdk: boolean,
) => void;

/**
 * A hand-written 2026-07-28 Streamable HTTP server: `server/discover`, `tools/list` of the named tools (with an
 * empty input schema unless `inputSchemas` names one), and each tool's `tools/call` answered as `tools[name]`
 * writes it; a `GET` with `Last-Event-ID` is answered by `resume`.
 */
async function startRawServer(
  tools: Record<string, RawAnswer>,
  inputSchemas: Record<string, object> = {},
  resume?: (lastEventId: string, write: (body: string) => void) => void,
) {
  const calls: Array<{ tool: string; sdk: boolean }> = [];
  const server = createServer((request, response) => {
    const lastEventId = request.headers['last-event-id'];
    if (request.method === 'GET' && typeof lastEventId === 'string' && resume) {
      resume(lastEventId, (body) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(body);
      });
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        id?: unknown;
        method?: string;
        params?: Record<string, unknown>;
      };
      const json = (result: unknown) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      };
      if (message.method === 'server/discover') {
        return json({
          supportedVersions: ['2026-07-28'],
          capabilities: { tools: {} },
          serverInfo: { name: 'raw', version: '1.0.0' },
          resultType: 'complete',
        });
      }
      if (message.method === 'tools/list') {
        return json({
          tools: Object.keys(tools).map((name) => ({
            name,
            description: name,
            inputSchema: inputSchemas[name] ?? { type: 'object', properties: {} },
          })),
          resultType: 'complete',
          ttlMs: 0,
          cacheScope: 'private',
        });
      }
      const name = String(message.params?.name);
      const answer = tools[name];
      if (message.method !== 'tools/call' || !answer) {
        response.writeHead(202).end();
        return;
      }
      calls.push({ tool: name, sdk: sentBySdk(request.headers) });
      answer(
        message.id,
        message.params ?? {},
        (status, headers, body) => {
          response.writeHead(status, headers);
          for (const part of Array.isArray(body) ? body : [body]) response.write(part);
          response.end();
        },
        sentBySdk(request.headers),
      );
    });
  });
  const url = await listen(server);
  return {
    url,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const jsonAnswer = (id: unknown, result: unknown) => JSON.stringify({ jsonrpc: '2.0', id, result });
const textResult = (text: string) => ({ content: [{ type: 'text', text }], resultType: 'complete' });

describe('the lean tools/call path over Streamable HTTP', () => {
  let node: MeshNode;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  beforeAll(async () => {
    node = createMeshNode({ id: 'lean-upstream', mesh: false, ...conformanceFixture() });
    await node.start();
    proxy = await startRecordingProxy(node.mcpUrl);
  });
  afterAll(async () => {
    await proxy.close();
    await node.close({ graceMs: 200 });
  });

  it.each(['legacy', 'modern'] as const)(
    'carries tools/call (%s era) with the results, progress and log records of the SDK path',
    async (era) => {
      const lean = createMcpPeerLink({
        url: proxy.url,
        era,
        headers: { authorization: 'Bearer lean-1234567' },
      });
      const sdk = createMcpPeerLink({ url: node.mcpUrl, era, leanToolCalls: false });
      try {
        await lean.listTools();
        const from = proxy.recorded.length;
        for (const tool of [
          'test_simple_text',
          'test_image_content',
          'test_audio_content',
          'test_embedded_resource',
          'test_multiple_content_types',
          'test_error_handling',
        ]) {
          expect(await lean.callTool(tool, {}, { metadata })).toEqual(
            await sdk.callTool(tool, {}, { metadata }),
          );
        }
        const progress: ToolProgress[][] = [[], []];
        const logs: ClientLogRecord[][] = [[], []];
        for (const [index, link] of [lean, sdk].entries()) {
          await link.callTool(
            'test_tool_with_progress',
            {},
            {
              metadata,
              onProgress: (update) => progress[index]?.push(update),
            },
          );
          await link.callTool(
            'test_tool_with_logging',
            {},
            {
              metadata,
              onLog: (record) => logs[index]?.push(record),
            },
          );
        }
        expect(progress[0]).toEqual(progress[1]);
        expect(progress[0]?.map((update) => update.progress)).toEqual([0, 50, 100]);
        expect(logs[0]).toEqual(logs[1]);
        expect(logs[0]).toHaveLength(3);
        // Every tools/call went out on the lean path; lists and everything else on the SDK client.
        const calls = proxy.recorded.slice(from).filter((request) => request.rpc === 'tools/call');
        expect(calls).toHaveLength(8);
        expect(calls.every((request) => !request.sdk)).toBe(true);
        expect(proxy.recorded.filter((request) => request.rpc === 'tools/list').every((r) => r.sdk)).toBe(
          true,
        );
        // With the option off, the same link sends calls through the SDK client.
        const off = createMcpPeerLink({ url: proxy.url, era, leanToolCalls: false });
        const before = proxy.recorded.length;
        await off.callTool('test_simple_text', {}, { metadata });
        await off.close();
        expect(proxy.recorded.slice(before).filter((r) => r.rpc === 'tools/call')).toEqual([
          { method: 'POST', rpc: 'tools/call', tool: 'test_simple_text', sdk: true },
        ]);
      } finally {
        await lean.close();
        await sdk.close();
      }
    },
  );

  it('maps the same failures to the same codes as the SDK path', async () => {
    const lean = createMcpPeerLink({ url: node.mcpUrl, era: 'modern' });
    const sdk = createMcpPeerLink({ url: node.mcpUrl, era: 'modern', leanToolCalls: false });
    try {
      const failures = await Promise.all(
        [lean, sdk].map((link) => meshFailureOf(link.callTool('no_such_tool', {}, { metadata }))),
      );
      expect(failures[0]?.code).toBe('not_found');
      expect(failures[0]?.details).toEqual(failures[1]?.details);
      expect(failures[0]?.message).toBe(failures[1]?.message);
    } finally {
      await lean.close();
      await sdk.close();
    }
  });
});

describe('cancellation and deadlines on the lean path', () => {
  const aborted: string[] = [];
  const started: string[] = [];
  let node: MeshNode;
  beforeAll(async () => {
    node = createMeshNode({
      id: 'holding',
      mesh: false,
      tools: [
        defineTool({
          name: 'hold',
          description: 'Waits until cancelled, or ms milliseconds.',
          inputSchema: z.object({ label: z.string(), ms: z.number() }),
          handler: ({ label, ms }, context) =>
            new Promise((resolve) => {
              started.push(label);
              const timer = setTimeout(() => resolve({ content: [{ type: 'text', text: label }] }), ms);
              context.signal.addEventListener('abort', () => {
                clearTimeout(timer);
                aborted.push(label);
                resolve({ content: [{ type: 'text', text: 'aborted' }] });
              });
            }),
        }),
      ],
    });
    await node.start();
  });
  afterAll(async () => {
    await node.close({ graceMs: 200 });
  });

  it.each(['legacy', 'modern'] as const)(
    'a call cancelled mid-call fails canceled and the tool sees it (%s era); a deadline fails deadline_exceeded',
    async (era) => {
      const link = createMcpPeerLink({ url: node.mcpUrl, era });
      try {
        await link.listTools();
        const controller = new AbortController();
        const label = `cancel-${era}`;
        const call = link.callTool('hold', { label, ms: 20_000 }, { metadata, signal: controller.signal });
        await eventually(() => expect(started).toContain(label));
        controller.abort();
        expect((await meshFailureOf(call)).code).toBe('canceled');
        // `notifications/cancelled` (2025) or the closed request (2026) reached the tool's signal.
        await eventually(() => expect(aborted).toContain(label));

        const late = `deadline-${era}`;
        const timedOut = await meshFailureOf(
          link.callTool('hold', { label: late, ms: 20_000 }, { metadata, timeoutMs: 400 }),
        );
        expect(timedOut.code).toBe('deadline_exceeded');
        expect(timedOut.details.origin).toBe(link.name);
        await eventually(() => expect(aborted).toContain(late));

        const fine = await link.callTool('hold', { label: `after-${era}`, ms: 1 }, { metadata });
        expect(fine.content).toEqual([{ type: 'text', text: `after-${era}` }]);
      } finally {
        await link.close();
      }
    },
  );

  it.each(['legacy', 'modern'] as const)(
    'a call in flight when the link closes fails unavailable, as on the SDK path (%s era)',
    async (era) => {
      const failures = [];
      for (const leanToolCalls of [true, false]) {
        const link = createMcpPeerLink({ url: node.mcpUrl, era, leanToolCalls });
        await link.listTools();
        const label = `close-${era}-${leanToolCalls}`;
        const failure = meshFailureOf(link.callTool('hold', { label, ms: 20_000 }, { metadata }));
        await eventually(() => expect(started).toContain(label));
        await link.close();
        failures.push(await failure);
      }
      expect(failures.map((failure) => failure.code)).toEqual(['unavailable', 'unavailable']);
      expect(failures[0]?.details.reason).toBe(failures[1]?.details.reason);
    },
  );
});

describe('hand-over to the SDK path', () => {
  it('sends a call the upstream refused before running it (header mismatch) again through the SDK client, and tools that declare x-mcp-header through the SDK client only', async () => {
    let refusals = 0;
    const raw = await startRawServer(
      {
        picky: (id, _params, write, sdk) => {
          if (!sdk) {
            refusals += 1;
            write(400, { 'content-type': 'application/json' }, [
              JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32020, message: 'header mismatch' } }),
            ]);
            return;
          }
          write(200, { 'content-type': 'application/json' }, jsonAnswer(id, textResult('served by the SDK')));
        },
        regional: (id, _params, write) =>
          write(200, { 'content-type': 'application/json' }, jsonAnswer(id, textResult('regional'))),
        mirrored: (id, _params, write) =>
          write(200, { 'content-type': 'application/json' }, jsonAnswer(id, textResult('mirrored'))),
      },
      {
        mirrored: {
          type: 'object',
          properties: { region: { type: 'string', 'x-mcp-header': 'Region' } },
        },
      },
    );
    const link = createMcpPeerLink({ url: raw.url, era: 'modern' });
    try {
      const tools = (await link.listTools()).map((tool) => tool.name);
      const result = await link.callTool('picky', {}, { metadata });
      expect(result.content).toEqual([{ type: 'text', text: 'served by the SDK' }]);
      expect(refusals).toBe(1);
      expect(raw.calls.filter((call) => call.tool === 'picky')).toEqual([
        { tool: 'picky', sdk: false },
        { tool: 'picky', sdk: true },
      ]);
      await link.callTool('regional', {}, { metadata });
      expect(raw.calls.at(-1)).toEqual({ tool: 'regional', sdk: false });
      expect(tools).toContain('mirrored');
      expect((await link.callTool('mirrored', { region: 'eu' }, { metadata })).content).toEqual([
        { type: 'text', text: 'mirrored' },
      ]);
      expect(raw.calls.at(-1)).toEqual({ tool: 'mirrored', sdk: true });
    } finally {
      await link.close();
      await raw.close();
    }
  });
});

describe('a hostile HTTP upstream on the lean path', () => {
  const deep = `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`;
  let raw: Awaited<ReturnType<typeof startRawServer>>;
  let good: MeshNode;
  const resumedIds: unknown[] = [];
  const lastEventIds: string[] = [];
  beforeAll(async () => {
    const json = { 'content-type': 'application/json' };
    const sse = { 'content-type': 'text/event-stream' };
    raw = await startRawServer(
      {
        echo: (id, params, write) =>
          write(200, json, jsonAnswer(id, textResult(String((params.arguments as { text?: string }).text)))),
        not_json: (_id, _params, write) => write(200, json, '{"jsonrpc":"2.0","id":'),
        big_json: (id, _params, write) => write(200, json, jsonAnswer(id, textResult('x'.repeat(200_000)))),
        big_event: (id, _params, write) =>
          write(200, sse, [
            `event: message\ndata: ${jsonAnswer(id, textResult('x'.repeat(100_000)))}`,
            '\n\n',
          ]),
        too_deep: (id, _params, write) =>
          write(
            200,
            json,
            `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[],"structuredContent":${deep},"resultType":"complete"}}`,
          ),
        no_result_type: (id, _params, write) =>
          write(200, json, jsonAnswer(id, { content: [{ type: 'text', text: 'old' }] })),
        bad_content: (id, _params, write) =>
          write(200, json, jsonAnswer(id, { content: [{ type: 'text', text: 42 }], resultType: 'complete' })),
        wrong_type: (_id, _params, write) => write(200, { 'content-type': 'text/html' }, '<html></html>'),
        // A JSON answer in three chunks, split mid-character.
        split_json: (id, _params, write) => {
          const all = Buffer.from(jsonAnswer(id, textResult('split ✓')));
          const tick = all.indexOf(Buffer.from('✓')) + 1;
          write(200, json, [all.subarray(0, 20), all.subarray(20, tick), all.subarray(tick)]);
        },
        gzipped: (id, _params, write) =>
          write(200, { ...json, 'content-encoding': 'gzip' }, [
            gzipSync(jsonAnswer(id, textResult('unzipped'))),
          ]),
        batched: (id, _params, write) =>
          write(
            200,
            json,
            JSON.stringify([
              { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'first' } },
              { jsonrpc: '2.0', id, result: textResult('batched') },
            ]),
          ),
        // Closes its SSE answer after a priming event; the result comes on the resumed stream.
        resumable: (id, _params, write) => {
          resumedIds.push(id);
          write(200, sse, 'id: prime-1\nretry: 10\ndata: \n\n');
        },
        streamed: (id, params, write) => {
          const token = (params._meta as { progressToken?: unknown }).progressToken;
          const event = (message: object) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
          const progress = event({
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: { progressToken: token, progress: 1, total: 2, message: 'half' },
          });
          const log = event({
            jsonrpc: '2.0',
            method: 'notifications/message',
            params: { level: 'warning', logger: 'raw', data: 'careful' },
          });
          // Split after a comment, mid-event and mid-character, with a garbage event the SDK path skips too.
          const all = Buffer.from(
            `: comment\n\n${progress}data: not json\n\n${log}${event({ jsonrpc: '2.0', id, result: textResult('done ✓') })}`,
          );
          const tick = all.indexOf(Buffer.from('✓')) + 1;
          write(200, sse, [all.subarray(0, 37), all.subarray(37, tick), all.subarray(tick)]);
        },
      },
      {},
      (lastEventId, write) => {
        lastEventIds.push(lastEventId);
        write(`id: prime-2\ndata: ${jsonAnswer(resumedIds.at(-1), textResult('resumed'))}\n\n`);
      },
    );
    good = createMeshNode({
      id: 'good',
      mesh: false,
      tools: [
        defineTool({
          name: 'hello',
          description: 'Says hello.',
          inputSchema: z.object({}),
          handler: async () => ({ content: [{ type: 'text', text: 'hello' }] }),
        }),
      ],
    });
    await good.start();
  });
  afterAll(async () => {
    await raw.close();
    await good.close({ graceMs: 200 });
  });

  it('reads progress, log records and the result from an SSE answer split anywhere', async () => {
    const link = createMcpPeerLink({ url: raw.url, era: 'modern' });
    try {
      const progress: ToolProgress[] = [];
      const logs: ClientLogRecord[] = [];
      const result = await link.callTool(
        'streamed',
        {},
        {
          metadata,
          onProgress: (update) => progress.push(update),
          onLog: (record) => logs.push(record),
        },
      );
      expect(result.content).toEqual([{ type: 'text', text: 'done ✓' }]);
      expect(progress).toEqual([{ progress: 1, total: 2, message: 'half' }]);
      expect(logs).toEqual([{ level: 'warn', logger: 'raw', data: 'careful' }]);
    } finally {
      await link.close();
    }
  });

  it('reads a JSON answer split mid-character, decompresses a compressed answer, reads a batch, and resumes an SSE answer closed after a priming event', async () => {
    const link = createMcpPeerLink({ url: raw.url, era: 'modern' });
    try {
      const logs: ClientLogRecord[] = [];
      expect((await link.callTool('split_json', {}, { metadata })).content).toEqual([
        { type: 'text', text: 'split ✓' },
      ]);
      expect((await link.callTool('gzipped', {}, { metadata })).content).toEqual([
        { type: 'text', text: 'unzipped' },
      ]);
      const batched = await link.callTool('batched', {}, { metadata, onLog: (record) => logs.push(record) });
      expect(batched.content).toEqual([{ type: 'text', text: 'batched' }]);
      expect(logs.map((record) => record.data)).toEqual(['first']);
      expect((await link.callTool('resumable', {}, { metadata })).content).toEqual([
        { type: 'text', text: 'resumed' },
      ]);
      expect(lastEventIds).toEqual(['prime-1']);
    } finally {
      await link.close();
    }
  });

  it('fails each bad answer at once with a clear error, and the peer and the others go on serving', async () => {
    const policy = { retry: { maxAttempts: 1 }, breaker: { minimumThroughput: 100 } };
    const gateway = createGateway({
      id: 'gw-lean',
      ports: memoryPorts(),
      peers: [
        {
          name: 'hostile',
          replicas: [{ mcp: { url: raw.url, era: 'modern', maxMessageBytes: 50_000 } }],
          policy,
        },
        { name: 'good', replicas: [{ mcp: { url: good.mcpUrl } }], policy },
      ],
    });
    const call = (tool: string, timeoutMs = 10_000) =>
      gateway.callTool(
        tool,
        { text: 'hi' },
        {
          signal: new AbortController().signal,
          correlationId: 'c-hostile',
          hop: 0,
          deadline: Date.now() + timeoutMs,
        },
      );
    try {
      await gateway.start();
      const notJson = await meshFailureOf(call('not_json'));
      expect(notJson.code).toBe('internal');
      expect(notJson.message).toMatch(/malformed response: its JSON answer does not parse/);
      expect(notJson.details.origin).toBeDefined();

      for (const tool of ['big_json', 'big_event']) {
        const tooBig = await meshFailureOf(call(tool));
        expect(tooBig.code).toBe('resource_exhausted');
        expect(tooBig.details).toMatchObject({
          limit: 50_000,
          limitUnit: 'bytes',
          reason: 'message_too_large',
        });
      }
      const tooDeep = await meshFailureOf(call('too_deep'));
      expect(tooDeep.code).toBe('resource_exhausted');
      expect(tooDeep.details).toMatchObject({
        limit: 1_000,
        limitUnit: 'levels',
        reason: 'message_too_deep',
      });

      const old = await meshFailureOf(call('no_result_type'));
      expect(old.code).toBe('internal');
      expect(old.message).toMatch(/missing required resultType/);
      const badContent = await meshFailureOf(call('bad_content'));
      expect(badContent.code).toBe('internal');
      expect(badContent.message).toMatch(/Invalid result for tools\/call/);
      const html = await meshFailureOf(call('wrong_type'));
      expect(html.code).toBe('internal');
      expect(html.message).toMatch(/Unexpected content type: text\/html/);

      // Only that peer's calls failed: it still serves, and so does the other peer.
      expect((await call('echo')).content).toEqual([{ type: 'text', text: 'hi' }]);
      expect((await call('hello')).content).toEqual([{ type: 'text', text: 'hello' }]);
      expect(raw.calls.every((request) => !request.sdk)).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});
