import * as z from 'zod';
import { pickCallMetadata } from '../../src/call/call-metadata.js';
import { MeshError } from '../../src/errors/mesh-error.js';
import type { InboundCall } from '../../src/host/tool-host.js';
import type { LinkCallOptions, NodeEvent, PeerLink } from '../../src/link/peer-link-types.js';
import { createLocalToolHost, type LocalToolHost } from '../../src/node/local-tool-host.js';
import type { MeshToolInfo } from '../../src/tool/tool-context.js';
import { type AnyToolDefinition, defineTool } from '../../src/tool/tool-definition.js';
import { memoryPorts } from '../mcp/fixtures.js';

// One in-memory port set for the MCP and the gateway tests.
export { memoryPorts } from '../mcp/fixtures.js';

/** What the peers' tool handlers saw, for assertions. */
export interface PeerRecord {
  /** `node:tool` of every call that reached a handler. */
  calls: string[];
  /** Metadata of every call that reached a handler. */
  contexts: Array<{ node: string; correlationId: string; hop: number; budgetId?: string; deadline?: number }>;
  /** Labels of `wait` calls whose signal aborted. */
  aborted: string[];
}

export function createRecord(): PeerRecord {
  return { calls: [], contexts: [], aborted: [] };
}

/** The tools every test peer hosts: `echo`, `wait` (until aborted), `hold` (for `ms`), `fail` (with `code`). */
export function peerTools(node: string, record: PeerRecord): AnyToolDefinition[] {
  const note = (
    tool: string,
    context: { correlationId: string; budgetId?: string; deadline?: number },
    hop: number,
  ) => {
    record.calls.push(`${node}:${tool}`);
    record.contexts.push({
      node,
      correlationId: context.correlationId,
      hop,
      ...(context.budgetId ? { budgetId: context.budgetId } : {}),
      ...(context.deadline ? { deadline: context.deadline } : {}),
    });
  };
  return [
    defineTool({
      name: 'echo',
      description: 'Returns its text and the node that answered.',
      inputSchema: z.object({ text: z.string() }),
      outputSchema: z.object({ text: z.string(), node: z.string() }),
      handler: async ({ text }, context) => {
        note('echo', context, context.hop);
        return { structuredContent: { text, node } };
      },
    }),
    defineTool({
      name: 'wait',
      description: 'Waits until its signal aborts.',
      inputSchema: z.object({ label: z.string() }),
      handler: ({ label }, context) => {
        note('wait', context, context.hop);
        return new Promise<never>((_resolve, reject) => {
          context.signal.addEventListener('abort', () => {
            record.aborted.push(label);
            reject(context.signal.reason);
          });
        });
      },
    }),
    defineTool({
      name: 'hold',
      description: 'Answers after `ms` milliseconds, reporting progress once.',
      inputSchema: z.object({ ms: z.number().int().min(0).max(5000) }),
      handler: async ({ ms }, context) => {
        note('hold', context, context.hop);
        context.reportProgress({ progress: 1, total: 2, message: `holding on ${node}` });
        await new Promise((resolve) => setTimeout(resolve, ms));
        return { structuredContent: { node } };
      },
    }),
    defineTool({
      name: 'fail',
      description: 'Fails with the given code.',
      inputSchema: z.object({ code: z.string() }),
      handler: async ({ code }, context) => {
        note('fail', context, context.hop);
        throw new MeshError(`failing on purpose on ${node}`, code as 'internal');
      },
    }),
  ];
}

/** An in-process {@link PeerLink} to a local host: tests switch it down and emit node events through it. */
export interface FakeLink extends PeerLink {
  readonly host: LocalToolHost;
  /** While true every call rejects `unavailable` (connection refused). */
  down: boolean;
  /** Calls that reached the link (before the down check). */
  attempts: number;
  emit(event: NodeEvent): void;
  /** The options of the last call. */
  lastOptions?: LinkCallOptions;
}

export function createFakeLink(url: string, tools: readonly AnyToolDefinition[] | LocalToolHost): FakeLink {
  const host = Array.isArray(tools)
    ? createLocalToolHost({ id: url, tools: tools as AnyToolDefinition[], ports: memoryPorts() })
    : (tools as LocalToolHost);
  const watchers = new Set<(event: NodeEvent) => void>();
  const refuse = () =>
    new MeshError(`connect ECONNREFUSED ${url}`, 'unavailable', { details: { origin: url } });
  /** Counts and records a call that reached the link, and what the host receives for it. */
  const received = (options: LinkCallOptions): InboundCall => {
    link.attempts += 1;
    link.lastOptions = options;
    if (link.down) throw refuse();
    const signal = options.signal ?? new AbortController().signal;
    // The metadata as a mesh link carries it (no principal: the next node authenticates the link, not the caller).
    const { principal: _principal, ...metadata } = pickCallMetadata(options.metadata);
    return {
      ...metadata,
      signal,
      ...(options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
  };
  const link: FakeLink = {
    url,
    host,
    down: false,
    attempts: 0,
    async listTools(): Promise<MeshToolInfo[]> {
      link.attempts += 1;
      if (link.down) throw refuse();
      return host.listTools();
    },
    async callTool(name, args, options) {
      return host.callTool(name, args, received(options));
    },
    async callToolOutcome(name, args, options) {
      return host.callToolOutcome(name, args, received(options));
    },
    async health() {
      if (link.down) throw refuse();
      return host.health();
    },
    watchEvents(listener) {
      watchers.add(listener);
      return () => {
        watchers.delete(listener);
      };
    },
    emit(event) {
      for (const watcher of watchers) watcher(event);
    },
    async close() {
      watchers.clear();
    },
  };
  return link;
}

/** A bare inbound call. */
export function inbound(overrides: Partial<InboundCall> = {}) {
  return { signal: new AbortController().signal, correlationId: 'corr-1', hop: 0, ...overrides };
}
