import { classifyInboundRequest } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { isPlainModernRequest } from '../../src/mcp/tool-call-relay.js';

// The relay path's own check of the plainest `tools/call` (isPlainModernRequest) stands in for the SDK's
// classifier: whatever it accepts, the SDK must classify as a modern request of the header's revision. Checked on
// every single change of a plain request and on a seeded sample of combinations.

const VERSION = '2026-07-28';
const PV = 'io.modelcontextprotocol/protocolVersion';
const INFO = 'io.modelcontextprotocol/clientInfo';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const ABSENT = Symbol('absent');

/** Each field of a request and the values it is tried with (the first is the plain one). */
const CHOICES: Record<string, unknown[]> = {
  id: [1, 'r-1', 0, -7, 1.5, 2 ** 60, null, true, {}, ABSENT],
  jsonrpc: ['2.0', '1.0', 2, ABSENT],
  method: ['tools/call', 'tools/list', ABSENT],
  extraBodyKey: [ABSENT, ['result', {}], ['error', { code: 1, message: 'x' }], ['extra', 1]],
  version: [VERSION, '2025-11-25', '2027-01-01', 5, ABSENT],
  capabilities: [
    {},
    { elicitation: {} },
    { sampling: {}, roots: {} },
    { elicitation: {}, sampling: {}, roots: {} },
    { elicitation: { form: {} } },
    { roots: { listChanged: 'yes' } },
    { sampling: { context: 5 } },
    { experimental: {} },
    { elicitation: [] },
    { roots: null },
    [],
    'all',
    ABSENT,
  ],
  info: [
    { name: 'bench', version: '1.0.0' },
    ABSENT,
    { name: 'bench', version: '1.0.0', title: 'Bench' },
    { name: 'bench' },
    { name: 'bench', version: 1 },
    { name: 'bench', version: '1.0.0', title: 5 },
    { name: 'bench', version: '1.0.0', icons: [] },
    { name: 'bench', version: '1.0.0', icons: 'x' },
    'bench',
  ],
  otherMeta: [
    ABSENT,
    ['traceparent', 'not-a-traceparent'],
    ['io.kidsstories/correlation-id', 'c-1'],
    ['io.modelcontextprotocol/related-task', { taskId: 5 }],
    ['io.modelcontextprotocol/unknown', 1],
  ],
};

type Choice = Record<keyof typeof CHOICES, number>;

function requestOf(choice: Choice): { body: Record<string, unknown>; meta: Record<string, unknown> } {
  const pick = (field: string) => CHOICES[field]?.[choice[field] ?? 0];
  const meta: Record<string, unknown> = {};
  const set = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== ABSENT) target[key] = structuredClone(value);
  };
  set(meta, PV, pick('version'));
  set(meta, INFO, pick('info'));
  set(meta, CAPS, pick('capabilities'));
  const other = pick('otherMeta');
  if (Array.isArray(other)) set(meta, other[0] as string, other[1]);
  const body: Record<string, unknown> = {};
  set(body, 'jsonrpc', pick('jsonrpc'));
  set(body, 'id', pick('id'));
  set(body, 'method', pick('method'));
  body.params = { name: 'echo', arguments: { text: 'x' }, _meta: meta };
  const extra = pick('extraBodyKey');
  if (Array.isArray(extra)) set(body, extra[0] as string, extra[1]);
  return { body, meta };
}

const sdkAccepts = (body: Record<string, unknown>) => {
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    body,
    protocolVersionHeader: VERSION,
    mcpMethodHeader: 'tools/call',
    mcpNameHeader: 'echo',
  });
  return (
    route.kind === 'modern' && route.messageKind === 'request' && route.classification.revision === VERSION
  );
};

const plain: Choice = Object.fromEntries(Object.keys(CHOICES).map((field) => [field, 0]));

describe('isPlainModernRequest against the SDK classifier', () => {
  it('accepts the plainest requests (the bench’s, and one declaring empty input capabilities)', () => {
    for (const choice of [
      plain,
      { ...plain, capabilities: 3 },
      { ...plain, info: 1 },
      { ...plain, otherMeta: 2 },
    ]) {
      const { body, meta } = requestOf(choice);
      expect(isPlainModernRequest(body, meta, VERSION)).toBe(true);
      expect(sdkAccepts(body)).toBe(true);
    }
  });

  it('accepts nothing the SDK would not, changing one field at a time', () => {
    let refused = 0;
    for (const [field, values] of Object.entries(CHOICES)) {
      for (let index = 0; index < values.length; index += 1) {
        const { body, meta } = requestOf({ ...plain, [field]: index });
        const fast = isPlainModernRequest(body, meta, VERSION);
        if (fast) expect({ field, index, sdk: sdkAccepts(body) }).toEqual({ field, index, sdk: true });
        else refused += 1;
      }
    }
    // Most single changes leave the plain shape (and go to the SDK's classifier).
    expect(refused).toBeGreaterThan(30);
  });

  it('accepts nothing the SDK would not, on 3 000 seeded combinations', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let accepted = 0;
    for (let round = 0; round < 3_000; round += 1) {
      const choice = Object.fromEntries(
        Object.entries(CHOICES).map(([field, values]) => [
          field,
          // Mostly the plain value, so that accepted combinations occur too.
          random() < 0.6 ? 0 : Math.floor(random() * values.length),
        ]),
      ) as Choice;
      const { body, meta } = requestOf(choice);
      if (!isPlainModernRequest(body, meta, VERSION)) continue;
      accepted += 1;
      expect({ choice, sdk: sdkAccepts(body) }).toEqual({ choice, sdk: true });
    }
    expect(accepted).toBeGreaterThan(50);
  });
});
