import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  createExampleHost,
  type Era,
  type Observed,
  type RunningEdge,
  startEdge,
} from './fixtures.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('MCP edge over Streamable HTTP, both protocol eras', () => {
  const observed: Observed = { aborted: [], contexts: [] };
  let edge: RunningEdge;

  beforeAll(async () => {
    edge = await startEdge(createExampleHost(observed));
  });
  afterAll(async () => {
    await edge.close();
  });

  describe.each<Era>(['modern', 'legacy'])('%s client', (era) => {
    it('negotiates the expected era', async () => {
      const client = await connectClient(edge.url, era);
      expect(client.getProtocolEra()).toBe(era);
      await client.close();
    });

    it('lists tools with their raw JSON Schemas', async () => {
      const client = await connectClient(edge.url, era);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['countdown', 'echo', 'explode', 'slow']);
      const echo = tools.find((tool) => tool.name === 'echo');
      expect(echo?.inputSchema).toMatchObject({
        type: 'object',
        properties: { text: { type: 'string', maxLength: 100 } },
        required: ['text'],
      });
      expect(echo?.outputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
      await client.close();
    });

    it('calls a tool, carrying correlation id, trace context and budget from _meta', async () => {
      const client = await connectClient(edge.url, era);
      const result = await client.callTool({
        name: 'echo',
        arguments: { text: 'ab', repeat: 2 },
        _meta: {
          'io.kidsstories/correlation-id': `corr-${era}`,
          'io.kidsstories/budget-id': 'budget-7',
          traceparent: TRACEPARENT,
        },
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ text: 'abab' });
      const seen = observed.contexts.find((context) => context.correlationId === `corr-${era}`);
      expect(seen?.budgetId).toBe('budget-7');
      // Without a tracing SDK the caller's trace id still reaches the tool.
      expect(seen?.traceparent?.split('-')[1]).toBe('0af7651916cd43dd8448eb211c80319c');
      await client.close();
    });

    it('takes the correlation id from the mesh-correlation-id header', async () => {
      const client = await connectClient(edge.url, era, { 'mesh-correlation-id': `header-${era}` });
      await client.callTool({ name: 'echo', arguments: { text: 'x' } });
      expect(observed.contexts.some((context) => context.correlationId === `header-${era}`)).toBe(true);
      await client.close();
    });

    it('delivers progress notifications', async () => {
      const client = await connectClient(edge.url, era);
      const progress: unknown[] = [];
      const result = await client.callTool(
        { name: 'countdown', arguments: { steps: 3 } },
        { onprogress: (update) => progress.push(update) },
      );
      expect(result.content).toEqual([{ type: 'text', text: 'liftoff' }]);
      expect(progress).toEqual([
        { progress: 1, total: 3, message: 'step 1' },
        { progress: 2, total: 3, message: 'step 2' },
        { progress: 3, total: 3, message: 'step 3' },
      ]);
      await client.close();
    });

    it('aborts the handler at the deadline the client set in _meta', async () => {
      const client = await connectClient(edge.url, era);
      const started = Date.now();
      const result = await client.callTool({
        name: 'slow',
        arguments: { label: `deadline-${era}` },
        _meta: { 'io.kidsstories/timeout-ms': 150 },
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      expect(result._meta).toMatchObject({ 'io.kidsstories/error': { code: 'deadline_exceeded' } });
      expect(observed.aborted).toContain(`deadline-${era}`);
      await client.close();
    });

    it('aborts the handler at the deadline set by the mesh-timeout-ms header', async () => {
      const client = await connectClient(edge.url, era, { 'mesh-timeout-ms': '100' });
      const result = await client.callTool({ name: 'slow', arguments: { label: `header-deadline-${era}` } });
      expect(result._meta).toMatchObject({ 'io.kidsstories/error': { code: 'deadline_exceeded' } });
      expect(observed.aborted).toContain(`header-deadline-${era}`);
      await client.close();
    });

    it('answers an unknown tool with -32602 naming the closest tools', async () => {
      const client = await connectClient(edge.url, era);
      const error = await client.callTool({ name: 'ecoh', arguments: {} }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: -32602 });
      expect((error as Error).message).toContain('echo');
      expect(
        (error as { data?: { details?: { suggestions?: string[] } } }).data?.details?.suggestions?.[0],
      ).toBe('echo');
      await client.close();
    });

    it('answers invalid arguments with a tool error naming the field', async () => {
      const client = await connectClient(edge.url, era);
      const result = await client.callTool({ name: 'echo', arguments: { text: 'x', repeat: 9 } });
      expect(result.isError).toBe(true);
      expect(result._meta).toMatchObject({
        'io.kidsstories/error': { code: 'invalid_argument', details: { field: 'repeat' } },
      });
      expect(JSON.stringify(result.content)).toContain('repeat');
      await client.close();
    });

    it('rejects a malformed deadline naming the _meta key', async () => {
      const client = await connectClient(edge.url, era);
      const result = await client.callTool({
        name: 'echo',
        arguments: { text: 'x' },
        _meta: { 'io.kidsstories/timeout-ms': -5 },
      });
      expect(result._meta).toMatchObject({
        'io.kidsstories/error': {
          code: 'invalid_argument',
          details: { field: '_meta.io.kidsstories/timeout-ms' },
        },
      });
      await client.close();
    });

    it('turns a throwing handler into isError and keeps serving', async () => {
      const client = await connectClient(edge.url, era);
      const plain = await client.callTool({ name: 'explode', arguments: { kind: 'plain' } });
      expect(plain.isError).toBe(true);
      expect(plain._meta).toMatchObject({ 'io.kidsstories/error': { code: 'internal' } });
      const coded = await client.callTool({ name: 'explode', arguments: { kind: 'mesh' } });
      expect(coded.structuredContent).toBeUndefined();
      expect(coded._meta?.['io.kidsstories/error']).toEqual({
        code: 'resource_exhausted',
        message: 'story quota used up',
        details: { retryAfterMs: 1000 },
      });
      expect(coded.content).toEqual([{ type: 'text', text: 'resource_exhausted: story quota used up' }]);
      const after = await client.callTool({ name: 'echo', arguments: { text: 'still here' } });
      expect(after.structuredContent).toEqual({ text: 'still here' });
      await client.close();
    });
  });
});
