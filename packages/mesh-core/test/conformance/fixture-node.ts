import { fromJsonSchema, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { MeshNodeOptions } from '../../src/node/mesh-node.js';
import { definePrompt } from '../../src/prompt/prompt-definition.js';
import { defineResource, defineResourceTemplate } from '../../src/resource/resource-definition.js';
import { type AnyToolDefinition, defineTool } from '../../src/tool/tool-definition.js';

// The fixture the official conformance suite's server scenarios name (@modelcontextprotocol/conformance 0.1.13,
// read from its dist/index.js), built as a mesh node: tools, resources, a resource template and prompts defined as
// data. Each definition says which scenario reads it.

/** A 1x1 red PNG. */
export const RED_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A WAV header with no samples: 44 bytes, 8 kHz mono 16-bit. */
const EMPTY_WAV = Buffer.from(
  'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=',
  'base64',
).toString('base64');

const noArguments = z.object({});
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

function conformanceTools(): AnyToolDefinition[] {
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  return [
    // tools-call-simple-text
    defineTool({
      name: 'test_simple_text',
      description: 'Returns a simple text response.',
      inputSchema: noArguments,
      handler: async () => text('This is a simple text response for testing.'),
    }),
    // tools-call-image
    defineTool({
      name: 'test_image_content',
      description: 'Returns a 1x1 PNG image.',
      inputSchema: noArguments,
      handler: async () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }),
    }),
    // tools-call-audio
    defineTool({
      name: 'test_audio_content',
      description: 'Returns a short WAV clip.',
      inputSchema: noArguments,
      handler: async () => ({ content: [{ type: 'audio', data: EMPTY_WAV, mimeType: 'audio/wav' }] }),
    }),
    // tools-call-embedded-resource
    defineTool({
      name: 'test_embedded_resource',
      description: 'Returns an embedded text resource.',
      inputSchema: noArguments,
      handler: async () => ({
        content: [
          {
            type: 'resource',
            resource: {
              uri: 'test://embedded-resource',
              mimeType: 'text/plain',
              text: 'This is an embedded resource content.',
            },
          },
        ],
      }),
    }),
    // tools-call-mixed-content
    defineTool({
      name: 'test_multiple_content_types',
      description: 'Returns text, an image and an embedded resource.',
      inputSchema: noArguments,
      handler: async () => ({
        content: [
          { type: 'text', text: 'Multiple content types test:' },
          { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
          {
            type: 'resource',
            resource: {
              uri: 'test://mixed-content-resource',
              mimeType: 'application/json',
              text: JSON.stringify({ test: 'data', value: 123 }),
            },
          },
        ],
      }),
    }),
    // tools-call-with-logging: the ToolContext logger reaches the client as notifications/message.
    defineTool({
      name: 'test_tool_with_logging',
      description: 'Logs three messages at info level while it runs.',
      inputSchema: noArguments,
      handler: async (_input, context) => {
        context.logger.info('Tool execution started');
        await pause(50, context.signal);
        context.logger.info('Tool processing data');
        await pause(50, context.signal);
        context.logger.info('Tool execution completed');
        return text('Tool with logging executed successfully');
      },
    }),
    // tools-call-error
    defineTool({
      name: 'test_error_handling',
      description: 'Always fails.',
      inputSchema: noArguments,
      handler: async () => {
        throw new Error('This tool intentionally returns an error for testing');
      },
    }),
    // tools-call-with-progress
    defineTool({
      name: 'test_tool_with_progress',
      description: 'Reports progress 0, 50 and 100 of 100.',
      inputSchema: noArguments,
      handler: async (_input, context) => {
        for (const progress of [0, 50, 100]) {
          context.reportProgress({ progress, total: 100 });
          if (progress < 100) await pause(50, context.signal);
        }
        return text('Tool with progress executed successfully');
      },
    }),
    // tools-call-sampling: asks the client to sample (a real sampling/createMessage on a 2025-era session).
    defineTool({
      name: 'test_sampling',
      description: 'Asks the client for an LLM completion of the prompt.',
      inputSchema: z.object({ prompt: z.string() }),
      handler: async ({ prompt }, context) => {
        const answer = inputResponse(context.inputResponses, 'sample');
        if (answer.kind !== 'sampling') {
          return inputRequired({
            inputRequests: {
              sample: inputRequired.createMessage({
                messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
                maxTokens: 100,
              }),
            },
          });
        }
        const block = Array.isArray(answer.result.content) ? answer.result.content[0] : answer.result.content;
        return text(`LLM response: ${block?.type === 'text' ? block.text : JSON.stringify(block)}`);
      },
    }),
    // tools-call-elicitation
    elicitingTool('test_elicitation', z.object({ message: z.string() }), ({ message }) => ({
      message,
      requestedSchema: {
        type: 'object',
        properties: {
          username: { type: 'string', description: "User's response" },
          email: { type: 'string', description: "User's email address" },
        },
        required: ['username', 'email'],
      },
    })),
    // elicitation-sep1034-defaults
    elicitingTool('test_elicitation_sep1034_defaults', noArguments, () => ({
      message: 'Please review and update the form fields with defaults',
      requestedSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        },
        required: [],
      },
    })),
    // elicitation-sep1330-enums
    elicitingTool('test_elicitation_sep1330_enums', noArguments, () => ({
      message: 'Please select options from the enum fields',
      requestedSchema: {
        type: 'object',
        properties: {
          untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: {
            type: 'string',
            enum: ['opt1', 'opt2', 'opt3'],
            enumNames: ['Option One', 'Option Two', 'Option Three'],
          },
          untitledMulti: {
            type: 'array',
            items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          },
          titledMulti: {
            type: 'array',
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        },
        required: [],
      },
    })),
    // json-schema-2020-12: the advertised input schema keeps $schema, $defs and additionalProperties.
    defineTool({
      name: 'json_schema_2020_12_tool',
      description: 'Tool with JSON Schema 2020-12 features',
      inputSchema: fromJsonSchema<Record<string, unknown>>({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: {
          address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
        },
        properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
        additionalProperties: false,
      }),
      handler: async (input) => text(`Received: ${JSON.stringify(input)}`),
    }),
    // server-sse-polling names this tool. The reference fixture closes the SSE stream mid-call and resumes it from
    // an event store; a mesh node keeps no event store (resumability is optional), so it answers on the stream.
    defineTool({
      name: 'test_reconnection',
      description: 'Answers after a short pause (no stream resumption: the node keeps no event store).',
      inputSchema: noArguments,
      handler: async (_input, context) => {
        await pause(50, context.signal);
        return text('Reconnection test completed');
      },
    }),
  ];
}

function elicitingTool<TInput extends Record<string, unknown>>(
  name: string,
  inputSchema: z.ZodType<TInput>,
  request: (input: TInput) => Parameters<typeof inputRequired.elicit>[0],
): AnyToolDefinition {
  return defineTool({
    name,
    description: `Asks the user for input (${name}).`,
    inputSchema: inputSchema as never,
    handler: async (input: TInput, context) => {
      const answer = inputResponse(context.inputResponses, 'form');
      if (answer.kind !== 'elicit') {
        return inputRequired({ inputRequests: { form: inputRequired.elicit(request(input)) } });
      }
      const { action, content } = answer;
      return {
        content: [
          {
            type: 'text',
            text: `Elicitation completed: action=${action}, content=${JSON.stringify(content ?? {})}`,
          },
        ],
      };
    },
  });
}

const resources = [
  // resources-read-text, resources-list
  defineResource({
    uri: 'test://static-text',
    name: 'static-text',
    description: 'A static text resource.',
    mimeType: 'text/plain',
    handler: async () => ({ text: 'This is the content of the static text resource.' }),
  }),
  // resources-read-binary
  defineResource({
    uri: 'test://static-binary',
    name: 'static-binary',
    description: 'A 1x1 PNG image.',
    mimeType: 'image/png',
    handler: async () => ({ blob: Buffer.from(RED_PIXEL_PNG, 'base64') }),
  }),
  // resources-subscribe, resources-unsubscribe
  defineResource({
    uri: 'test://watched-resource',
    name: 'watched-resource',
    description: 'A resource clients subscribe to.',
    mimeType: 'text/plain',
    handler: async () => ({ text: 'Watched resource content' }),
  }),
];

const resourceTemplates = [
  // resources-templates-read
  defineResourceTemplate({
    uriTemplate: 'test://template/{id}/data',
    name: 'template-data',
    description: 'Data for an id.',
    mimeType: 'application/json',
    complete: { id: (value) => ['123', '456', '789'].filter((id) => id.startsWith(value)) },
    handler: async (uri, { id }) => ({
      text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
      uri,
    }),
  }),
];

const prompts = [
  // prompts-get-simple, prompts-list
  definePrompt({
    name: 'test_simple_prompt',
    description: 'A simple prompt without arguments.',
    handler: async () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    }),
  }),
  // prompts-get-with-args, completion-complete
  definePrompt({
    name: 'test_prompt_with_arguments',
    description: 'A prompt with two required arguments.',
    arguments: {
      arg1: {
        description: 'First test argument',
        required: true,
        complete: (value) =>
          ['paris', 'park', 'party', 'test-value'].filter((word) => word.startsWith(value)),
      },
      arg2: { description: 'Second test argument', required: true },
    },
    handler: async ({ arg1, arg2 }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
        },
      ],
    }),
  }),
  // prompts-get-embedded-resource
  definePrompt({
    name: 'test_prompt_with_embedded_resource',
    description: 'A prompt embedding a resource.',
    arguments: { resourceUri: { description: 'URI of the resource to embed', required: true } },
    handler: async ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: {
              uri: resourceUri ?? 'test://example-resource',
              mimeType: 'text/plain',
              text: 'Embedded resource content for testing.',
            },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  }),
  // prompts-get-with-image
  definePrompt({
    name: 'test_prompt_with_image',
    description: 'A prompt with an image.',
    handler: async () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }),
  }),
];

/** The conformance fixture as `createMeshNode` options (without `id` and `mcp`). */
export function conformanceFixture(): Pick<MeshNodeOptions, 'resources' | 'resourceTemplates' | 'prompts'> & {
  tools: AnyToolDefinition[];
} {
  return { tools: conformanceTools(), resources, resourceTemplates, prompts };
}
