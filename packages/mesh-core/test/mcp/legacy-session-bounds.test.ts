// Issue 20 item 2: legacy (2025-era) sessions are bounded in number and in idle time, however many clients come.
import { afterEach, expect, it } from 'vitest';
import { createManualClock } from '../../src/testing/test-helpers.js';
import { createExampleHost, type RunningEdge, rawPost, startEdge } from './fixtures.js';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

let edge: RunningEdge | undefined;
afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

const open = async () => (await rawPost(edge!.url, INITIALIZE)).headers.get('mcp-session-id')!;
const statusOf = async (id: string) =>
  (await rawPost(edge!.url, LIST, { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' })).status;

it('keeps at most maxLegacySessions of 30 clients, the most recent ones', { timeout: 60_000 }, async () => {
  edge = await startEdge(createExampleHost({ aborted: [], contexts: [] }), { maxLegacySessions: 5 });
  const ids: string[] = [];
  for (let index = 0; index < 30; index += 1) ids.push(await open());
  // Checked newest first: a check is a use, and must not make an older session the most recent.
  const statuses: number[] = [];
  for (const id of [...ids].reverse()) statuses.unshift(await statusOf(id));
  expect(statuses.filter((status) => status === 200)).toHaveLength(5);
  expect(statuses.slice(-5)).toEqual(Array(5).fill(200));
});

it('closes a session idle for legacySessionIdleMs, on the injected clock', async () => {
  const clock = createManualClock();
  edge = await startEdge(createExampleHost({ aborted: [], contexts: [] }), {
    legacySessionIdleMs: 60_000,
    now: clock.now,
  });
  const idle = await open();
  const busy = await open();
  clock.advance(59_000);
  expect(await statusOf(busy)).toBe(200);
  clock.advance(1_001);
  // 60 001 ms without use: gone; the session used 1 001 ms ago is kept.
  expect(await statusOf(idle)).toBe(404);
  expect(await statusOf(busy)).toBe(200);
});
