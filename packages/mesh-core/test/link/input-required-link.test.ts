import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { inputRequired } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { MeshService } from '../../src/gen/mesh/v1/mesh_pb.js';
import { createMeshServer } from '../../src/link/mesh-server.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import { isInputRequired, type ToolProgress } from '../../src/tool/tool-context.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { memoryPorts } from '../gateway/fixtures.js';
import { metadata } from './fixtures.js';

// Input-required outcomes (MCP multi-round-trip requests) and the input responses answering them, over a real
// peer link: unary (the lean gRPC path) and streamed.

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

interface Seen {
  inputResponses?: Record<string, unknown>;
  requestState?: string;
}

const STATE = 'state ✓ 🐉 "quoted" \\ back';

async function setup() {
  const seen: Seen[] = [];
  const confirm = defineTool({
    name: 'confirm',
    description: 'Asks for a confirmation, reporting progress first.',
    inputSchema: z.object({}),
    handler: async (_input, context) => {
      seen.push({
        ...(context.inputResponses === undefined ? {} : { inputResponses: context.inputResponses }),
        ...(context.requestState === undefined ? {} : { requestState: context.requestState }),
      });
      context.reportProgress({ progress: 1, message: 'asking' });
      if (context.inputResponses === undefined) {
        return inputRequired({
          inputRequests: {
            ok: inputRequired.elicit({ message: 'Go on?', requestedSchema: z.object({ ok: z.boolean() }) }),
          },
          requestState: STATE,
        });
      }
      return { structuredContent: { answered: context.inputResponses, state: context.requestState } };
    },
  });
  const host = createLocalToolHost({ id: 'node-input', tools: [confirm], ports: memoryPorts() });
  const server = createMeshServer({ host });
  await server.start();
  cleanup.push(() => server.close({ timeoutMs: 100 }));
  const link = createPeerLink({ url: server.url });
  cleanup.push(() => link.close());
  return { seen, server, link };
}

const answers = { ok: { action: 'accept', content: { ok: true } } };

describe('input-required outcomes over a peer link', () => {
  for (const path of ['unary', 'streamed'] as const) {
    it(`carry an input-required outcome back and the answers forward (${path})`, async () => {
      const { link, seen } = await setup();
      const progress: ToolProgress[] = [];
      const streamed =
        path === 'streamed' ? { onProgress: (report: ToolProgress) => progress.push(report) } : {};
      const outcome = await link.callToolOutcome('confirm', {}, { metadata: metadata(), ...streamed });
      if (!isInputRequired(outcome)) throw new Error('expected an input-required outcome');
      expect(outcome).toEqual({
        resultType: 'input_required',
        inputRequests: {
          ok: {
            method: 'elicitation/create',
            params: {
              mode: 'form',
              message: 'Go on?',
              requestedSchema: expect.objectContaining({ properties: { ok: { type: 'boolean' } } }),
            },
          },
        },
        requestState: STATE,
      });
      const result = await link.callTool(
        'confirm',
        {},
        {
          metadata: metadata(),
          inputResponses: answers,
          requestState: outcome.requestState ?? '',
          ...streamed,
        },
      );
      expect(result.structuredContent).toEqual({ answered: answers, state: STATE });
      expect(seen).toEqual([{}, { inputResponses: answers, requestState: STATE }]);
      expect(progress).toHaveLength(path === 'streamed' ? 2 : 0);
    });

    it(`reject an input-required outcome the caller does not allow (${path})`, async () => {
      const { link } = await setup();
      const streamed = path === 'streamed' ? { onProgress: () => {} } : {};
      const error = await link.callTool('confirm', {}, { metadata: metadata(), ...streamed }).catch((e) => e);
      expect(MeshError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'failed_precondition', details: { tool: 'confirm' } });
      expect((error as MeshError).message).toContain('tool "confirm" asks the client for input');
    });
  }

  it('refuses a request state that would not cross the link unchanged', async () => {
    const { link, seen } = await setup();
    const error = await link
      .callTool('confirm', {}, { metadata: metadata(), inputResponses: answers, requestState: 'half \ud83e' })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'invalid_argument', details: { field: 'requestState' } });
    expect(seen).toEqual([]);
  });

  it('answers malformed input_responses_json with invalid_argument naming the field', async () => {
    const { server, seen } = await setup();
    const client = createClient(MeshService, createGrpcTransport({ baseUrl: server.url }));
    const cases: Array<[string, string]> = [
      ['not json', 'input_responses_json is not valid JSON'],
      ['[1, 2]', 'input_responses_json must be a JSON object'],
      ['', 'input_responses_json is not valid JSON'],
      ['{"ok": "yes"}', 'input_responses_json.ok must be a JSON object (a bare MCP result)'],
    ];
    for (const [inputResponsesJson, message] of cases) {
      const request = { name: 'confirm', argumentsJson: '{}', inputResponsesJson };
      for (const call of [
        () => client.callTool(request, { timeoutMs: 2_000 }),
        async () => {
          for await (const _message of client.callToolStream(request, { timeoutMs: 2_000 })) {
            // drained: the error arrives at the end of the stream
          }
        },
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConnectError);
        expect((error as ConnectError).code).toBe(Code.InvalidArgument);
        expect((error as ConnectError).rawMessage).toBe(message);
      }
    }
    expect(seen).toEqual([]);
  });
});
