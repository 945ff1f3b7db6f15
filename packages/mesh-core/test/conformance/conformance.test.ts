import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { memoryPorts } from '../gateway/fixtures.js';
import { bundleForNode, type NodeBundle } from '../support/bundle-for-node.js';
import { conformanceFixture } from './fixture-node.js';

// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.13, the last release that runs on
// Node 20) as the referee: the whole server suite against the fixture node (a) over Streamable HTTP directly,
// (b) through a gateway with the fixture node as its mesh peer, (c) through a gateway with the fixture served as a
// plain MCP server over Streamable HTTP (createMcpPeerLink), and (d) over stdio. The suite's CLI only takes --url,
// so stdio is reached through supergateway (a stdio-to-Streamable-HTTP bridge from npm) running the fixture as a
// child process per session. Each scenario's checks are read from
// the suite's results folder, so a failure names the scenario and the check.

const HERE = dirname(fileURLToPath(import.meta.url));
const require = (await import('node:module')).createRequire(import.meta.url);
const CONFORMANCE_CLI = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
const SUPERGATEWAY_CLI = join(dirname(require.resolve('supergateway/package.json')), 'dist/index.js');

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
}

interface SuiteRun {
  exitCode: number | null;
  output: string;
  /** Checks per scenario, read from `<scenario>/checks.json` under the results folder. */
  scenarios: Map<string, Check[]>;
}

async function expectedFailures(file: string): Promise<Set<string>> {
  const parsed = parse(await readFile(join(HERE, file), 'utf8')) as { server?: string[] };
  return new Set(parsed.server ?? []);
}

async function runSuite(url: string, expectedFile: string): Promise<SuiteRun> {
  const resultsDir = await mkdtemp(join(tmpdir(), 'mesh-conformance-'));
  try {
    const { exitCode, output } = await new Promise<{ exitCode: number | null; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          CONFORMANCE_CLI,
          'server',
          '--url',
          url,
          '--suite',
          'all',
          '--output-dir',
          resultsDir,
          '--expected-failures',
          join(HERE, expectedFile),
        ],
        { cwd: resultsDir, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
        (error, stdout, stderr) => {
          const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
          resolve({ exitCode: code, output: `${stdout}\n${stderr}` });
        },
      );
    });
    const scenarios = new Map<string, Check[]>();
    for (const entry of await readdir(resultsDir)) {
      // Folders are named server-<scenario>-<ISO timestamp with dashes>.
      const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
      scenarios.set(
        scenario,
        JSON.parse(await readFile(join(resultsDir, entry, 'checks.json'), 'utf8')) as Check[],
      );
    }
    return { exitCode, output, scenarios };
  } finally {
    await rm(resultsDir, { recursive: true, force: true });
  }
}

/** The scenarios with a failed check, or a warning when not expected, each with its failing checks. */
function problems(run: SuiteRun, expected: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const [scenario, checks] of run.scenarios) {
    const failed = checks.filter(
      (check) => check.status === 'FAILURE' || (check.status === 'WARNING' && !expected.has(scenario)),
    );
    if (failed.length > 0 && !expected.has(scenario)) {
      found.push(
        `${scenario}: ${failed.map((check) => `${check.id} ${check.status} ${check.errorMessage ?? ''}`).join('; ')}`,
      );
    }
  }
  return found.sort();
}

function listScenarios(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CONFORMANCE_CLI, 'list', '--server'], (error, stdout) => {
      if (error) reject(error);
      else resolve([...stdout.matchAll(/^\s+- (\S+)$/gm)].map((match) => match[1] as string));
    });
  });
}

async function assertSuitePasses(run: SuiteRun, expectedFile: string) {
  const expected = await expectedFailures(expectedFile);
  const all = await listScenarios();
  expect(all.length).toBe(32);
  // Every scenario ran and left its checks.
  expect([...run.scenarios.keys()].sort()).toEqual([...all].sort());
  expect(problems(run, expected)).toEqual([]);
  // An expected failure that passes is stale: the suite's own baseline check fails the run then.
  for (const scenario of expected) {
    const checks = run.scenarios.get(scenario) ?? [];
    expect(
      checks.some((check) => check.status === 'FAILURE' || check.status === 'WARNING'),
      `${scenario} is listed in ${expectedFile} but passed`,
    ).toBe(true);
  }
  expect(run.exitCode, run.output.slice(-4000)).toBe(0);
}

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

describe('official MCP conformance suite 0.1.13', () => {
  describe('(a) the fixture node over Streamable HTTP', () => {
    let node: MeshNode;
    beforeAll(async () => {
      node = createMeshNode({ id: 'conformance-fixture', mesh: false, ...conformanceFixture() });
      await node.start();
    });
    afterAll(async () => {
      await node.close({ graceMs: 1_000 });
    });

    it('passes every server scenario', async () => {
      const run = await runSuite(node.mcpUrl, 'expected-failures.yaml');
      await assertSuitePasses(run, 'expected-failures.yaml');
    }, 300_000);
  });

  describe('(b) the fixture node behind a gateway, as its mesh peer', () => {
    let fixture: MeshNode;
    let gateway: Gateway;
    let front: MeshNode;
    beforeAll(async () => {
      fixture = createMeshNode({ id: 'conformance-fixture-peer', ...conformanceFixture() });
      await fixture.start();
      gateway = createGateway({
        id: 'conformance-gateway',
        ports: fixture.ports,
        peers: [{ name: 'fixture', replicas: [fixture.meshUrl] }],
      });
      await gateway.start();
      front = createMeshNode({ id: 'conformance-gateway', host: gateway, mesh: false });
      await front.start();
    });
    afterAll(async () => {
      await front?.close({ graceMs: 1_000 });
      await gateway?.close();
      await fixture?.close({ graceMs: 1_000 });
    });

    it('passes every server scenario with the same expected failures as the node itself', async () => {
      const run = await runSuite(front.mcpUrl, 'expected-failures.yaml');
      await assertSuitePasses(run, 'expected-failures.yaml');
    }, 300_000);
  });

  describe('(c) the fixture as a plain MCP server behind a gateway (createMcpPeerLink, Streamable HTTP)', () => {
    let upstream: MeshNode;
    let gateway: Gateway;
    let front: MeshNode;
    beforeAll(async () => {
      upstream = createMeshNode({ id: 'conformance-upstream', mesh: false, ...conformanceFixture() });
      await upstream.start();
      gateway = createGateway({
        id: 'conformance-gateway',
        ports: memoryPorts(),
        peers: [{ name: 'fixture', replicas: [{ mcp: { url: upstream.mcpUrl } }] }],
      });
      await gateway.start();
      // Log records of the upstream's tools reach the client through the gateway (the link carries them).
      front = createMeshNode({
        id: 'conformance-gateway',
        mesh: false,
        host: gateway,
        mcp: { clientLogging: true },
      });
      await front.start();
    });
    afterAll(async () => {
      await front?.close({ graceMs: 1_000 });
      await gateway?.close();
      await upstream?.close({ graceMs: 1_000 });
    });

    it('passes every server scenario with the same expected failures as the node itself', async () => {
      const file = 'expected-failures.yaml';
      const run = await runSuite(front.mcpUrl, file);
      await assertSuitePasses(run, file);
    }, 300_000);
  });

  describe('(d) the fixture over stdio, through the supergateway bridge', () => {
    let bridge: ChildProcess | undefined;
    let bundle: NodeBundle | undefined;
    let url: string;
    beforeAll(async () => {
      // One bundled file, so that each session's fixture process starts in plain Node, without a TypeScript loader.
      // It lives under the package's node_modules, where its imports of the workspace's packages resolve.
      bundle = await bundleForNode(join(HERE, 'fixture-stdio.ts'), 'mesh-conformance-stdio');
      const entry = bundle.entry;
      const port = await freePort();
      url = `http://localhost:${port}/mcp`;
      bridge = spawn(
        process.execPath,
        [
          SUPERGATEWAY_CLI,
          '--stdio',
          `"${process.execPath}" "${entry}"`,
          '--outputTransport',
          'streamableHttp',
          '--stateful',
          '--port',
          String(port),
          '--streamableHttpPath',
          '/mcp',
          '--healthEndpoint',
          '/healthz',
          '--logLevel',
          'none',
        ],
        { cwd: join(HERE, '..', '..'), stdio: 'ignore' },
      );
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ready = await fetch(`http://localhost:${port}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ready) break;
        if (Date.now() > deadline) throw new Error('supergateway did not start within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }, 60_000);
    afterAll(async () => {
      if (bridge && bridge.exitCode === null) {
        const exited = new Promise((resolve) => bridge?.once('exit', resolve));
        bridge.kill('SIGTERM');
        await exited;
      }
      await bundle?.dispose();
    });

    it('passes every server scenario', async () => {
      const run = await runSuite(url, 'stdio-expected-failures.yaml');
      await assertSuitePasses(run, 'stdio-expected-failures.yaml');
    }, 600_000);
  });
});
