import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createMcpPeerLink, type McpPeerLink } from '../../src/link/mcp-peer-link.js';
import type { NodeEvent } from '../../src/link/peer-link-types.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import type { ClientLogRecord } from '../../src/observability/client-logger.js';
import { eventually, meshFailureOf } from '../../src/testing/test-helpers.js';
import { isInputRequired, type ToolProgress } from '../../src/tool/tool-context.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { conformanceFixture } from '../conformance/fixture-node.js';
import { memoryPorts } from '../gateway/fixtures.js';

/** Waits until `condition` holds (the shared `eventually`, for a boolean condition). */
const waitUntil = (condition: () => boolean, timeoutMs = 5_000) =>
  eventually(() => expect(condition()).toBe(true), { timeoutMs, intervalMs: 20 });

// `createMcpPeerLink` against a plain MCP server over Streamable HTTP, in both protocol eras: the conformance
// fixture served by a mesh node's MCP edge (tools, resources, templates, prompts, completion, logging) on port 0.

const metadata = { correlationId: 'c-http', hop: 1 };

let node: MeshNode;
beforeAll(async () => {
  node = createMeshNode({ id: 'mcp-upstream', mesh: false, ...conformanceFixture() });
  await node.start();
});
afterAll(async () => {
  await node.close({ graceMs: 500 });
});

describe.each(['legacy', 'modern'] as const)('createMcpPeerLink over Streamable HTTP (%s era)', (era) => {
  let link: McpPeerLink;
  beforeAll(() => {
    link = createMcpPeerLink({
      url: node.mcpUrl,
      era,
      headers: { authorization: 'Bearer upstream-token-1234' },
    });
  });
  afterAll(async () => {
    await link.close();
  });

  it('lists and calls tools; results pass through unchanged', async () => {
    const tools = await link.listTools();
    expect(tools.map((tool) => tool.name)).toContain('test_simple_text');
    expect(link.era).toBe(era);
    const result = await link.callTool('test_image_content', {}, { metadata });
    expect(result.content[0]).toMatchObject({ type: 'image', mimeType: 'image/png' });
    const failed = await link.callTool('test_error_handling', {}, { metadata });
    expect(failed.isError).toBe(true);
    expect(await link.health()).toBe('serving');
    expect(link.url).toBe(`mcp:${new URL(node.mcpUrl).origin}/mcp`);
  });

  it('carries progress and hands the call its own log records', async () => {
    const progress: ToolProgress[] = [];
    await link.callTool(
      'test_tool_with_progress',
      {},
      { metadata, onProgress: (update) => progress.push(update) },
    );
    expect(progress.map((update) => update.progress)).toEqual([0, 50, 100]);
    const records: ClientLogRecord[] = [];
    await link.callTool('test_tool_with_logging', {}, { metadata, onLog: (record) => records.push(record) });
    expect(records.map((record) => [record.level, record.data])).toEqual([
      ['info', 'Tool execution started'],
      ['info', 'Tool processing data'],
      ['info', 'Tool execution completed'],
    ]);
  });

  it('maps bad arguments, unknown tools and deadlines to mesh codes', async () => {
    // A mesh node answers bad arguments with an error result: a tool result, passed through unchanged.
    const invalid = await link.callTool('test_sampling', { prompt: 42 }, { metadata });
    expect(invalid.isError).toBe(true);
    expect((invalid._meta?.['io.kidsstories/error'] as { code?: string } | undefined)?.code).toBe(
      'invalid_argument',
    );
    const unknown = await meshFailureOf(link.callTool('no_such_tool', {}, { metadata }));
    expect(unknown.code).toBe('not_found');
    expect(unknown.details.reason).toBe('unknown_tool');
    const late = await meshFailureOf(
      link.callTool('test_tool_with_logging', {}, { metadata, timeoutMs: 30 }),
    );
    expect(late.code).toBe('deadline_exceeded');
  });

  it('offers resources, templates, prompts and completion', async () => {
    const call = { metadata };
    expect(await link.features()).toMatchObject({ resources: true, prompts: true, completions: true });
    const resources = await link.listResources(call);
    expect(resources.map((resource) => resource.uri)).toContain('test://static-text');
    const templates = await link.listResourceTemplates(call);
    expect(templates.map((template) => template.uriTemplate)).toEqual(['test://template/{id}/data']);
    const read = await link.readResource('test://template/123/data', call);
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ id: '123' });
    const prompts = await link.listPrompts(call);
    expect(prompts.map((prompt) => prompt.name)).toContain('test_prompt_with_arguments');
    const prompt = await link.getPrompt('test_prompt_with_arguments', { arg1: 'a', arg2: 'b' }, call);
    expect(prompt.messages[0]?.content).toEqual({
      type: 'text',
      text: "Prompt with arguments: arg1='a', arg2='b'",
    });
    const completion = await link.complete(
      {
        ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
        argument: { name: 'arg1', value: 'par' },
        arguments: {},
      },
      call,
    );
    expect(completion.values).toEqual(['paris', 'park', 'party']);
    const missing = await meshFailureOf(link.readResource('test://nope', call));
    expect(['not_found', 'invalid_argument']).toContain(missing.code);
  });
});

describe('input requests (elicitation, sampling) of a 2026-07-28 upstream', () => {
  it('pass through as the outcome when the caller can relay them, and the answered retry completes', async () => {
    const link = createMcpPeerLink({ url: node.mcpUrl, era: 'modern' });
    try {
      const outcome = await link.callToolOutcome('test_elicitation', { message: 'Who?' }, { metadata });
      expect(isInputRequired(outcome)).toBe(true);
      if (!isInputRequired(outcome)) return;
      const [key, request] = Object.entries(outcome.inputRequests ?? {})[0] ?? [];
      expect(request?.method).toBe('elicitation/create');
      const final = await link.callToolOutcome(
        'test_elicitation',
        { message: 'Who?' },
        {
          metadata,
          inputResponses: {
            [key as string]: { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } },
          },
          ...(outcome.requestState === undefined ? {} : { requestState: outcome.requestState }),
        },
      );
      expect(isInputRequired(final)).toBe(false);
      expect(JSON.stringify(final)).toContain('ada');
      const refused = await meshFailureOf(
        link.callTool('test_elicitation', { message: 'Who?' }, { metadata }),
      );
      expect(refused.code).toBe('failed_precondition');
    } finally {
      await link.close();
    }
  });
});

describe('list changes', () => {
  it.each(['legacy', 'modern'] as const)('reach watchEvents as tools_changed (%s era)', async (era) => {
    const host = createLocalToolHost({ id: 'changing', tools: [], ports: memoryPorts() });
    const changing = createMeshNode({ id: 'changing', mesh: false, host });
    await changing.start();
    const link = createMcpPeerLink({ url: changing.mcpUrl, era });
    try {
      const events: NodeEvent[] = [];
      link.watchEvents((event) => events.push(event));
      expect(await link.listTools()).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      host.addTool(
        defineTool({
          name: 'added',
          description: 'Added later.',
          inputSchema: z.object({}),
          handler: async () => ({ content: [{ type: 'text', text: 'added' }] }),
        }),
      );
      await waitUntil(() => events.some((event) => event.kind === 'tools_changed'));
      expect((await link.listTools()).map((tool) => tool.name)).toEqual(['added']);
    } finally {
      await link.close();
      await changing.close({ graceMs: 200 });
    }
  });
});

describe('an HTTP upstream that is down', () => {
  it('fails unavailable with a retry hint, and connects once it is up', async () => {
    const down = createMeshNode({ id: 'later', mesh: false, ...conformanceFixture() });
    await down.start();
    const url = down.mcpUrl;
    await down.close({ graceMs: 100 });
    const link = createMcpPeerLink({ url, restartBackoff: { initialDelayMs: 10, maxDelayMs: 20 } });
    try {
      const failure = await meshFailureOf(link.listTools({ timeoutMs: 2_000 }));
      expect(failure.code).toBe('unavailable');
      expect(failure.message).not.toContain('upstream-token');
    } finally {
      await link.close();
    }
  });
});

describe('a response larger than maxMessageBytes', () => {
  it('fails resource_exhausted when it comes as JSON (2026-07-28), and the next call is served', async () => {
    const big = createMeshNode({
      id: 'big',
      mesh: false,
      tools: [
        defineTool({
          name: 'big',
          description: 'Answers 200 000 characters.',
          inputSchema: z.object({}),
          handler: async () => ({ content: [{ type: 'text', text: 'x'.repeat(200_000) }] }),
        }),
      ],
    });
    await big.start();
    const link = createMcpPeerLink({ url: big.mcpUrl, era: 'modern', maxMessageBytes: 50_000 });
    try {
      const failure = await meshFailureOf(link.callTool('big', {}, { metadata }));
      expect(failure.code).toBe('resource_exhausted');
      expect(failure.details).toMatchObject({ limit: 50_000, limitUnit: 'bytes' });
      expect((await link.listTools()).map((tool) => tool.name)).toEqual(['big']);
    } finally {
      await link.close();
      await big.close({ graceMs: 200 });
    }
  });
});
