import { afterEach, describe, expect, it } from 'vitest';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createMeshServer } from '../../src/link/mesh-server.js';
import { createHmacPeerAuth } from '../../src/link/peer-auth.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import { createTestHost, metadata } from './fixtures.js';

const SECRET = 'a-shared-mesh-secret-of-at-least-32-bytes!';
const OTHER_SECRET = 'another-secret-that-is-long-enough-to-use!!';

async function failure(promise: Promise<unknown>): Promise<MeshError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(MeshError.isInstance(error)).toBe(true);
  return error as MeshError;
}

function expectNoSecrets(error: MeshError, token: string) {
  expect(error.message).not.toContain(SECRET);
  expect(error.message).not.toContain(token.replace(/^Bearer /, ''));
  expect(JSON.stringify(error.details)).not.toContain(SECRET);
}

describe('createHmacPeerAuth', () => {
  it('signs tokens the verifier accepts, with the issuer as principal', async () => {
    const { signer, verifier } = createHmacPeerAuth({
      secret: SECRET,
      issuer: 'story-node',
      audience: 'mesh',
    });
    const authorization = await signer.authorization();
    expect(authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    await expect(verifier.verify({ authorization })).resolves.toEqual({ principal: 'story-node' });
  });

  it('reuses a token for half its lifetime, then signs a new one', async () => {
    let now = 1_000_000;
    const { signer } = createHmacPeerAuth({ secret: SECRET, issuer: 'a', ttlMs: 60_000, now: () => now });
    const first = await signer.authorization();
    now += 29_000;
    expect(await signer.authorization()).toBe(first);
    now += 2_000;
    expect(await signer.authorization()).not.toBe(first);
  });

  it('rejects missing, malformed, forged, tampered, expired and wrong-audience tokens', async () => {
    let now = 1_700_000_000_000;
    const clock = () => now;
    const ours = createHmacPeerAuth({
      secret: SECRET,
      issuer: 'node-a',
      audience: 'mesh',
      ttlMs: 60_000,
      now: clock,
    });
    const forger = createHmacPeerAuth({
      secret: OTHER_SECRET,
      issuer: 'node-a',
      audience: 'mesh',
      now: clock,
    });
    const elsewhere = createHmacPeerAuth({
      secret: SECRET,
      issuer: 'node-a',
      audience: 'other-mesh',
      now: clock,
    });

    const missing = await failure(ours.verifier.verify({}));
    expect(missing.code).toBe('unauthenticated');
    expect(missing.message).toContain('no authorization header');

    expect((await failure(ours.verifier.verify({ authorization: 'Basic abc' }))).message).toContain('bearer');

    const forgedToken = await forger.signer.authorization();
    const forged = await failure(ours.verifier.verify({ authorization: forgedToken }));
    expect(forged.code).toBe('unauthenticated');
    expect(forged.message).toContain('signature');
    expectNoSecrets(forged, forgedToken);

    const valid = await ours.signer.authorization();
    const [head, body, signature] = valid.replace('Bearer ', '').split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const tamperedBody = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    const tampered = await failure(
      ours.verifier.verify({ authorization: `Bearer ${head}.${tamperedBody}.${signature}` }),
    );
    expect(tampered.message).toContain('signature');

    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect(
      (await failure(ours.verifier.verify({ authorization: `Bearer ${none}.${body}.${signature}` }))).code,
    ).toBe('unauthenticated');

    const wrongAudience = await elsewhere.signer.authorization();
    expect((await failure(ours.verifier.verify({ authorization: wrongAudience }))).message).toContain(
      'audience',
    );

    now += 60_000 + 5_000 + 1;
    const expired = await failure(ours.verifier.verify({ authorization: valid }));
    expect(expired.code).toBe('unauthenticated');
    expect(expired.message).toContain('expired');
    expectNoSecrets(expired, valid);
  });

  it('rejects weak secrets and bad options naming the field', () => {
    expect(() => createHmacPeerAuth({ secret: 'short', issuer: 'a' })).toThrow(/at least 32 bytes/);
    expect(() => createHmacPeerAuth({ secret: SECRET, issuer: ' ' })).toThrow(/issuer/);
    expect(() => createHmacPeerAuth({ secret: SECRET, issuer: 'a', ttlMs: 10 })).toThrow(/ttlMs/);
  });
});

describe('signed peer tokens on a link', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  async function serve() {
    const host = createTestHost();
    const auth = createHmacPeerAuth({ secret: SECRET, issuer: 'gateway', audience: 'mesh' });
    const server = createMeshServer({ host, auth: auth.verifier });
    await server.start();
    cleanup.push(() => server.close({ timeoutMs: 100 }));
    return { host, server };
  }

  function link(url: string, auth?: ReturnType<typeof createHmacPeerAuth>) {
    const peer = createPeerLink({ url, ...(auth ? { auth: auth.signer } : {}) });
    cleanup.push(() => peer.close());
    return peer;
  }

  it('accepts a valid token and passes the principal to the host', async () => {
    const { host, server } = await serve();
    const peer = link(
      server.url,
      createHmacPeerAuth({ secret: SECRET, issuer: 'story-node', audience: 'mesh' }),
    );
    await peer.callTool('echo', { text: 'hi' }, { metadata: metadata() });
    expect(host.calls[0]?.call.principal).toBe('story-node');
    await expect(peer.listTools()).resolves.toHaveLength(6);
  });

  it('rejects missing, forged and expired tokens with unauthenticated on every method', async () => {
    const { host, server } = await serve();
    const anonymous = link(server.url);
    const forged = link(
      server.url,
      createHmacPeerAuth({ secret: OTHER_SECRET, issuer: 'x', audience: 'mesh' }),
    );
    const past = createHmacPeerAuth({
      secret: SECRET,
      issuer: 'story-node',
      audience: 'mesh',
      ttlMs: 60_000,
      now: () => Date.now() - 3_600_000,
    });
    const expired = link(server.url, past);
    for (const peer of [anonymous, forged, expired]) {
      expect((await failure(peer.callTool('echo', { text: 'x' }, { metadata: metadata() }))).code).toBe(
        'unauthenticated',
      );
      expect((await failure(peer.listTools())).code).toBe('unauthenticated');
      expect((await failure(peer.health())).code).toBe('unauthenticated');
    }
    const expiredError = await failure(expired.callTool('echo', { text: 'x' }, { metadata: metadata() }));
    expect(expiredError.message).toContain('expired');
    expectNoSecrets(expiredError, await past.signer.authorization());
    expect(host.calls).toHaveLength(0);
  });
});
