import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../errors/mesh-error.js';
import type { InboundCall } from '../host/tool-host.js';
import type { LinkCallOptions, MeshCaller } from '../link/peer-link-types.js';
import { createMemoryCostLedger } from '../memory/memory-cost-ledger.js';
import { createMemoryEventBus } from '../memory/memory-event-bus.js';
import { createMemoryLock } from '../memory/memory-lock.js';
import { createMemoryStateStore } from '../memory/memory-state-store.js';
import { createMeshMetrics } from '../observability/metrics.js';
import type { ToolContext } from '../tool/tool-context.js';
import { type AnyToolDefinition, defineTool } from '../tool/tool-definition.js';
import { createLocalToolHost, type LocalToolHostOptions } from './local-tool-host.js';

const ports = () => ({
  state: createMemoryStateStore(),
  lock: createMemoryLock(),
  events: createMemoryEventBus(),
  ledger: createMemoryCostLedger(),
});

const call = (overrides: Partial<InboundCall> = {}): InboundCall => ({
  signal: new AbortController().signal,
  correlationId: 'corr-1',
  hop: 0,
  ...overrides,
});

const book = defineTool({
  name: 'make_book',
  description: 'Makes a book.',
  inputSchema: z.object({ title: z.string(), pages: z.array(z.object({ text: z.string().min(1) })).max(24) }),
  outputSchema: z.object({ pageCount: z.number().int() }),
  handler: async ({ pages }) => ({ structuredContent: { pageCount: pages.length } }),
});

function host(tools: AnyToolDefinition[], options: Partial<LocalToolHostOptions> = {}) {
  return createLocalToolHost({ id: 'n1', tools, ports: ports(), ...options });
}

function tool(name: string, handler: AnyToolDefinition['handler'], extra: Partial<AnyToolDefinition> = {}) {
  return {
    name,
    description: name,
    inputSchema: z.object({}),
    handler,
    ...extra,
  } satisfies AnyToolDefinition;
}

afterEach(() => {
  vi.useRealTimers();
});

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (caught) {
    return caught;
  }
  throw new Error('expected a throw');
}

describe('createLocalToolHost: creation', () => {
  it('rejects invalid and duplicate names', () => {
    expect(() => host([tool('bad name!', async () => ({}))])).toThrow(/invalid tool name "bad name!"/);
    expect(() => host([tool('x'.repeat(65), async () => ({}))])).toThrow(MeshError);
    const error = catchSync(() => host([tool('twin', async () => ({})), tool('twin', async () => ({}))]));
    expect(error).toMatchObject({ code: 'already_exists', details: { tool: 'twin' } });
  });

  it('rejects schemas that are not objects', () => {
    expect(() => host([tool('s', async () => ({}), { inputSchema: z.string() })])).toThrow(
      /must describe an object/,
    );
  });

  it('computes JSON Schemas (draft 2020-12) once, at registration', async () => {
    const schema = z.object({ a: z.number() });
    const spy = vi.spyOn(schema['~standard'].jsonSchema, 'input');
    const h = host([tool('once', async () => ({}), { inputSchema: schema })]);
    await h.listTools();
    await h.listTools();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenCalledWith({ target: 'draft-2020-12' });
    const [info] = await h.listTools();
    expect(info?.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' } } });
  });
});

describe('createLocalToolHost: calls', () => {
  it('runs a tool and returns structured output with a JSON text block', async () => {
    const result = await host([book]).callTool(
      'make_book',
      { title: 't', pages: [{ text: 'a' }, { text: 'b' }] },
      call(),
    );
    expect(result).toEqual({
      content: [{ type: 'text', text: '{"pageCount":2}' }],
      structuredContent: { pageCount: 2 },
    });
  });

  it('names the closest tools for an unknown tool', async () => {
    const h = host([book, tool('make_cover', async () => ({})), tool('delete_all', async () => ({}))]);
    const error = (await h
      .callTool('make_bok', {}, call())
      .catch((caught: MeshError) => caught)) as MeshError;
    expect(error).toMatchObject({ code: 'not_found' });
    expect(error.details.suggestions?.[0]).toBe('make_book');
    expect(error.message).toContain('make_book');
  });

  it('names the first failing field for invalid arguments', async () => {
    const error = (await host([book])
      .callTool('make_book', { title: 't', pages: [{ text: 'a' }, { text: 'b' }, { text: '' }] }, call())
      .catch((caught: MeshError) => caught)) as MeshError;
    expect(error).toMatchObject({ code: 'invalid_argument', details: { field: 'pages.2.text' } });
    expect(error.message).toContain('pages.2.text');
  });

  it('rejects output that does not match the outputSchema as internal', async () => {
    const broken = {
      ...book,
      name: 'broken',
      handler: async () => ({ structuredContent: { pageCount: 'two' } }),
    };
    const missing = { ...book, name: 'missing', handler: async () => ({ content: [] }) };
    const h = host([broken, missing] as AnyToolDefinition[]);
    const args = { title: 't', pages: [] };
    await expect(h.callTool('broken', args, call())).rejects.toMatchObject({
      code: 'internal',
      details: { field: 'pageCount' },
    });
    await expect(h.callTool('missing', args, call())).rejects.toMatchObject({ code: 'internal' });
  });

  it('keeps a handler MeshError and converts anything else to internal', async () => {
    const h = host([
      tool('coded', async () => {
        throw new MeshError('no budget', 'resource_exhausted');
      }),
      tool('crash', async () => {
        throw new RangeError('boom');
      }),
    ]);
    await expect(h.callTool('coded', {}, call())).rejects.toMatchObject({ code: 'resource_exhausted' });
    await expect(h.callTool('crash', {}, call())).rejects.toMatchObject({
      code: 'internal',
      message: 'boom',
    });
  });

  it('aborts a tool at its own timeout, even when the handler ignores the signal', async () => {
    vi.useFakeTimers();
    let seen: ToolContext | undefined;
    const h = host(
      [
        tool(
          'stuck',
          async (_input, context) => {
            seen = context;
            return new Promise(() => {});
          },
          { timeoutMs: 500 },
        ),
      ],
      { defaultTimeoutMs: 10_000 },
    );
    const pending = h.callTool('stuck', {}, call()).catch((caught: MeshError) => caught);
    await vi.advanceTimersByTimeAsync(499);
    expect(seen?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await pending;
    expect(error).toMatchObject({ code: 'deadline_exceeded', details: { limit: 500, limitUnit: 'ms' } });
    expect(seen?.signal.aborted).toBe(true);
  });

  it("uses the caller's deadline when it is earlier than the tool timeout", async () => {
    vi.useFakeTimers();
    const h = host([tool('stuck', () => new Promise(() => {}))], { defaultTimeoutMs: 60_000 });
    const pending = h
      .callTool('stuck', {}, call({ deadline: Date.now() + 200 }))
      .catch((caught: MeshError) => caught);
    await vi.advanceTimersByTimeAsync(200);
    expect(await pending).toMatchObject({ code: 'deadline_exceeded', details: { limit: 200 } });
  });

  it("cancels when the caller's signal aborts", async () => {
    const controller = new AbortController();
    const h = host([tool('stuck', () => new Promise(() => {}))]);
    const pending = h.callTool('stuck', {}, call({ signal: controller.signal }));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'canceled' });
  });

  it('records metrics per call', async () => {
    const metrics = createMeshMetrics();
    const h = host([book, tool('crash', async () => Promise.reject(new Error('x')))], { metrics });
    await h.callTool('make_book', { title: 't', pages: [] }, call());
    await h.callTool('crash', {}, call()).catch(() => {});
    const text = await metrics.render();
    expect(text).toMatch(
      /mesh_tool_call_duration_seconds_count\{tool="make_book",node="n1",outcome="ok"\} 1/,
    );
    expect(text).toMatch(/mesh_errors_total\{code="internal",tool="crash",node="n1"\} 1/);
  });
});

describe('createLocalToolHost: context.mesh', () => {
  it('rejects with failed_precondition when no mesh client is configured', async () => {
    const h = host([
      tool('caller', async (_input, context) => {
        await context.mesh.callTool('x', {});
        return {};
      }),
    ]);
    await expect(h.callTool('caller', {}, call())).rejects.toMatchObject({
      code: 'failed_precondition',
      message: 'no mesh client configured',
    });
  });

  it('forwards deadline, correlation, trace, budget and hop + 1 on outbound calls', async () => {
    vi.useFakeTimers();
    const received: LinkCallOptions[] = [];
    const mesh: MeshCaller = {
      callTool: async (_name, _args, options) => {
        received.push(options);
        return { content: [] };
      },
      listTools: async () => [],
    };
    const h = host(
      [
        tool('caller', async (_input, context) => {
          await context.mesh.callTool('peer_tool', {}, { timeoutMs: 5_000 });
          return {};
        }),
      ],
      { mesh },
    );
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await h.callTool(
      'caller',
      {},
      call({ deadline: Date.now() + 1_000, traceparent, budgetId: 'b-1', hop: 2, correlationId: 'corr-9' }),
    );
    const [options] = received;
    expect(options?.timeoutMs).toBe(1_000);
    expect(options?.metadata).toMatchObject({ correlationId: 'corr-9', budgetId: 'b-1', hop: 3 });
    expect(options?.metadata.traceparent?.split('-')[1]).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(options?.signal).toBeInstanceOf(AbortSignal);
  });
});

describe('createLocalToolHost: lifecycle', () => {
  it('emits onToolsChanged on addTool and removeTool', () => {
    const h = host([]);
    const listener = vi.fn();
    const stop = h.onToolsChanged(listener);
    h.addTool(book);
    expect(h.removeTool('make_book')).toBe(true);
    expect(h.removeTool('make_book')).toBe(false);
    expect(listener).toHaveBeenCalledTimes(2);
    stop();
    h.addTool(book);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('drains: refuses new calls, lets in-flight ones finish, aborts them after graceMs', async () => {
    vi.useFakeTimers();
    let finish: () => void = () => {};
    const h = host([
      tool('held', () => new Promise((resolve) => (finish = () => resolve({ content: [] })))),
      tool('stuck', () => new Promise(() => {})),
    ]);
    const held = h.callTool('held', {}, call());
    await vi.advanceTimersByTimeAsync(0);
    let drained = false;
    const draining = h.drain().then(() => (drained = true));
    expect(h.health()).toBe('draining');
    await expect(h.callTool('held', {}, call())).rejects.toMatchObject({ code: 'unavailable' });
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    finish();
    await held;
    await draining;
    expect(h.inFlight).toBe(0);

    const other = host([tool('stuck', () => new Promise(() => {}))]);
    const stuck = other.callTool('stuck', {}, call()).catch((caught: MeshError) => caught);
    await vi.advanceTimersByTimeAsync(0);
    const graceful = other.drain({ graceMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    await graceful;
    expect(await stuck).toMatchObject({ code: 'unavailable' });
  });
});
