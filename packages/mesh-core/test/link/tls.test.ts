import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createMeshServer, type MeshServerTlsOptions } from '../../src/link/mesh-server.js';
import { createHmacPeerAuth } from '../../src/link/peer-auth.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import type { PeerLinkTlsOptions } from '../../src/link/peer-link-options.js';
import { createTestHost, generateCertificates, metadata, type TestCertificates } from './fixtures.js';

let certs: TestCertificates;
beforeAll(() => {
  certs = generateCertificates();
});

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});
afterAll(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function serve(tls: Partial<MeshServerTlsOptions> = {}, withAuth = false) {
  const host = createTestHost();
  const auth = createHmacPeerAuth({ secret: 'x'.repeat(32), issuer: 'gateway' });
  const server = createMeshServer({
    host,
    tls: { key: certs.serverKey, cert: certs.serverCert, ...tls },
    ...(withAuth ? { auth: auth.verifier } : {}),
  });
  await server.start();
  cleanup.push(() => server.close({ timeoutMs: 100 }));
  return { host, server, auth };
}

function link(url: string, tls: PeerLinkTlsOptions, auth?: ReturnType<typeof createHmacPeerAuth>) {
  const peer = createPeerLink({ url, tls, ...(auth ? { auth: auth.signer } : {}) });
  cleanup.push(() => peer.close());
  return peer;
}

async function failure(promise: Promise<unknown>): Promise<MeshError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(MeshError.isInstance(error)).toBe(true);
  return error as MeshError;
}

describe('TLS peer links', () => {
  it('calls a TLS server that presents a certificate from the trusted CA', async () => {
    const { server } = await serve();
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const peer = link(server.url, { ca: certs.ca });
    const result = await peer.callTool('echo', { text: 'secure' }, { metadata: metadata() });
    expect(result.structuredContent).toEqual({ text: 'secure' });
  });

  it('refuses a server whose certificate does not chain to the trusted CA', async () => {
    const { server } = await serve();
    const peer = link(server.url, { ca: certs.rogueCert });
    const error = await failure(
      peer.callTool('echo', { text: 'x' }, { timeoutMs: 2_000, metadata: metadata() }),
    );
    // The peer cannot be used from here: unavailable, so a gateway may fail over to another replica.
    expect(error.code).toBe('unavailable');
    expect(error.message.toLowerCase()).toMatch(/certificate|self.signed|issuer/);
  });
});

describe('mTLS', () => {
  it("makes the client certificate's subject CN the principal", async () => {
    const { server, host } = await serve({ ca: certs.ca, requestClientCert: true });
    const peer = link(server.url, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    await peer.callTool('echo', { text: 'hi' }, { metadata: metadata() });
    expect(host.calls[0]?.call.principal).toBe('story-node');
  });

  it('rejects a client without a certificate or with one from another CA as unauthenticated', async () => {
    const { server, host } = await serve({ ca: certs.ca, requestClientCert: true });
    const anonymous = link(server.url, { ca: certs.ca });
    const noCert = await failure(anonymous.callTool('echo', { text: 'x' }, { metadata: metadata() }));
    expect(noCert.code).toBe('unauthenticated');
    expect(noCert.message).toContain('client certificate required');
    const rogue = link(server.url, { ca: certs.ca, cert: certs.rogueCert, key: certs.rogueKey });
    const rogueError = await failure(rogue.listTools());
    expect(rogueError.code).toBe('unauthenticated');
    expect(host.calls).toHaveLength(0);
  });

  it('combines mTLS with signed tokens: both must pass, the token names the principal', async () => {
    const { server, host, auth } = await serve({ ca: certs.ca, requestClientCert: true }, true);
    const withCertOnly = link(server.url, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    expect((await failure(withCertOnly.health())).code).toBe('unauthenticated');
    const both = link(server.url, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }, auth);
    await both.callTool('echo', { text: 'x' }, { metadata: metadata() });
    expect(host.calls[0]?.call.principal).toBe('gateway');
  });

  it('requires a CA for mTLS', () => {
    expect(() =>
      createMeshServer({
        host: createTestHost(),
        tls: { key: certs.serverKey, cert: certs.serverCert, requestClientCert: true },
      }),
    ).toThrow(/tls\.ca/);
  });
});
