import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isLocalFailure } from '../../src/errors/mesh-error.js';
import { createMcpPeerLink, type McpPeerLink } from '../../src/link/mcp-peer-link.js';
import type { McpStdioPeerLinkOptions } from '../../src/link/mcp-peer-link-options.js';
import type { NodeEvent } from '../../src/link/peer-link-types.js';
import type { ClientLogRecord } from '../../src/observability/client-logger.js';
import { createJsonLogger } from '../../src/observability/logger.js';
import { eventually, meshFailureOf } from '../../src/testing/test-helpers.js';
import type { ToolProgress } from '../../src/tool/tool-context.js';

/** Waits until `condition` holds (the shared `eventually`, for a boolean condition). */
const waitUntil = (condition: () => boolean, timeoutMs = 10_000) =>
  eventually(() => expect(condition()).toBe(true), { timeoutMs, intervalMs: 20 });

// A plain MCP server on stdio behind `createMcpPeerLink`: the link starts the process, supervises it (restart with
// backoff after it exits), logs its stderr under a rate cap, gives it only the configured environment, and stops it
// on close. The server is a hand-written fixture (test/link/fixtures/raw-stdio-server.mjs).

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'raw-stdio-server.mjs');
const metadata = { correlationId: 'c-stdio', hop: 1 };

const links: McpPeerLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((link) => link.close()));
});

function stdioLink(mode: string, extra: Partial<McpStdioPeerLinkOptions> = {}): McpPeerLink {
  const link = createMcpPeerLink({
    command: process.execPath,
    args: [FIXTURE],
    restartBackoff: { initialDelayMs: 50, maxDelayMs: 500 },
    ...extra,
    env: { FIXTURE_MODE: mode, ...extra.env },
  });
  links.push(link);
  return link;
}

/** A logger that keeps every line it writes. */
function capturingLogger() {
  const lines: string[] = [];
  return { lines, logger: createJsonLogger({ level: 'debug', write: (line) => lines.push(line) }) };
}

describe('createMcpPeerLink over stdio', () => {
  it('lists and calls tools, with progress and the result passed through unchanged', async () => {
    // `meshMeta`: this upstream is told the mesh's correlation id and deadline (a plain one gets neither).
    const link = stdioLink('normal', { meshMeta: true });
    const tools = await link.listTools();
    expect(tools.map((tool) => tool.name)).toContain('echo');
    const result = await link.callTool(
      'echo',
      { text: 'hi' },
      { metadata: { ...metadata, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
    );
    expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
    const meta = (result.structuredContent as { meta: Record<string, unknown> }).meta;
    expect(meta['io.kidsstories/correlation-id']).toBe('c-stdio');
    expect(meta.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(typeof meta['io.kidsstories/timeout-ms']).toBe('number');
    const progress: ToolProgress[] = [];
    await link.callTool('progress', {}, { metadata, onProgress: (update) => progress.push(update) });
    expect(progress).toEqual([
      { progress: 1, total: 2, message: 'half' },
      { progress: 2, total: 2 },
    ]);
    expect(await link.health()).toBe('serving');
  });

  it('sends a 2025-era upstream no mesh _meta keys by default, only the trace context', async () => {
    const link = stdioLink('normal');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const result = await link.callTool('echo', { text: 'hi' }, { metadata: { ...metadata, traceparent } });
    expect((result.structuredContent as { meta: Record<string, unknown> }).meta).toEqual({ traceparent });
  });

  it('fails a call whose process is killed mid-call as unavailable, restarts it, and the next call succeeds', async () => {
    const { logger, lines } = capturingLogger();
    const link = stdioLink('normal', { logger });
    const events: NodeEvent[] = [];
    link.watchEvents((event) => events.push(event));
    await link.listTools();
    const firstPid = link.pid;
    expect(firstPid).toBeGreaterThan(0);
    const call = link.callTool('slow', { ms: 30_000 }, { metadata, timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(firstPid as number, 'SIGKILL');
    const failure = await meshFailureOf(call);
    expect(failure.code).toBe('unavailable');
    expect(failure.details.origin).toBe(`stdio:${process.execPath.split('/').pop()}`);
    await waitUntil(() => link.pid !== undefined && link.pid !== firstPid);
    const next = await link.callTool('echo', { text: 'again' }, { metadata });
    expect(next.content).toEqual([{ type: 'text', text: 'again' }]);
    // The restart is announced (its tools may differ) and logged.
    expect(events).toContainEqual({ kind: 'tools_changed', nodeId: link.name });
    expect(lines.some((line) => line.includes('upstream process exited; restarting'))).toBe(true);
  });

  it('tells a resource subscription it is lost when the process dies, and subscribes again after the restart', async () => {
    const { logger, lines } = capturingLogger();
    const link = stdioLink('normal', { logger });
    const lost: Array<{ code: string; origin: unknown }> = [];
    const stop = link.subscribeResource('raw://watched', () => {}, {
      onError: (error) => lost.push({ code: error.code, origin: error.details.origin }),
    });
    const subscribed = () =>
      lines.filter((line) => /upstream stderr.*resources\/subscribe raw:\/\/watched/.test(line)).length;
    await waitUntil(() => subscribed() === 1);
    const firstPid = link.pid as number;
    process.kill(firstPid, 'SIGKILL');
    await waitUntil(() => lost.length === 1);
    expect(lost[0]).toEqual({ code: 'unavailable', origin: link.name });
    // The link keeps the subscription: the restarted process is asked again.
    await waitUntil(() => subscribed() === 2);
    expect(link.pid).not.toBe(firstPid);
    stop();
    await waitUntil(() =>
      lines.some((line) => /upstream stderr.*resources\/unsubscribe raw:\/\/watched/.test(line)),
    );
    expect(lost).toHaveLength(1);
  });

  it('tells a resource subscription the upstream refused it', async () => {
    const link = stdioLink('refuse-subscribe');
    const lost: string[] = [];
    link.subscribeResource('raw://watched', () => {}, { onError: (error) => lost.push(error.message) });
    await waitUntil(() => lost.length === 1);
    expect(lost[0]).toContain('resources/subscribe failed');
    expect(lost[0]).toContain('subscriptions are switched off');
  });

  it('restarts a process that exits mid-call on its own, and a call during the backoff waits for it', async () => {
    const link = stdioLink('normal');
    const failure = await meshFailureOf(link.callTool('crash', {}, { metadata }));
    expect(failure.code).toBe('unavailable');
    const next = await link.callTool('echo', { text: 'back' }, { metadata, timeoutMs: 5_000 });
    expect(next.content).toEqual([{ type: 'text', text: 'back' }]);
  });

  it('carries the deadline: a reply that never comes fails deadline_exceeded and cancels the request', async () => {
    const { logger, lines } = capturingLogger();
    const link = stdioLink('normal', { logger });
    await link.listTools(); // started: the deadline below is the call's alone
    const failure = await meshFailureOf(link.callTool('slow', { ms: 10_000 }, { metadata, timeoutMs: 300 }));
    expect(failure.code).toBe('deadline_exceeded');
    // The fixture writes "cancelled <id>" to stderr when it receives notifications/cancelled.
    await waitUntil(() => lines.some((line) => /upstream stderr.*cancelled \d+/.test(line)));
  });

  it('maps a caller cancellation to canceled, invalid params to invalid_argument and an unknown tool to not_found', async () => {
    const link = stdioLink('normal');
    const controller = new AbortController();
    const call = link.callTool('slow', { ms: 10_000 }, { metadata, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await meshFailureOf(call)).code).toBe('canceled');
    expect((await meshFailureOf(link.callTool('strict', {}, { metadata }))).code).toBe('invalid_argument');
    const unknown = await meshFailureOf(link.callTool('nope', {}, { metadata }));
    expect(unknown.code).toBe('not_found');
    expect(unknown.details.reason).toBe('unknown_tool');
  });

  it('hands log records to the call only where it can tell whose they are (not on stdio)', async () => {
    const { logger, lines } = capturingLogger();
    const link = stdioLink('normal', { logger });
    const records: ClientLogRecord[] = [];
    const result = await link.callTool('log', {}, { metadata, onLog: (record) => records.push(record) });
    expect(result.content).toEqual([{ type: 'text', text: 'logged' }]);
    // One stdout stream for every call: the record goes to the gateway's log, never to a caller that may not own it.
    expect(records).toEqual([]);
    await waitUntil(() => lines.some((line) => line.includes('about to answer')));
  });

  it('gives the process only the configured environment and redacts its values from the logs', async () => {
    process.env.MESH_TEST_PARENT_SECRET = 'parent-secret-should-not-leak';
    try {
      const { logger, lines } = capturingLogger();
      const link = stdioLink('normal', { env: { FIXTURE_TOKEN: 'tok-abcdefgh-12345' }, logger });
      const result = await link.callTool('env', {}, { metadata });
      const { names, token } = result.structuredContent as { names: string[]; token: string };
      expect(token).toBe('tok-abcdefgh-12345');
      expect(names).not.toContain('MESH_TEST_PARENT_SECRET');
      logger.warn('echo of tok-abcdefgh-12345');
      expect(lines.join('\n')).not.toContain('tok-abcdefgh-12345');
      expect(lines.join('\n')).not.toContain('parent-secret-should-not-leak');
    } finally {
      delete process.env.MESH_TEST_PARENT_SECRET;
    }
  });

  it('rate-caps the stderr of a flooding process, and stays usable', async () => {
    const { logger, lines } = capturingLogger();
    const link = stdioLink('flood-stderr', {
      logger,
      maxStderrLinesPerMinute: 20,
      env: { FLOOD_SECRET: 'secret-stderr-value-123' },
    });
    const result = await link.callTool('echo', { text: 'through the flood' }, { metadata });
    expect(result.content).toEqual([{ type: 'text', text: 'through the flood' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stderrLines = lines.filter((line) => line.includes('"upstream stderr"'));
    expect(stderrLines.length).toBe(20);
    expect(stderrLines.join('\n')).not.toContain('secret-stderr-value-123');
  });

  it('survives malformed JSON-RPC: garbage lines are skipped, a reply that is not JSON times out', async () => {
    const link = stdioLink('malformed');
    expect((await link.listTools()).map((tool) => tool.name)).toContain('echo');
    const failure = await meshFailureOf(link.callTool('garbage', {}, { metadata, timeoutMs: 500 }));
    expect(failure.code).toBe('deadline_exceeded');
    const result = await link.callTool('echo', { text: 'still fine' }, { metadata });
    expect(result.content).toEqual([{ type: 'text', text: 'still fine' }]);
  });

  it('refuses a huge tool list and leaves out a tool nested too deeply', async () => {
    const huge = stdioLink('huge-list');
    const failure = await meshFailureOf(huge.listTools());
    expect(failure.code).toBe('resource_exhausted');
    const bad = stdioLink('bad-schemas');
    const names = (await bad.listTools()).map((tool) => tool.name);
    expect(names).toEqual(['echo', 'uncompilable']);
    // A schema that does not compile costs nothing: calls pass through without validation.
    const result = await bad.callTool('echo', { text: 'ok' }, { metadata });
    expect(result.content).toEqual([{ type: 'text', text: 'ok' }]);
    // A reply nested so deeply that the client cannot parse it ends the session: only this upstream's calls fail.
    const deep = stdioLink('deep-reply');
    expect((await meshFailureOf(deep.listTools())).code).toBe('unavailable');
  });

  it('reports a process that exits at start as unavailable with a retry hint', async () => {
    const link = stdioLink('exit-on-start', { connectTimeoutMs: 2_000 });
    const failure = await meshFailureOf(link.listTools({ timeoutMs: 3_000 }));
    expect(failure.code).toBe('unavailable');
    expect(failure.details.retryAfterMs).toEqual(expect.any(Number));
  });

  it('reports a command that cannot be run at once, naming it, with no restart; the next call tries again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-stdio-command-'));
    try {
      const command = join(dir, 'mcp-server');
      const { lines, logger } = capturingLogger();
      const link = createMcpPeerLink({ name: 'tools', command, logger });
      links.push(link);
      const missing = await meshFailureOf(link.listTools({ timeoutMs: 30_000 }));
      expect(missing.code).toBe('unavailable');
      expect(missing.message).toBe(
        `tools cannot be started: its command "${command}" was not found (ENOENT)`,
      );
      expect(missing.details).toMatchObject({
        origin: 'tools',
        reason: 'not_startable',
        spawnError: 'ENOENT',
      });
      // No restart is scheduled, so no retry hint; and a local failure, which the gateway's policy never retries.
      expect(missing.details.retryAfterMs).toBeUndefined();
      expect(isLocalFailure(missing)).toBe(true);
      expect(lines.some((line) => line.includes('"upstream cannot be started"'))).toBe(true);
      // There, but not executable.
      await writeFile(command, `#!${process.execPath}\nimport(${JSON.stringify(FIXTURE)});\n`);
      const denied = await meshFailureOf(link.listTools());
      expect(denied.message).toBe(
        `tools cannot be started: its command "${command}" is not executable (EACCES)`,
      );
      expect(denied.details).toMatchObject({ reason: 'not_startable', spawnError: 'EACCES' });
      // Fixed: the next call starts it.
      await chmod(command, 0o755);
      expect((await link.listTools()).map((tool) => tool.name)).toContain('echo');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops a process that ignores SIGTERM with SIGKILL on close', async () => {
    const link = stdioLink('ignore-term');
    await link.listTools();
    const pid = link.pid as number;
    await link.close();
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitUntil(() => !alive(), 10_000);
    const failure = await meshFailureOf(link.callTool('echo', { text: 'x' }, { metadata }));
    expect(failure.code).toBe('unavailable');
  }, 20_000);

  it('rejects bad options naming the field', () => {
    expect(() => createMcpPeerLink({ command: '' })).toThrow(/command/);
    expect(() => createMcpPeerLink({ url: 'ftp://example.com' })).toThrow(/url must be http/);
    expect(() => createMcpPeerLink({ command: 'x', env: { A: 1 as unknown as string } })).toThrow(
      /env\.A must be a string/,
    );
  });
});
