import type { AuthInfo } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { createHmacPeerAuth, type HmacPeerAuth } from '../../src/link/peer-auth.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import type { PeerLinkOptions } from '../../src/link/peer-link-options.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { createJsonLogger, type Logger } from '../../src/observability/logger.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { generateCertificates, metadata, type TestCertificates } from '../link/fixtures.js';
import { connectClient, rawPost } from '../mcp/fixtures.js';

const MESH_SECRET = 'mesh-hmac-secret-0123456789-abcdefghijklmnop';
const WRONG_SECRET = 'another-secret-0123456789-abcdefghijklmnopqr';
const MCP_TOKEN = 'mcp-user-token-7f3a9c1e5b';
const WRONG_MCP_TOKEN = 'mcp-wrong-token-2d8e4b6a0c';

const echo = defineTool({
  name: 'echo',
  description: 'Returns its text.',
  inputSchema: z.object({ text: z.string() }),
  handler: async ({ text }, context) => {
    context.logger.info('echo called', { text });
    return { structuredContent: { text }, content: [{ type: 'text', text }] };
  },
});

/** Every JSON log line written by the nodes and gateways of this file, at debug level. */
const lines: string[] = [];
const capture = (component: string): Logger =>
  createJsonLogger({ level: 'debug', write: (line) => lines.push(line), fields: { component } });

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function startGateway(id: string, url: string, linkOptions: Omit<PeerLinkOptions, 'url'>) {
  const gateway = createGateway({
    id,
    watchPeers: false,
    failClosed: true,
    logger: capture(id),
    ports: story.ports,
    peers: [{ name: 'story', replicas: [url], linkOptions, policy: { retry: { maxAttempts: 1 } } }],
  });
  cleanup.push(() => gateway.close());
  await gateway.start();
  return gateway;
}

async function rejection(promise: Promise<unknown>): Promise<MeshError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(MeshError.isInstance(error)).toBe(true);
  return error as MeshError;
}

let certs: TestCertificates;
let auth: HmacPeerAuth;
let story: MeshNode;

beforeAll(async () => {
  certs = generateCertificates();
  auth = createHmacPeerAuth({ secret: MESH_SECRET, issuer: 'gateway', audience: 'mesh' });
  story = createMeshNode({
    id: 'story',
    tools: [echo],
    logger: capture('story'),
    mesh: { tls: { key: certs.serverKey, cert: certs.serverCert }, auth: auth.verifier },
  });
  cleanup.push(() => story.close({ graceMs: 0 }));
  await story.start();
});

describe('createMeshNode passes TLS and HMAC peer auth to its mesh server', () => {
  it('serves TLS: https URL, the CA is required and plain h2c is refused', async () => {
    expect(story.meshUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const untrusted = createPeerLink({ url: story.meshUrl, auth: auth.signer, tls: { ca: certs.rogueCert } });
    cleanup.push(() => untrusted.close());
    expect((await rejection(untrusted.health({ timeoutMs: 2_000 }))).code).toBe('unavailable');
    const cleartext = createPeerLink({ url: story.meshUrl.replace('https:', 'http:'), auth: auth.signer });
    cleanup.push(() => cleartext.close());
    await expect(cleartext.health({ timeoutMs: 2_000 })).rejects.toBeInstanceOf(MeshError);
  });

  it('passes mutual TLS through: a client certificate from the CA is required', async () => {
    const mtls = createMeshNode({
      id: 'story-mtls',
      tools: [echo],
      mesh: {
        tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestClientCert: true },
      },
    });
    cleanup.push(() => mtls.close({ graceMs: 0 }));
    await mtls.start();
    const withCert = createPeerLink({
      url: mtls.meshUrl,
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
    });
    const without = createPeerLink({ url: mtls.meshUrl, tls: { ca: certs.ca } });
    cleanup.push(
      () => withCert.close(),
      () => without.close(),
    );
    const result = await withCert.callTool('echo', { text: 'mtls' }, { metadata: metadata() });
    expect(result.structuredContent).toEqual({ text: 'mtls' });
    const error = await rejection(without.callTool('echo', { text: 'x' }, { metadata: metadata() }));
    expect(error.code).toBe('unauthenticated');
  });

  it('lets a gateway linking with the right token call through', async () => {
    const gateway = await startGateway('gw-good', story.meshUrl, {
      auth: auth.signer,
      tls: { ca: certs.ca },
    });
    const result = await gateway.callTool(
      'echo',
      { text: 'authorised' },
      { signal: new AbortController().signal, correlationId: 'corr-good', hop: 0 },
    );
    expect(result.structuredContent).toEqual({ text: 'authorised' });
    expect(gateway.peerStatus()[0]?.listError).toBeUndefined();
  });

  it('rejects links without a token or with a wrongly signed one as unauthenticated', async () => {
    const wrong = createHmacPeerAuth({ secret: WRONG_SECRET, issuer: 'gateway', audience: 'mesh' });
    const cases: Array<[string, Omit<PeerLinkOptions, 'url'>]> = [
      ['no token', { tls: { ca: certs.ca } }],
      ['wrong token', { tls: { ca: certs.ca }, auth: wrong.signer }],
    ];
    for (const [label, linkOptions] of cases) {
      const link = createPeerLink({ url: story.meshUrl, ...linkOptions });
      cleanup.push(() => link.close());
      const error = await rejection(link.callTool('echo', { text: label }, { metadata: metadata() }));
      expect(error.code, label).toBe('unauthenticated');
      expect((await rejection(link.listTools())).code, label).toBe('unauthenticated');

      // A gateway with these credentials cannot list the peer; fail-closed, it says why.
      const gateway = await startGateway(`gw-${label.replace(' ', '-')}`, story.meshUrl, linkOptions);
      const listing = await rejection(gateway.listTools());
      expect(listing.code).toBe('unavailable');
      expect(MeshError.from(listing.cause).code, label).toBe('unauthenticated');
    }
  });
});

describe('secrets never reach the JSON logs', () => {
  let gateway: Gateway;
  let edge: MeshNode;

  beforeAll(async () => {
    gateway = await startGateway('gw-edge', story.meshUrl, { auth: auth.signer, tls: { ca: certs.ca } });
    edge = createMeshNode({
      id: 'gw-edge',
      host: gateway,
      mesh: false,
      logger: capture('gw-edge-node'),
      mcp: {
        verifyBearerToken: async (token): Promise<AuthInfo | undefined> =>
          token === MCP_TOKEN ? { token, clientId: 'user-1', scopes: [] } : undefined,
      },
    });
    cleanup.push(() => edge.close({ graceMs: 0 }));
    await edge.start();
  });

  it('logs calls with and without valid credentials, but never the HMAC secret or a bearer token', async () => {
    const client = await connectClient(edge.mcpUrl, 'modern', { authorization: `Bearer ${MCP_TOKEN}` });
    try {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'logged' } });
      expect(result.structuredContent).toEqual({ text: 'logged' });
    } finally {
      await client.close();
    }
    const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    expect((await rawPost(edge.mcpUrl, list, { authorization: `Bearer ${WRONG_MCP_TOKEN}` })).status).toBe(
      401,
    );

    // The peer tokens the gateways sent over their links (the signer caches one per half lifetime).
    const peerToken = String(await auth.signer.authorization()).replace(/^Bearer /, '');
    const forbidden = [MESH_SECRET, WRONG_SECRET, MCP_TOKEN, WRONG_MCP_TOKEN, peerToken];
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // The logs are not empty: servers, gateways, failed listings, tool calls and the edge all wrote lines.
    const messages = records.map((record) => record.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['node started', 'mesh server listening', 'gateway started', 'echo called']),
    );
    expect(messages).toContain('could not list peer tools');
    expect(records.some((record) => record.component === 'gw-edge-node')).toBe(true);
    for (const line of lines) {
      for (const secret of forbidden) expect(line).not.toContain(secret);
      // No JWT-shaped value of any kind.
      expect(line).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    }
  });
});
