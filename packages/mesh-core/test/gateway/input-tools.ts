import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { acceptedContent, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import type { ToolInputRequired } from '../../src/tool/tool-context.js';
import { type AnyToolDefinition, defineTool } from '../../src/tool/tool-definition.js';

// Tools that ask the MCP client for input (multi-round-trip requests, MCP 2026-07-28), and clients that answer.

/**
 * The request state `publish_story` hands out. Not ASCII, with JSON and base64 punctuation, so that a change of
 * a single byte anywhere on the way (MCP JSON, protobuf UTF-8, the gateway) shows.
 */
export const PUBLISH_STATE = 'round-1 ✓ {"nonce":"q+/=","quote":"\\""} 🦊 \u00e9\u0301';

/** What the handlers saw on each round. */
export interface InputRound {
  tool: string;
  inputResponses?: Record<string, unknown>;
  requestState?: string;
}

const confirmation = z.object({ confirm: z.boolean() });

export function inputTools(rounds: InputRound[]): AnyToolDefinition[] {
  const note = (tool: string, context: { inputResponses?: Record<string, unknown>; requestState?: string }) =>
    rounds.push({
      tool,
      ...(context.inputResponses === undefined ? {} : { inputResponses: context.inputResponses }),
      ...(context.requestState === undefined ? {} : { requestState: context.requestState }),
    });
  return [
    defineTool({
      name: 'publish_story',
      description: 'Publishes a story once the user confirms.',
      inputSchema: z.object({ title: z.string().min(1) }),
      // An input-required return carries no structured output: it must skip this schema.
      outputSchema: z.object({ title: z.string(), published: z.boolean() }),
      handler: async ({ title }, context) => {
        note('publish_story', context);
        if (context.inputResponses === undefined) {
          return inputRequired({
            inputRequests: {
              confirm: inputRequired.elicit({
                message: `Publish "${title}"?`,
                requestedSchema: confirmation,
              }),
            },
            requestState: PUBLISH_STATE,
          });
        }
        if (context.requestState !== PUBLISH_STATE) {
          throw new MeshError('the request state came back changed', 'invalid_argument', {
            details: { field: 'requestState' },
          });
        }
        const confirmed = acceptedContent(context.inputResponses, 'confirm', confirmation);
        return { structuredContent: { title, published: confirmed?.confirm === true } };
      },
    }),
    defineTool({
      name: 'suggest_title',
      description: 'Asks the client to sample a title for a story.',
      inputSchema: z.object({ story: z.string().min(1) }),
      handler: async ({ story }, context) => {
        note('suggest_title', context);
        const answer = inputResponse(context.inputResponses, 'title');
        if (answer.kind !== 'sampling') {
          return inputRequired({
            inputRequests: {
              title: inputRequired.createMessage({
                messages: [
                  { role: 'user', content: { type: 'text', text: `Suggest a title for: ${story}` } },
                ],
                maxTokens: 20,
              }),
            },
          });
        }
        const block = Array.isArray(answer.result.content) ? answer.result.content[0] : answer.result.content;
        const title = block?.type === 'text' ? block.text : '';
        return { structuredContent: { title, model: answer.result.model } };
      },
    }),
    defineTool({
      name: 'count_roots',
      description: "Counts the client's roots.",
      inputSchema: z.object({}),
      handler: async (_input, context) => {
        note('count_roots', context);
        const answer = inputResponse(context.inputResponses, 'roots');
        if (answer.kind !== 'roots')
          return inputRequired({ inputRequests: { roots: inputRequired.listRoots() } });
        return { structuredContent: { roots: answer.roots.map((root) => root.uri) } };
      },
    }),
    defineTool({
      name: 'ask_nothing',
      description: 'Returns an input-required result without requests or state (a bug).',
      inputSchema: z.object({}),
      handler: async (_input, context) => {
        note('ask_nothing', context);
        return { resultType: 'input_required' } satisfies ToolInputRequired;
      },
    }),
  ];
}

/** How a test client answers the input requests it gets. */
export interface ClientAnswers {
  /** Answer to `elicitation/create`. Default: accept with `{ confirm: true }`. */
  elicit?: 'accept' | 'decline';
  /** Messages of the elicitation requests it received. */
  elicited: string[];
  /** Text of the sampling requests it received. */
  sampled: string[];
}

/**
 * The official MCP client of the 2026-07-28 (`modern`) or 2025 (`legacy`) era, declaring elicitation,
 * sampling and roots, with handlers that answer from `answers`.
 */
export async function connectAnsweringClient(
  url: string,
  era: 'modern' | 'legacy',
  answers: ClientAnswers,
): Promise<Client> {
  const client = new Client(
    { name: `input-test-${era}`, version: '1.0.0' },
    {
      versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' },
      capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} },
    },
  );
  client.setRequestHandler('elicitation/create', async (request) => {
    answers.elicited.push(request.params.message);
    return answers.elicit === 'decline'
      ? { action: 'decline' }
      : { action: 'accept', content: { confirm: true } };
  });
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const content = request.params.messages[0]?.content;
    answers.sampled.push(content && !Array.isArray(content) && content.type === 'text' ? content.text : '');
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'The Brave Fox' } };
  });
  client.setRequestHandler('roots/list', async () => ({
    roots: [{ uri: 'file:///stories', name: 'stories' }],
  }));
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}
