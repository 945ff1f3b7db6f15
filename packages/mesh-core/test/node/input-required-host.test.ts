import { inputRequired } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createMeshServer } from '../../src/link/mesh-server.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import type { ToolInputRequired } from '../../src/tool/tool-context.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { memoryPorts } from '../gateway/fixtures.js';

// How a local host treats a tool's input-required result: checked, returned as is only to callers that can
// relay it, and never validated against the output schema.

const call = (extra: object = {}) => ({
  signal: new AbortController().signal,
  correlationId: 'corr-input',
  hop: 0,
  ...extra,
});

const returning = (name: string, result: unknown) =>
  defineTool({
    name,
    description: `Returns a fixed result (${name}).`,
    inputSchema: z.object({}),
    outputSchema: z.object({ done: z.boolean() }),
    handler: async () => result as ToolInputRequired,
  });

describe('local host: input-required results', () => {
  const asking = inputRequired({ requestState: 'only-state' });
  const host = createLocalToolHost({
    id: 'input-host',
    ports: memoryPorts(),
    tools: [
      returning('asks', asking),
      returning('asks_nothing', { resultType: 'input_required', inputRequests: {} }),
      returning('asks_badly', { resultType: 'input_required', inputRequests: { x: { params: {} } } }),
      returning('bad_state', { resultType: 'input_required', requestState: 42 }),
      defineTool({
        name: 'echo_input',
        description: 'Returns the input responses and request state it got.',
        inputSchema: z.object({}),
        handler: async (_input, context) => ({
          structuredContent: {
            responses: context.inputResponses ?? null,
            state: context.requestState ?? null,
          },
        }),
      }),
    ],
  });

  it('returns it as is, skipping the output schema, to a caller that allows it', async () => {
    const outcome = await host.callToolOutcome('asks', {}, call());
    expect(outcome).toBe(asking);
  });

  it('fails the call failed_precondition, naming the tool, for a caller that cannot relay it', async () => {
    await expect(host.callTool('asks', {}, call())).rejects.toMatchObject({
      code: 'failed_precondition',
      details: { tool: 'asks', reason: 'input_required' },
    });
  });

  it('fails internal, naming the tool, when it carries neither input requests nor request state', async () => {
    const error = await host.callToolOutcome('asks_nothing', {}, call()).catch((e) => e);
    expect(error).toMatchObject({ code: 'internal', details: { tool: 'asks_nothing' } });
    expect(error.message).toBe(
      'tool "asks_nothing" returned an input-required result with neither inputRequests nor requestState (MCP requires at least one)',
    );
  });

  it('fails internal on a request without a method or a state that is not a string', async () => {
    await expect(host.callToolOutcome('asks_badly', {}, call())).rejects.toMatchObject({
      code: 'internal',
      details: { tool: 'asks_badly', field: 'inputRequests.x' },
    });
    await expect(host.callToolOutcome('bad_state', {}, call())).rejects.toMatchObject({
      code: 'internal',
      details: { tool: 'bad_state', field: 'requestState' },
    });
  });

  it("hands the call's input responses and request state to the handler", async () => {
    const responses = { ok: { action: 'accept', content: { ok: true } } };
    const result = await host.callTool(
      'echo_input',
      {},
      call({ inputResponses: responses, requestState: 's-1' }),
    );
    expect(result.structuredContent).toEqual({ responses, state: 's-1' });
    const first = await host.callTool('echo_input', {}, call());
    expect(first.structuredContent).toEqual({ responses: null, state: null });
  });

  it('refuses it to a tool calling another tool through context.mesh (a peer link)', async () => {
    const server = createMeshServer({ host });
    await server.start();
    const link = createPeerLink({ url: server.url });
    try {
      const outer = createLocalToolHost({
        id: 'outer',
        ports: memoryPorts(),
        mesh: link,
        tools: [
          defineTool({
            name: 'nested',
            description: 'Calls a tool that asks for input.',
            inputSchema: z.object({}),
            handler: async (_input, context) => context.mesh.callTool('asks', {}),
          }),
        ],
      });
      await expect(outer.callToolOutcome('nested', {}, call())).rejects.toMatchObject({
        code: 'failed_precondition',
        details: { tool: 'asks', reason: 'input_required' },
      });
    } finally {
      await link.close();
      await server.close({ timeoutMs: 100 });
    }
  });
});
