import type { Client } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import * as z from 'zod';
import type { ResourceReadResult } from '../../src/resource/resource-definition.js';
import { defineResource, defineResourceTemplate } from '../../src/resource/resource-definition.js';
import { defineTool } from '../../src/tool/tool-definition.js';

// The set-up the node feature tests (test/mcp/features.test.ts) and the gateway federation tests
// (test/gateway/federation.test.ts) share: the same tool, resource and template on a node, and the same checks
// at the MCP endpoint, whether the node serves them itself or a gateway federates them.

/** The age bands the story template completes. */
export const AGE_BANDS = ['3-5', '6-8', '9-12'] as const;

/** `chatty`: logs a line at every level (the error with a secret field), then answers `done`. */
export function chattyTool() {
  return defineTool({
    name: 'chatty',
    description: 'Logs at every level.',
    inputSchema: z.object({}),
    handler: async (_input, context) => {
      context.logger.debug('debug line');
      context.logger.info('info line', { pages: 3 });
      context.logger.warn('warn line');
      context.logger.error('error line', { apiKey: 'sk-do-not-show' });
      return { content: [{ type: 'text', text: 'done' }] };
    },
  });
}

/** What a client at level `warning` receives from one `chatty` call: the secret redacted. */
export const CHATTY_WARNINGS = [
  { level: 'warning', data: 'warn line', logger: 'chatty' },
  { level: 'error', data: { message: 'error line', apiKey: '[redacted]' }, logger: 'chatty' },
];

/** `docs://readme`: markdown with `text`. */
export function readmeResource(text: string, mimeType?: string) {
  return defineResource({
    uri: 'docs://readme',
    name: 'readme',
    ...(mimeType ? { mimeType } : {}),
    handler: async () => ({ text }),
  });
}

/** `stories://{date}/{ageBand}`: completes the age band from {@link AGE_BANDS}, read by `read`. */
export function storyTemplate(
  read: (variables: { date: string; ageBand: string }) => Promise<ResourceReadResult>,
  extra: { list?: () => Promise<Array<{ uri: string; name: string }>> } = {},
) {
  return defineResourceTemplate({
    uriTemplate: 'stories://{date}/{ageBand}',
    name: 'story',
    mimeType: 'application/json',
    complete: { ageBand: (value) => AGE_BANDS.filter((band) => band.startsWith(value)) },
    ...extra,
    handler: async (_uri, { date, ageBand }) => read({ date: String(date), ageBand: String(ageBand) }),
  });
}

/** Checks the MCP endpoint behind `client` advertises resources, prompts, completions and logging. */
export function expectFeatureCapabilities(client: Client): void {
  const capabilities = client.getServerCapabilities();
  expect(capabilities?.resources).toEqual({ subscribe: true, listChanged: true });
  expect(capabilities?.prompts).toEqual({ listChanged: true });
  expect(capabilities?.completions).toEqual({});
  expect(capabilities?.logging).toEqual({});
}
