import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { MeshError } from '../../src/errors/mesh-error.js';
import { MeshService } from '../../src/gen/mesh/v1/mesh_pb.js';
import type { HostHealth, InboundCall, ToolHost } from '../../src/host/tool-host.js';
import { createMeshServiceImpl } from '../../src/link/mesh-service.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { MeshToolInfo, ToolCallResult } from '../../src/tool/tool-context.js';

/** A small in-test ToolHost: records every inbound call and exposes hooks for the tests. */
export interface TestHost extends ToolHost {
  /** Every call received, in order. */
  readonly calls: Array<{ name: string; args: Record<string, unknown>; call: InboundCall }>;
  /** Resolves with the abort reason of the next `wait` call once its signal aborts. */
  readonly aborted: Promise<{ reason: unknown; afterMs: number }>;
  setHealth(health: HostHealth): void;
  /** Simulates a change of the tool list. */
  changeTools(): void;
  /** Resolves the pending `gate` calls. */
  openGate(): void;
}

const TOOLS: MeshToolInfo[] = [
  {
    name: 'echo',
    title: 'Echo',
    description: 'Returns its text.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    outputSchema: { type: 'object', properties: { text: { type: 'string' } } },
    annotations: { readOnlyHint: true },
  },
  { name: 'progress', description: 'Reports progress three times.', inputSchema: { type: 'object' } },
  { name: 'wait', description: 'Waits until its signal aborts.', inputSchema: { type: 'object' } },
  { name: 'gate', description: 'Waits until the test opens the gate.', inputSchema: { type: 'object' } },
  { name: 'fail', description: 'Fails with a MeshError.', inputSchema: { type: 'object' } },
  { name: 'crash', description: 'Fails with a plain Error.', inputSchema: { type: 'object' } },
];

export function createTestHost(id = 'node-a'): TestHost {
  const calls: TestHost['calls'] = [];
  const listeners = new Set<() => void>();
  let health: HostHealth = 'serving';
  let resolveAborted: (value: { reason: unknown; afterMs: number }) => void = () => {};
  const aborted = new Promise<{ reason: unknown; afterMs: number }>((resolve) => {
    resolveAborted = resolve;
  });
  let gateWaiters: Array<() => void> = [];

  // The test host's tools only produce final results, so both methods run the same calls.
  const callTool = async (
    name: string,
    args: Record<string, unknown>,
    call: InboundCall,
  ): Promise<ToolCallResult> => {
    calls.push({ name, args, call });
    switch (name) {
      case 'echo':
        return {
          content: [{ type: 'text', text: String(args.text) }],
          structuredContent: { text: args.text },
        };
      case 'progress':
        for (let step = 1; step <= 3; step += 1) {
          call.onProgress?.({ progress: step, total: 3, message: `step ${step}` });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return { content: [{ type: 'text', text: 'done' }] };
      case 'wait': {
        const startedAt = Date.now();
        return new Promise((_resolve, reject) => {
          const onAbort = () => {
            resolveAborted({ reason: call.signal.reason, afterMs: Date.now() - startedAt });
            reject(new MeshError('the call was aborted', 'deadline_exceeded'));
          };
          // A call whose deadline passed before it reached the handler arrives already aborted.
          if (call.signal.aborted) onAbort();
          else call.signal.addEventListener('abort', onAbort, { once: true });
        });
      }
      case 'gate':
        await new Promise<void>((resolve) => gateWaiters.push(resolve));
        return { content: [{ type: 'text', text: 'gate opened' }] };
      case 'fail':
        throw new MeshError('no such story', 'not_found', {
          details: { suggestions: ['echo'], field: 'id' },
        });
      case 'crash':
        throw new Error('boom');
      default:
        throw new MeshError(`unknown tool ${name}`, 'not_found', { details: { suggestions: ['echo'] } });
    }
  };

  return {
    id,
    calls,
    aborted,
    async listTools() {
      return TOOLS;
    },
    health: () => health,
    setHealth(next) {
      health = next;
    },
    onToolsChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    changeTools() {
      for (const listener of listeners) listener();
    },
    openGate() {
      for (const open of gateWaiters) open();
      gateWaiters = [];
    },
    callTool,
    callToolOutcome: callTool,
  };
}

/** PEM material made with the openssl CLI in a temp dir. */
export interface TestCertificates {
  ca: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
  /** A client certificate signed by a different CA. */
  rogueKey: string;
  rogueCert: string;
}

export function generateCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    const makeCa = (name: string) =>
      run(
        'req',
        '-x509',
        ...ecKey,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
      );
    const makeLeaf = (name: string, ca: string, extensions: string) => {
      writeFileSync(join(dir, `${name}.ext`), extensions);
      run('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      run(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.crt`,
        '-CAkey',
        `${ca}.key`,
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      );
    };
    makeCa('test-ca');
    makeCa('rogue-ca');
    makeLeaf(
      'localhost',
      'test-ca',
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    );
    makeLeaf('story-node', 'test-ca', 'extendedKeyUsage=clientAuth\n');
    makeLeaf('intruder', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    return {
      ca: read('test-ca.crt'),
      serverKey: read('localhost.key'),
      serverCert: read('localhost.crt'),
      clientKey: read('story-node.key'),
      clientCert: read('story-node.crt'),
      rogueKey: read('intruder.key'),
      rogueCert: read('intruder.crt'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Link call metadata for tests. */
export const metadata = (extra: Partial<{ hop: number; correlationId: string }> = {}) => ({
  correlationId: extra.correlationId ?? 'corr-test',
  hop: extra.hop ?? 1,
});

/** How the raw HTTP/2 server of {@link serveWithHook} treats a request before the mesh service sees it. */
export type RequestHook = (
  request: http2.Http2ServerRequest,
  response: http2.Http2ServerResponse,
) => 'handled' | 'serve';

/**
 * Connect's mesh service for `host` behind a raw HTTP/2 server whose `hook` sees every request first, so a test
 * can refuse, reset or answer a stream itself at an exact moment. Returns its URL and the path of every request
 * received, in order; `cleanup` gets the function that stops it.
 */
export async function serveWithHook(
  host: TestHost,
  hook: RequestHook,
  cleanup: Array<() => Promise<void>>,
): Promise<{ url: string; paths: string[] }> {
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(
        MeshService,
        createMeshServiceImpl({
          host,
          events: { subscribe: () => () => {} },
          auth: undefined,
          requireClientCertificate: false,
          maxHops: 8,
          logger: silentLogger,
          now: Date.now,
          generateId: () => 'generated',
        }),
      ),
  });
  const paths: string[] = [];
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  // A refused or reset stream also errors on the server side; that is the point of such tests, not a failure.
  server.on('stream', (stream) => stream.on('error', () => {}));
  server.on('request', (request, response) => {
    paths.push(request.url);
    if (hook(request, response) === 'serve') handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}
