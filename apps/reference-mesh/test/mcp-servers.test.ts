import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  createGateway,
  createMcpPeerLink,
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  createMeshNode,
  type MeshNode,
} from '@kidsstories/mesh-core';
import type { McpPeerLink } from '@kidsstories/mesh-core/link';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as StreamableHTTPClientTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A real third-party MCP server from npm, @modelcontextprotocol/server-everything (pinned 2026.8.31, SDK v1), behind
// the reference mesh's gateway as `serve --mcp-servers FILE` starts it: stdio, listed and called through the gateway
// with both official clients. Resources, prompts and completion are also read on `createMcpPeerLink` directly, over
// stdio, Streamable HTTP and the legacy HTTP+SSE transport; over HTTP+SSE behind a gateway, its tools that ask for
// sampling and elicitation in the middle of a call are answered by clients of both eras.

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const require = createRequire(import.meta.url);
const EVERYTHING = join(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js',
);
const metadata = { correlationId: 'c-everything', hop: 1 };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts server-everything in one of its HTTP modes on a free port; resolves once it listens. */
async function startEverything(
  mode: 'sse' | 'streamableHttp',
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, mode], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything ${mode} did not start`)), 30_000);
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      if (/listening on port|running on port/i.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`server-everything ${mode} exited with ${code}`)));
  });
  return { child, port };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('server-everything on createMcpPeerLink (resources and prompts read on the link directly)', () => {
  const links: McpPeerLink[] = [];
  afterAll(async () => {
    await Promise.all(links.map((link) => link.close()));
  });

  it('over stdio: tools, a resource, a prompt and completion', async () => {
    const link = createMcpPeerLink({
      command: process.execPath,
      args: [EVERYTHING, 'stdio'],
      connectTimeoutMs: 20_000,
    });
    links.push(link);
    const names = (await link.listTools({ timeoutMs: 30_000 })).map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    const sum = await link.callTool('get-sum', { a: 2, b: 3 }, { metadata });
    expect(JSON.stringify(sum.content)).toContain('5');
    expect(await link.features()).toMatchObject({ resources: true, prompts: true, completions: true });
    const resources = await link.listResources({ metadata });
    const uri = resources.find((resource) => resource.uri.endsWith('architecture.md'))?.uri as string;
    const read = await link.readResource(uri, { metadata });
    expect((read.contents[0] as { text?: string }).text?.length).toBeGreaterThan(0);
    const prompt = await link.getPrompt('args-prompt', { city: 'Paris', state: 'Texas' }, { metadata });
    expect(JSON.stringify(prompt.messages)).toContain('Paris');
    const completion = await link.complete(
      {
        ref: { type: 'ref/prompt', name: 'completable-prompt' },
        argument: { name: 'department', value: 'E' },
        arguments: {},
      },
      { metadata },
    );
    expect(completion.values.length).toBeGreaterThan(0);
    expect(completion.values.every((value) => value.startsWith('E'))).toBe(true);
  });

  it.each(['sse', 'streamableHttp'] as const)('over HTTP (%s mode)', async (mode) => {
    const { child, port } = await startEverything(mode);
    try {
      const link =
        mode === 'sse'
          ? createMcpPeerLink({ url: `http://127.0.0.1:${port}/sse`, protocol: 'sse' })
          : createMcpPeerLink({ url: `http://127.0.0.1:${port}/mcp` });
      links.push(link);
      const result = await link.callTool('echo', { message: `over ${mode}` }, { metadata });
      expect(result.content).toEqual([{ type: 'text', text: `Echo: over ${mode}` }]);
      const prompt = await link.getPrompt('simple-prompt', {}, { metadata });
      expect(prompt.messages.length).toBeGreaterThan(0);
      await link.close();
    } finally {
      await stop(child);
    }
  });

  it('finds an HTTP+SSE server with protocol auto (Streamable HTTP refused, then SSE)', async () => {
    const { child, port } = await startEverything('sse');
    try {
      const link = createMcpPeerLink({ url: `http://127.0.0.1:${port}/sse`, era: 'legacy' });
      links.push(link);
      const result = await link.callTool('echo', { message: 'auto' }, { metadata });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: auto' }]);
      await link.close();
    } finally {
      await stop(child);
    }
  });
});

describe('server-everything over HTTP+SSE behind a gateway: input requests in the middle of a call', () => {
  // The 2025-era server sends sampling/createMessage and elicitation/create on its one SSE stream while the
  // tools/call runs; the gateway holds the upstream call and relays the request to the client (ADR 0013).
  let child: ChildProcess | undefined;
  let node: MeshNode | undefined;

  beforeAll(async () => {
    const started = await startEverything('sse');
    child = started.child;
    const ports = {
      state: createMemoryStateStore(),
      lock: createMemoryLock(),
      events: createMemoryEventBus(),
      ledger: createMemoryCostLedger(),
    };
    const gateway = createGateway({
      id: 'gw-everything-sse',
      ports,
      peers: [
        {
          name: 'everything',
          replicas: [{ mcp: { url: `http://127.0.0.1:${started.port}/sse`, protocol: 'sse' } }],
        },
      ],
    });
    node = createMeshNode({ id: 'gw-everything-sse', host: gateway, ports, mesh: false });
    await node.start();
  }, 60_000);

  afterAll(async () => {
    await node?.close();
    await stop(child);
  });

  it.each(['modern', 'legacy'] as const)(
    'a %s-era client answers the sampling and the elicitation of server-everything through the gateway',
    async (era) => {
      const asked: string[] = [];
      const client = new Client(
        { name: `everything-sse-${era}`, version: '1.0.0' },
        {
          versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' },
          capabilities: { sampling: {}, elicitation: { form: {} } },
        },
      );
      client.setRequestHandler('sampling/createMessage', async (request) => {
        const content = request.params.messages[0]?.content;
        asked.push(content && !Array.isArray(content) && content.type === 'text' ? content.text : '?');
        return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'Fox in a hat' } };
      });
      client.setRequestHandler('elicitation/create', async (request) => {
        asked.push(request.params.message);
        return { action: 'accept', content: { name: 'Ada Lovelace', check: true } };
      });
      await client.connect(new StreamableHTTPClientTransport(new URL(node!.mcpUrl)));
      try {
        // server-everything registers these tools once its client (the gateway's link) declared sampling and
        // elicitation, then says its list changed: the gateway lists again.
        let names: string[] = [];
        for (let attempt = 0; attempt < 100; attempt += 1) {
          names = (await client.listTools()).tools.map((tool) => tool.name);
          if (names.includes('trigger-sampling-request') && names.includes('trigger-elicitation-request'))
            break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(names).toEqual(
          expect.arrayContaining(['trigger-sampling-request', 'trigger-elicitation-request']),
        );
        const sampled = await client.callTool({
          name: 'trigger-sampling-request',
          arguments: { prompt: 'Name a story', maxTokens: 20 },
        });
        expect(JSON.stringify(sampled)).not.toContain('"isError":true');
        expect(sampled.isError).toBeFalsy();
        expect(JSON.stringify(sampled.content)).toContain('Fox in a hat');
        const elicited = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
        expect(elicited.isError).toBeFalsy();
        expect(JSON.stringify(elicited.content)).toContain('Name: Ada Lovelace');
        expect(asked).toEqual([
          'Resource trigger-sampling-request context: Name a story',
          'Please provide inputs for the following fields:',
        ]);
      } finally {
        await client.close();
      }
    },
    60_000,
  );
});

describe('serve --mcp-servers FILE', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let gatewayUrl: string;
  const banner: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-servers-'));
    const file = join(dir, 'claude_desktop_config.json');
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: {
          everything: {
            command: process.execPath,
            args: [EVERYTHING, 'stdio'],
            env: { EVERYTHING_TOKEN: 'tok-secret-1234567' },
          },
          broken: { command: join(dir, 'no-such-server') },
        },
      }),
    );
    server = spawn(
      process.execPath,
      [CLI, 'serve', '--port', '0', '--out', join(dir, 'out'), '--mcp-servers', file],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const errors: string[] = [];
    createInterface({ input: server.stderr as NodeJS.ReadableStream }).on('line', (line) =>
      errors.push(line),
    );
    gatewayUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${errors.join('\n')}`)), 90_000);
      let url: string | undefined;
      createInterface({ input: server?.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        banner.push(line);
        url ??= /^Gateway MCP endpoint: (\S+)/.exec(line)?.[1];
        if (url && line.startsWith('Press Ctrl+C')) {
          clearTimeout(timer);
          resolve(url);
        }
      });
      server?.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited with ${code}:\n${errors.join('\n')}`));
      });
    });
  }, 120_000);

  afterAll(async () => {
    await stop(server);
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the gateway URL and each server: its tool count, or why it is skipped', () => {
    expect(banner.join('\n')).toMatch(/MCP server everything: \d+ tools/);
    // A command that does not exist is a configuration error: reported at once, naming the entry and the command.
    expect(banner).toContain(
      `  MCP server broken: not available: broken cannot be started: its command "${join(dir, 'no-such-server')}" ` +
        'was not found (ENOENT); skipped (listed again when it answers)',
    );
    expect(banner.join('\n')).not.toContain('tok-secret-1234567');
  });

  it('lists and calls server-everything beside the KidsStories tools with the SDK v2 client', async () => {
    const client = new Client({ name: 'v2', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl)));
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['orchestrate', 'echo', 'get-sum']));
      const echo = await client.callTool({ name: 'echo', arguments: { message: 'through the gateway' } });
      expect(echo.content).toEqual([{ type: 'text', text: 'Echo: through the gateway' }]);
    } finally {
      await client.close();
    }
  });

  it('lists and calls server-everything with the SDK v1 client', async () => {
    const client = new ClientV1({ name: 'v1', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransportV1(new URL(gatewayUrl)));
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['orchestrate', 'echo', 'get-sum']));
      const sum = await client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } });
      expect(JSON.stringify(sum.content)).toContain('42');
    } finally {
      await client.close();
    }
  });
});

describe('serve --mcp-servers, refusing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-servers-bad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 naming the entry and the field of bad config', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ mcpServers: { github: { url: 'ftp://example.com' } } }));
    const result = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--mcp-servers', file], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('mcpServers.github.url');
  });

  it('exits 1 naming the server that did not start, with --fail-closed', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(
      file,
      JSON.stringify({ mcpServers: { broken: { command: join(dir, 'no-such-server') } } }),
    );
    const result = spawnSync(
      process.execPath,
      [CLI, 'serve', '--port', '0', '--out', join(dir, 'out'), '--mcp-servers', file, '--fail-closed'],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `--fail-closed: MCP servers did not start: broken (broken cannot be started: its command "${join(dir, 'no-such-server')}" was not found (ENOENT))`,
    );
  }, 120_000);
});
