// The `sizing` member of `npm run bench` (issue 20): what one budget scope, one reservation in flight, one
// settlement record, one stream entry and one legacy (2025-era) MCP session cost, so an operator can size Redis
// and a node's memory (docs/guides/operations.md "Sizing memory and Redis"). Each figure creates N of a thing and
// divides the growth of Redis's `used_memory` (a private redis-server) or of a node's retained V8 heap (after a
// full collection, in a child process) by N.

import { createRedisConnection, createRedisCostLedger, createRedisStateStore } from '@kidsstories/mesh-redis';
import { startOwnRedisServer } from '@kidsstories/mesh-redis/testing';
import { benchModulePath, memoryOf, startBenchChild, stopBenchChildren } from './bench-child.js';

/** Options for {@link runSizingBench}. */
export interface SizingBenchOptions {
  /** Budget scopes charged over a whole window. Default 200. */
  scopes?: number;
  /** Reservations (and so settlement records) and stream entries created. Default 5 000. */
  count?: number;
  /** Legacy MCP sessions opened on a node and on a gateway. Default 400 (the default cap is 1 000). */
  sessions?: number;
}

/** What {@link runSizingBench} measured, in bytes per thing. */
export interface SizingBenchResult {
  redis: {
    /** A budget scope charged in every bucket of its window (61 buckets of the default 60). */
    scopeFullWindowBytes: number;
    /** A reservation in flight on four scopes (`global` and three more). */
    reservationFourScopesBytes: number;
    /** A settlement record (what a settled reservation leaves for `settledRetentionMs`). */
    settlementRecordBytes: number;
    /** A stream entry of four short fields (as the pipeline's completion events). */
    streamEntryBytes: number;
  };
  /** Retained V8 heap per open legacy session (initialize, initialized, tools/list). */
  sessionBytes: { node: number; gateway: number };
  counts: { scopes: number; count: number; sessions: number };
}

const WINDOW_MS = 3_600_000;
const BUCKETS = 60;

/** Opens `count` 2025-era sessions on `mcpUrl` the way a client does: initialize, initialized, tools/list. */
async function openLegacySessions(mcpUrl: string, count: number): Promise<void> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const post = async (body: object, sessionId?: string) => {
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        ...headers,
        ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
      },
      body: JSON.stringify(body),
    });
    await response.text();
    if (!response.ok && response.status !== 202) {
      throw new Error(`legacy session request failed with HTTP ${response.status}`);
    }
    return response;
  };
  for (let index = 0; index < count; index += 1) {
    const opened = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'kidsstories-sizing', version: '1.0.0' },
      },
    });
    const sessionId = opened.headers.get('mcp-session-id');
    if (!sessionId) throw new Error('initialize answered without an Mcp-Session-Id');
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId);
    await post({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, sessionId);
  }
}

/** Retained heap growth per session of the node at `child`, in bytes. */
async function sessionCost(
  child: Awaited<ReturnType<typeof startBenchChild>>,
  count: number,
): Promise<number> {
  // One session first, so code paths are compiled and lazily built state exists before the baseline.
  await openLegacySessions(child.mcpUrl, 1);
  const before = await memoryOf(child);
  await openLegacySessions(child.mcpUrl, count);
  const after = await memoryOf(child);
  if (before.retainedHeapMb === undefined || after.retainedHeapMb === undefined) {
    throw new Error('the sizing child runs without --expose-gc');
  }
  return Math.round(((after.retainedHeapMb - before.retainedHeapMb) * 1024 * 1024) / count);
}

/** Runs the sizing measurements. */
export async function runSizingBench(options: SizingBenchOptions = {}): Promise<SizingBenchResult> {
  const scopes = options.scopes ?? 200;
  const count = options.count ?? 5_000;
  const sessions = options.sessions ?? 400;
  const redis = await startOwnRedisServer();
  const connection = createRedisConnection({ url: redis.url, instanceId: 'sizing' });
  let clockMs = 1_796_000_000_000;
  try {
    await connection.ready();
    const ledger = createRedisCostLedger({ connection, budgets: {}, now: () => clockMs });
    const state = createRedisStateStore({ connection });
    const used = async () => (await redis.info()).usedMemoryBytes;
    const cost = (costUsd: number) => ({ model: 'sizing', costUsd });

    // Scopes: every bucket of the window charged (the most a scope holds); `global` is one more scope.
    await ledger.record(cost(0.001), { scopes: ['tool:warm'] });
    let before = await used();
    for (let bucket = 0; bucket <= BUCKETS; bucket += 1) {
      await Promise.all(
        Array.from({ length: scopes }, (_, index) =>
          ledger.record(cost(0.001), { scopes: [`tool:s${index}`] }),
        ),
      );
      clockMs += WINDOW_MS / BUCKETS;
    }
    const scopeFullWindowBytes = (await used()) - before;

    // Reservations in flight on `global` plus three scopes that already exist.
    const four = ['day', 'server:text', 'tool:write_line'];
    await ledger.settle(await ledger.reserve(cost(0.01), { scopes: four }), cost(0.005));
    before = await used();
    const held = [];
    for (let index = 0; index < count; index += 100) {
      held.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, count - index) }, () =>
            ledger.reserve(cost(0.01), { scopes: four }),
          ),
        )),
      );
    }
    const reservationFourScopesBytes = (await used()) - before;
    for (let index = 0; index < held.length; index += 100) {
      await Promise.all(
        held.slice(index, index + 100).map((reservation) => ledger.settle(reservation, cost(0.005))),
      );
    }
    const settlementRecordBytes = (await used()) - before;

    // Stream entries: four short fields, as the pipeline's `story.complete`.
    await state.streamAppend('sizing:stream', { type: 'warm' });
    before = await used();
    for (let index = 0; index < count; index += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, count - index) }, (_, offset) =>
          state.streamAppend('sizing:stream', {
            type: 'story.complete',
            date: '2026-12-06',
            ageBand: '6-8',
            runId: `run-${index + offset}`,
          }),
        ),
      );
    }
    const streamEntryBytes = (await used()) - before;

    // Legacy sessions on a tool node and on a gateway in front of it, each in its own process.
    const child = benchModulePath('gateway-child');
    const node = await startBenchChild(child, ['tool'], ['--expose-gc']);
    const gateway = await startBenchChild(child, ['gateway', node.meshUrl ?? ''], ['--expose-gc']);
    let sessionBytes: SizingBenchResult['sessionBytes'];
    try {
      sessionBytes = {
        node: await sessionCost(node, sessions),
        gateway: await sessionCost(gateway, sessions),
      };
    } finally {
      await stopBenchChildren([gateway, node]);
    }
    return {
      redis: {
        scopeFullWindowBytes: Math.round(scopeFullWindowBytes / scopes),
        reservationFourScopesBytes: Math.round(reservationFourScopesBytes / count),
        settlementRecordBytes: Math.round(settlementRecordBytes / count),
        streamEntryBytes: Math.round(streamEntryBytes / count),
      },
      sessionBytes,
      counts: { scopes, count, sessions },
    };
  } finally {
    await connection.close();
    await redis.stop();
  }
}
