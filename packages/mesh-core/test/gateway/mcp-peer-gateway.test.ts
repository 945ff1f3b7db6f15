import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import type { GatewayPeerOptions } from '../../src/gateway/gateway-peer.js';
import type { InboundCall } from '../../src/host/tool-host.js';
import { createMcpPeerLink, type McpPeerLink } from '../../src/link/mcp-peer-link.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import { createJsonLogger } from '../../src/observability/logger.js';
import { meshFailureOf } from '../../src/testing/test-helpers.js';
import type { ToolProgress } from '../../src/tool/tool-context.js';
import { createRecord, memoryPorts, type PeerRecord, peerTools } from './fixtures.js';
import { connectMcpClient, type RunningPeer, startMcpEdge, startPeer } from './sockets.js';

// Plain MCP servers as gateway peers (`replicas: [{ mcp: … }]`): routing, failover, retries, deadlines, breakers,
// progress, metrics and `circuit_status` work for them as for mesh peers, and hostile or broken upstreams (huge or
// deeply nested lists, schemas that do not compile, replies that never come, malformed JSON-RPC, processes that
// exit or flood stderr) cost only their own peer: the gateway and the other peers stay unharmed.

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'link',
  'fixtures',
  'raw-stdio-server.mjs',
);

function inbound(overrides: Partial<InboundCall> = {}): InboundCall {
  return { signal: new AbortController().signal, correlationId: 'c-gw', hop: 0, ...overrides };
}

function stdioPeer(name: string, mode: string, extra: Partial<GatewayPeerOptions> = {}): GatewayPeerOptions {
  return {
    name,
    replicas: [
      {
        mcp: {
          command: process.execPath,
          args: [FIXTURE],
          env: { FIXTURE_MODE: mode },
          connectTimeoutMs: 3_000,
          restartBackoff: { initialDelayMs: 50, maxDelayMs: 500 },
        },
      },
    ],
    ...extra,
  };
}

/** A plain MCP server over Streamable HTTP (an upstream of the gateway, not a mesh node). */
interface Upstream {
  mcpUrl: string;
  close(): Promise<void>;
}

/**
 * Serves `peerTools` on the test MCP edge, whose server leaves closing idle connections to its clients (see
 * `startMcpEdge`): the gateway's pooled connections to it are never reset under it when this process stalls.
 */
async function startUpstream(id: string, record: PeerRecord): Promise<Upstream> {
  const edge = await startMcpEdge(
    createLocalToolHost({ id, tools: peerTools(id, record), ports: memoryPorts() }),
  );
  return { mcpUrl: edge.url, close: () => edge.close() };
}

const noRetry: Partial<GatewayPeerOptions> = { policy: { retry: { maxAttempts: 1 } } };

describe('plain MCP servers behind the gateway, beside hostile ones and a mesh peer', () => {
  const lines: string[] = [];
  const startedAt = Date.now();
  let record: PeerRecord;
  let upstreamA: Upstream;
  let upstreamB: Upstream;
  let meshPeer: RunningPeer;
  let gateway: Gateway;
  let stdioLink: McpPeerLink;
  let edge: Awaited<ReturnType<typeof startMcpEdge>>;

  beforeAll(async () => {
    record = createRecord();
    upstreamA = await startUpstream('http-a', record);
    upstreamB = await startUpstream('http-b', record);
    meshPeer = await startPeer('meshy', createRecord());
    stdioLink = createMcpPeerLink({
      command: process.execPath,
      args: [FIXTURE],
      env: { FIXTURE_MODE: 'normal' },
      restartBackoff: { initialDelayMs: 50, maxDelayMs: 500 },
    });
    gateway = createGateway({
      id: 'gw-mcp',
      ports: memoryPorts(),
      prefixMode: 'always',
      // The first listing includes starting eight processes at once on a busy machine.
      listTimeoutMs: 20_000,
      logger: createJsonLogger({ level: 'debug', write: (line) => lines.push(line) }),
      peers: [
        {
          name: 'plain',
          replicas: [{ mcp: { url: upstreamA.mcpUrl } }, { mcp: { url: upstreamB.mcpUrl, era: 'modern' } }],
          policy: { retry: { maxAttempts: 1 } },
        },
        // A link this test owns (so it can read the process id); the others are created by the gateway.
        { name: 'stdio', replicas: [stdioLink], policy: { retry: { maxAttempts: 1 } } },
        { name: 'meshy', replicas: [meshPeer.url] },
        // The peers whose every listing fails are not retried: the retries (and the restarts they wait for) only
        // held up the start, listing tools then resources and prompts, by ten seconds and more.
        stdioPeer('huge', 'huge-list', noRetry),
        stdioPeer('badschema', 'bad-schemas'),
        stdioPeer('silent', 'never-reply', {
          policy: { timeouts: { globalMs: 500 }, retry: { maxAttempts: 1 } },
        }),
        stdioPeer('flood', 'flood-stderr'),
        stdioPeer('garbage', 'malformed', {
          policy: { timeouts: { globalMs: 500 }, retry: { maxAttempts: 1 } },
        }),
        stdioPeer('broken', 'exit-on-start', noRetry),
        stdioPeer('deep', 'deep-reply', noRetry),
      ],
    });
    await gateway.start();
    // Under load a first listing may miss its deadline: list until every well-behaved peer is in.
    const good = ['plain', 'stdio', 'meshy', 'badschema', 'silent', 'flood', 'garbage'];
    for (let round = 0; round < 3; round += 1) {
      const status = gateway.peerStatus();
      if (good.every((name) => (status.find((peer) => peer.peer === name)?.toolCount ?? 0) > 0)) break;
      await gateway.refresh();
    }
    edge = await startMcpEdge(gateway);
  }, 120_000);

  afterAll(async () => {
    await edge?.close();
    await gateway?.close();
    await stdioLink?.close();
    await upstreamA?.close();
    await upstreamB?.close();
    await meshPeer?.server.close();
  });

  it('lists the good peers’ tools and leaves out only what is broken', async () => {
    const names = (await gateway.listTools()).map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['plain_echo', 'stdio_echo', 'meshy_echo', 'flood_echo']));
    expect(names).toContain('badschema_uncompilable');
    expect(names).not.toContain('badschema_deep');
    expect(names.some((name) => name.startsWith('huge_') || name.startsWith('deep_'))).toBe(false);
    const status = Object.fromEntries(gateway.peerStatus().map((peer) => [peer.peer, peer]));
    // Refused as too long, or cut off by the listing deadline while the machine is busy parsing it, or, once its
    // listings failed often enough, refused by its own open breaker: skipped in every case.
    expect(status.huge?.listError).toMatch(
      /more than 10000 tools|did not complete|in time|circuit for peer:huge is open/,
    );
    expect(status.broken?.listError).toBeDefined();
    expect(status.plain?.replicas.map((replica) => replica.url)).toEqual([
      `mcp:${upstreamA.mcpUrl}`,
      `mcp:${upstreamB.mcpUrl}`,
    ]);
  });

  it('calls plain MCP peers over HTTP and stdio through the MCP edge, with both client eras', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const client = await connectMcpClient(edge.url, era);
      try {
        const http = await client.callTool({ name: 'plain_echo', arguments: { text: `hi ${era}` } });
        expect(http.structuredContent).toMatchObject({ text: `hi ${era}` });
        const stdio = await client.callTool({ name: 'stdio_echo', arguments: { text: 'over stdio' } });
        expect(stdio.content).toEqual([{ type: 'text', text: 'over stdio' }]);
        const schemaless = await client.callTool({ name: 'badschema_echo', arguments: { text: 'fine' } });
        expect(schemaless.content).toEqual([{ type: 'text', text: 'fine' }]);
      } finally {
        await client.close();
      }
    }
  });

  it('routes round-robin over two MCP replicas (one per era) and passes progress back', async () => {
    const nodes = new Set<string>();
    const progress: ToolProgress[] = [];
    for (let i = 0; i < 4; i += 1) {
      const result = await gateway.callTool(
        'plain_hold',
        { ms: 10 },
        inbound({ onProgress: (update) => progress.push(update) }),
      );
      nodes.add((result.structuredContent as { node: string }).node);
    }
    expect([...nodes].sort()).toEqual(['http-a', 'http-b']);
    expect(progress.length).toBe(4);
    expect(progress[0]).toMatchObject({ progress: 1, total: 2 });
  });

  it('carries the deadline: a peer that never answers fails deadline_exceeded, the others answer meanwhile', async () => {
    // Its failure is taken at once: on a busy machine it may come before the other call's answer.
    const silent = meshFailureOf(gateway.callTool('silent_echo', { text: 'x' }, inbound()));
    const answered = await gateway.callTool('meshy_echo', { text: 'meanwhile' }, inbound());
    expect(answered.structuredContent).toMatchObject({ text: 'meanwhile' });
    expect((await silent).code).toBe('deadline_exceeded');
    expect((await meshFailureOf(gateway.callTool('garbage_garbage', {}, inbound()))).code).toBe(
      'deadline_exceeded',
    );
    const fine = await gateway.callTool('garbage_echo', { text: 'still fine' }, inbound());
    expect(fine.content).toEqual([{ type: 'text', text: 'still fine' }]);
  });

  it('fails a call whose stdio upstream is killed mid-call as unavailable; the next call succeeds', async () => {
    await gateway.callTool('stdio_echo', { text: 'warm' }, inbound());
    const pid = stdioLink.pid as number;
    const call = gateway.callTool('stdio_slow', { ms: 20_000 }, inbound());
    await new Promise((resolve) => setTimeout(resolve, 150));
    process.kill(pid, 'SIGKILL');
    const failure = await meshFailureOf(call);
    expect(failure.code).toBe('unavailable');
    const next = await gateway.callTool(
      'stdio_echo',
      { text: 'restarted' },
      inbound({ deadline: Date.now() + 10_000 }),
    );
    expect(next.content).toEqual([{ type: 'text', text: 'restarted' }]);
    expect(stdioLink.pid).not.toBe(pid);
  });

  it('counts MCP peers in the metrics and shows them in circuit_status', async () => {
    const text = await gateway.metrics.registry.metrics();
    expect(text).toMatch(/peer_call_duration_seconds_count\{[^}]*peer="plain"[^}]*\} [1-9]/);
    expect(text).toMatch(/peer_call_duration_seconds_count\{[^}]*peer="stdio"[^}]*\} [1-9]/);
    const status = await gateway.callTool('circuit_status', {}, inbound());
    const shown = JSON.stringify(status.structuredContent);
    expect(shown).toContain('"peer":"plain"');
    expect(shown).toContain('mcp:stdio:node');
  });

  it('logs a flooding process under the rate cap and never its arguments', () => {
    const stderr = lines.filter((line) => line.includes('"upstream stderr"') && line.includes('flood line'));
    expect(stderr.length).toBeGreaterThan(0);
    // At most 120 lines per started minute (the default cap).
    expect(stderr.length).toBeLessThanOrEqual(120 * Math.ceil((Date.now() - startedAt) / 60_000 + 1));
    // The command line (where tokens may be) is never logged; only the processes' own stderr may name the file.
    const ownLines = lines.filter((line) => !line.includes('"upstream stderr"'));
    expect(ownLines.join('\n')).not.toContain(FIXTURE);
  });
});

describe('the breaker of an MCP peer', () => {
  it('opens when the upstream goes down, then rejects fast without calling it', async () => {
    const node = await startUpstream('going-down', createRecord());
    const breaker = {
      failureRatio: 0.5,
      samplingDurationMs: 5_000,
      minimumThroughput: 4,
      breakDurationMs: 60_000,
    };
    const gateway = createGateway({
      id: 'gw-breaker-mcp',
      ports: memoryPorts(),
      peers: [
        {
          name: 'down',
          replicas: [{ mcp: { url: node.mcpUrl } }],
          policy: { retry: { maxAttempts: 1 }, breaker },
        },
      ],
    });
    try {
      await gateway.start();
      expect((await gateway.callTool('echo', { text: 'up' }, inbound())).structuredContent).toMatchObject({
        text: 'up',
      });
      await node.close();
      for (let i = 0; i < 10 && gateway.peerStatus()[0]?.circuit.state === 'closed'; i += 1) {
        expect((await meshFailureOf(gateway.callTool('echo', { text: 'x' }, inbound()))).code).toBe(
          'unavailable',
        );
      }
      expect(gateway.peerStatus()[0]?.circuit.state).toBe('open');
      const rejected = await meshFailureOf(gateway.callTool('echo', { text: 'x' }, inbound()));
      expect(rejected.code).toBe('unavailable');
      expect(rejected.details.circuit).toBe('open');
      const text = await gateway.metrics.registry.metrics();
      expect(text).toMatch(/breaker_state\{[^}]*target="peer:down"[^}]*\} 2/);
    } finally {
      await gateway.close();
    }
  });
});
