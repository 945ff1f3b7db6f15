import { ProtocolError, SdkError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import {
  classifyMessage,
  declaresMcpHeaders,
  decodeToolCallResponse,
  isHeaderSafeName,
  isPlainToolResult,
} from './mcp-lean-wire.js';

describe('classifyMessage', () => {
  it('sorts responses, notifications and requests, and names what is wrong with anything else', () => {
    expect(classifyMessage({ jsonrpc: '2.0', id: 7, result: {} }).kind).toBe('response');
    expect(classifyMessage({ jsonrpc: '2.0', method: 'notifications/progress', params: {} }).kind).toBe(
      'notification',
    );
    expect(classifyMessage({ jsonrpc: '2.0', id: 'a', method: 'ping' }).kind).toBe('request');
    expect(classifyMessage({ id: 1, result: {} })).toEqual({
      kind: 'invalid',
      problem: 'not a JSON-RPC 2.0 message',
    });
    expect(
      classifyMessage({ jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'x' } }),
    ).toMatchObject({
      kind: 'invalid',
      problem: 'a response must carry exactly one of result and error',
    });
    expect(classifyMessage({ jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'x' } })).toMatchObject({
      kind: 'invalid',
    });
    expect(classifyMessage({ jsonrpc: '2.0', id: {}, method: 'ping' })).toMatchObject({ kind: 'invalid' });
    expect(classifyMessage({ jsonrpc: '2.0', method: 'x', params: [] })).toMatchObject({ kind: 'invalid' });
  });
});

describe('decodeToolCallResponse', () => {
  it('turns an error response into the SDK client’s ProtocolError and a header mismatch into a hand-over', () => {
    const outcome = decodeToolCallResponse(
      { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Unknown tool: x' } },
      'modern',
    );
    expect(outcome.kind).toBe('error');
    if (outcome.kind === 'error') {
      expect(ProtocolError.isInstance(outcome.error)).toBe(true);
      expect((outcome.error as ProtocolError).code).toBe(-32602);
    }
    expect(
      decodeToolCallResponse(
        { jsonrpc: '2.0', id: 1, error: { code: -32020, message: 'mismatch' } },
        'modern',
      ),
    ).toEqual({ kind: 'fallback' });
  });

  it('lifts resultType off a 2026 result, keeps a 2025 result as it is, and refuses what the SDK refuses', () => {
    const content = [{ type: 'text', text: 'hi' }];
    expect(decodeToolCallResponse({ result: { content, resultType: 'complete' } }, 'modern')).toEqual({
      kind: 'result',
      value: { content },
    });
    expect(decodeToolCallResponse({ result: { content } }, 'legacy')).toEqual({
      kind: 'result',
      value: { content },
    });
    for (const [result, problem] of [
      [{ content }, /missing required resultType/],
      [{ content, resultType: 7 }, /non-string resultType/],
      [[], /not an object/],
      [{ content: [{ type: 'text', text: 3 }], resultType: 'complete' }, /Invalid result for tools\/call/],
    ] as const) {
      const outcome = decodeToolCallResponse({ result }, 'modern');
      expect(outcome.kind).toBe('error');
      if (outcome.kind === 'error') {
        expect(SdkError.isInstance(outcome.error)).toBe(true);
        expect(outcome.error.message).toMatch(problem);
      }
    }
    const unsupported = decodeToolCallResponse({ result: { resultType: 'task' } }, 'modern');
    expect(unsupported.kind === 'error' && unsupported.error.message).toMatch(
      /Unsupported result type 'task'/,
    );
  });

  it('passes an input_required result on as the SDK gives it to callers that relay input requests', () => {
    const inputRequests = { ask: { method: 'elicitation/create', params: {} } };
    expect(
      decodeToolCallResponse(
        { result: { resultType: 'input_required', inputRequests, requestState: 's1', extra: 1 } },
        'modern',
      ),
    ).toEqual({ kind: 'result', value: { resultType: 'input_required', inputRequests, requestState: 's1' } });
    const empty = decodeToolCallResponse({ result: { resultType: 'input_required' } }, 'modern');
    expect(empty.kind === 'error' && empty.error.message).toMatch(/neither inputRequests nor requestState/);
  });

  it('checks richer results with the SDK’s own schema', () => {
    const image = {
      content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }],
      resultType: 'complete',
    };
    const outcome = decodeToolCallResponse({ result: image }, 'modern');
    expect(outcome).toMatchObject({ kind: 'result', value: { content: image.content } });
  });
});

describe('the lean path’s small checks', () => {
  it('isPlainToolResult accepts only text blocks, an object structuredContent, a boolean isError and _meta', () => {
    expect(
      isPlainToolResult({ content: [{ type: 'text', text: 'a' }], structuredContent: {}, isError: false }),
    ).toBe(true);
    expect(isPlainToolResult({ content: [{ type: 'text', text: 'a', annotations: {} }] })).toBe(false);
    expect(isPlainToolResult({ content: [], structuredContent: [] })).toBe(false);
    expect(isPlainToolResult({ content: [], other: 1 })).toBe(false);
  });

  it('isHeaderSafeName leaves names that need Mcp-Name encoding to the SDK', () => {
    expect(isHeaderSafeName('echo')).toBe(true);
    expect(isHeaderSafeName('search docs')).toBe(true);
    expect(isHeaderSafeName(' echo')).toBe(false);
    expect(isHeaderSafeName('écho')).toBe(false);
    expect(isHeaderSafeName('=?base64?x?=')).toBe(false);
    expect(isHeaderSafeName('')).toBe(false);
  });

  it('declaresMcpHeaders finds x-mcp-header at any depth without recursion, and says yes to what it cannot walk', () => {
    const nested = (leaf: Record<string, unknown>, levels: number) => {
      let schema = leaf;
      for (let i = 0; i < levels; i += 1) schema = { type: 'object', properties: { a: schema } };
      return schema;
    };
    expect(declaresMcpHeaders(nested({ type: 'string', 'x-mcp-header': 'Region' }, 10_000))).toBe(true);
    expect(declaresMcpHeaders(nested({ type: 'string' }, 10_000))).toBe(false);
    // Past 100 000 nodes the walk stops: such a tool takes the SDK path.
    expect(declaresMcpHeaders(nested({ type: 'string' }, 60_000))).toBe(true);
  });
});
