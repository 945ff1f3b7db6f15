import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { MeshError } from '../errors/mesh-error.js';
import { checkFinite, checkNonEmptyString, checkNonNegative } from '../options/check-options.js';

/** Adds credentials to the calls a peer link makes. */
export interface PeerAuthSigner {
  /** The value of the `authorization` header for the next call (`Bearer <token>`). */
  authorization(): string | Promise<string>;
}

/** What a {@link PeerAuthVerifier} sees of an inbound call. */
export interface PeerAuthRequest {
  /** The `authorization` header, when the caller sent one. */
  authorization?: string;
}

/** The authenticated caller of a peer call. */
export interface PeerIdentity {
  /** Who called: the token subject (or the certificate name with mTLS). Becomes `InboundCall.principal`. */
  principal: string;
}

/** Checks the credentials of an inbound peer call. */
export interface PeerAuthVerifier {
  /**
   * Resolves the caller's identity.
   *
   * @throws MeshError `unauthenticated` when credentials are missing, forged or expired. The message never
   *   contains the token or the secret.
   */
  verify(request: PeerAuthRequest): Promise<PeerIdentity>;
}

/** Options for {@link createHmacPeerAuth}. */
export interface HmacPeerAuthOptions {
  /** The shared secret, at least 32 bytes. Every node of the mesh uses the same one. Never logged. */
  secret: string | Uint8Array;
  /** This node's name: the `iss` and `sub` of the tokens it signs, and the principal peers see. */
  issuer: string;
  /**
   * The `aud` the signer puts in its tokens and the verifier requires.
   * @default none (the verifier then accepts tokens with any audience)
   */
  audience?: string;
  /**
   * Lifetime of a signed token in milliseconds, at least 1000.
   * @default 300000 (5 minutes)
   */
  ttlMs?: number;
  /**
   * Clock skew tolerated when checking `exp` and `iat`, in milliseconds.
   * @default 5000
   */
  clockToleranceMs?: number;
  /**
   * Clock in epoch milliseconds, for tests.
   * @default `Date.now`
   */
  now?: () => number;
}

/** A signer and a verifier sharing one secret: see {@link createHmacPeerAuth}. */
export interface HmacPeerAuth {
  /** Pass to `createPeerLink({ auth })`. */
  signer: PeerAuthSigner;
  /** Pass to `createMeshServer({ auth })`. */
  verifier: PeerAuthVerifier;
}

/** The defaults of {@link HmacPeerAuthOptions}, in milliseconds. */
export const DEFAULT_HMAC_PEER_AUTH = Object.freeze({ ttlMs: 300_000, clockToleranceMs: 5_000 });
const MIN_SECRET_BYTES = 32;
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** {@link HmacPeerAuthOptions} with every default applied and every value checked. */
export interface ResolvedHmacPeerAuthOptions {
  /** The secret as bytes. */
  key: Uint8Array;
  issuer: string;
  audience: string | undefined;
  ttlMs: number;
  clockToleranceMs: number;
  now: () => number;
}

/**
 * Applies {@link DEFAULT_HMAC_PEER_AUTH} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: a `secret` shorter than 32 bytes, an empty `issuer`, a
 *   `ttlMs` below 1000, a negative `clockToleranceMs`.
 * @example
 * ```ts
 * resolveHmacPeerAuthOptions({ secret, issuer: 'story-node' }).ttlMs; // 300000
 * ```
 */
export function resolveHmacPeerAuthOptions(options: HmacPeerAuthOptions): ResolvedHmacPeerAuthOptions {
  const key = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : options.secret;
  if (key.byteLength < MIN_SECRET_BYTES) {
    throw new MeshError(`secret must be at least ${MIN_SECRET_BYTES} bytes`, 'invalid_argument', {
      details: { field: 'secret', limit: MIN_SECRET_BYTES, limitUnit: 'bytes' },
    });
  }
  // Blank is empty too: an issuer of spaces names no one.
  checkNonEmptyString(typeof options.issuer === 'string' ? options.issuer.trim() : options.issuer, 'issuer');
  return {
    key,
    issuer: options.issuer,
    audience: options.audience,
    ttlMs: checkFinite(options.ttlMs ?? DEFAULT_HMAC_PEER_AUTH.ttlMs, 'ttlMs', { min: 1000 }),
    clockToleranceMs: checkNonNegative(
      options.clockToleranceMs ?? DEFAULT_HMAC_PEER_AUTH.clockToleranceMs,
      'clockToleranceMs',
    ),
    now: options.now ?? Date.now,
  };
}

interface TokenClaims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  iat?: unknown;
  exp?: unknown;
}

/**
 * Signed peer tokens: compact JWTs (RFC 7519) signed with HMAC-SHA256 under a secret the mesh's nodes share.
 * The signer caches a token and signs a new one when half its lifetime has passed; the verifier checks the
 * algorithm, the signature (in constant time), `exp`, `iat` and `aud`.
 *
 * @throws MeshError `invalid_argument` when the secret is shorter than 32 bytes, the issuer is empty or
 *   `ttlMs` is below 1000.
 * @example
 * ```ts
 * const auth = createHmacPeerAuth({ secret: process.env.MESH_SECRET!, issuer: 'story-node', audience: 'mesh' });
 * const server = createMeshServer({ host, auth: auth.verifier });
 * const link = createPeerLink({ url: 'http://10.0.0.2:7070', auth: auth.signer });
 * ```
 */
export function createHmacPeerAuth(options: HmacPeerAuthOptions): HmacPeerAuth {
  const { key, ttlMs, clockToleranceMs: toleranceMs, now } = resolveHmacPeerAuthOptions(options);
  const sign = (input: string) => createHmac('sha256', key).update(input).digest();

  let cached: { header: string; refreshAt: number } | undefined;
  const signer: PeerAuthSigner = {
    authorization() {
      const at = now();
      if (cached && at < cached.refreshAt) return cached.header;
      const claims = {
        iss: options.issuer,
        sub: options.issuer,
        ...(options.audience === undefined ? {} : { aud: options.audience }),
        iat: Math.floor(at / 1000),
        exp: Math.floor((at + ttlMs) / 1000),
        jti: randomUUID(),
      };
      const input = `${HEADER}.${base64url(JSON.stringify(claims))}`;
      cached = { header: `Bearer ${input}.${sign(input).toString('base64url')}`, refreshAt: at + ttlMs / 2 };
      return cached.header;
    },
  };

  const reject = (reason: string): never => {
    throw new MeshError(`peer token rejected: ${reason}`, 'unauthenticated');
  };
  const verifier: PeerAuthVerifier = {
    async verify(request) {
      const header = request.authorization;
      if (header === undefined || header === '') return reject('no authorization header');
      const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header.trim());
      if (!match) return reject('not a bearer token in compact JWS form');
      const [, head, body, signature] = match as unknown as [string, string, string, string];
      const expected = sign(`${head}.${body}`);
      const actual = Buffer.from(signature, 'base64url');
      if (actual.byteLength !== expected.byteLength || !timingSafeEqual(actual, expected)) {
        return reject('signature is invalid');
      }
      const parsedHeader = decodeSegment(head) as { alg?: unknown } | undefined;
      if (parsedHeader?.alg !== 'HS256') return reject('algorithm must be HS256');
      const claims = decodeSegment(body) as TokenClaims | undefined;
      if (claims === undefined) return reject('claims are not a JSON object');
      const at = now();
      if (typeof claims.exp !== 'number') return reject('no exp claim');
      if (at - toleranceMs >= claims.exp * 1000) return reject('token expired');
      if (typeof claims.iat === 'number' && claims.iat * 1000 > at + toleranceMs) {
        return reject('token issued in the future');
      }
      if (options.audience !== undefined) {
        const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
        if (!audiences.includes(options.audience)) return reject('audience does not match');
      }
      const principal = typeof claims.sub === 'string' ? claims.sub : claims.iss;
      if (typeof principal !== 'string' || principal === '') return reject('no subject');
      return { principal };
    },
  };
  return { signer, verifier };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
