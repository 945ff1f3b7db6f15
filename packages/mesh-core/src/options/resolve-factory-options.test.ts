// Issue 16 item 4: every factory with defaults resolves its options once, from an exported frozen DEFAULT_X, and a
// bad value is refused naming its field. (The peer link and the in-memory ports are in resolve-options.test.ts.)
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY, resolveGatewayOptions } from '../gateway/resolve-gateway-options.js';
import { DEFAULT_HMAC_PEER_AUTH, resolveHmacPeerAuthOptions } from '../link/peer-auth.js';
import { DEFAULT_ACQUIRE_LOCK, resolveAcquireLockOptions } from '../lock/acquire-lock.js';
import { DEFAULT_WITH_LOCK, resolveWithLockOptions } from '../lock/with-lock.js';
import { DEFAULT_MCP_HTTP, resolveMcpHttpHandlerOptions } from '../mcp/mcp-edge.js';
import { createMemoryStateStore } from '../memory/memory-state-store.js';
import { DEFAULT_LOCAL_FEATURE_HOST, resolveLocalFeatureHostOptions } from '../node/local-feature-host.js';
import { DEFAULT_LOCAL_TOOL_HOST, resolveLocalToolHostOptions } from '../node/local-tool-host.js';
import { DEFAULT_MESH_NODE, DEFAULT_MESH_NODE_HTTP, resolveMeshNodeMcpOptions } from '../node/mesh-node.js';
import { DEFAULT_MESH_METRICS, resolveMeshMetricsOptions } from '../observability/metrics.js';
import { invalidFieldOf } from '../testing/test-helpers.js';
import { createTestPorts } from '../testing/test-ports.js';

const SECRET = 's'.repeat(32);
const { stateStore: state, lock, eventBus: events, costLedger: ledger } = createTestPorts();
const ports = { state, lock, events, ledger };

describe('every DEFAULT_X is frozen', () => {
  it.each([
    ['DEFAULT_GATEWAY', DEFAULT_GATEWAY],
    ['DEFAULT_HMAC_PEER_AUTH', DEFAULT_HMAC_PEER_AUTH],
    ['DEFAULT_ACQUIRE_LOCK', DEFAULT_ACQUIRE_LOCK],
    ['DEFAULT_WITH_LOCK', DEFAULT_WITH_LOCK],
    ['DEFAULT_MCP_HTTP', DEFAULT_MCP_HTTP],
    ['DEFAULT_LOCAL_TOOL_HOST', DEFAULT_LOCAL_TOOL_HOST],
    ['DEFAULT_LOCAL_FEATURE_HOST', DEFAULT_LOCAL_FEATURE_HOST],
    ['DEFAULT_MESH_NODE', DEFAULT_MESH_NODE],
    ['DEFAULT_MESH_NODE_HTTP', DEFAULT_MESH_NODE_HTTP],
    ['DEFAULT_MESH_METRICS', DEFAULT_MESH_METRICS],
  ])('%s', (_name, defaults) => {
    expect(Object.isFrozen(defaults)).toBe(true);
  });
});

describe('resolveHmacPeerAuthOptions', () => {
  it('fills the defaults', () => {
    const resolved = resolveHmacPeerAuthOptions({ secret: SECRET, issuer: 'story' });
    expect(resolved).toMatchObject({ issuer: 'story', ttlMs: 300_000, clockToleranceMs: 5_000 });
    expect(resolved.key.byteLength).toBe(32);
  });

  it('names the bad field', () => {
    expect(invalidFieldOf(() => resolveHmacPeerAuthOptions({ secret: 'short', issuer: 'story' }))).toBe(
      'secret',
    );
    expect(invalidFieldOf(() => resolveHmacPeerAuthOptions({ secret: SECRET, issuer: '  ' }))).toBe('issuer');
    expect(
      invalidFieldOf(() => resolveHmacPeerAuthOptions({ secret: SECRET, issuer: 'a', ttlMs: 999 })),
    ).toBe('ttlMs');
    expect(
      invalidFieldOf(() => resolveHmacPeerAuthOptions({ secret: SECRET, issuer: 'a', clockToleranceMs: -1 })),
    ).toBe('clockToleranceMs');
  });
});

describe('resolveMeshMetricsOptions', () => {
  it('fills the defaults', () => {
    const resolved = resolveMeshMetricsOptions();
    expect(resolved).toMatchObject({ prefix: 'mesh_', maxToolLabels: 1_000 });
    expect(resolved.latencyBucketsSeconds).toEqual([...DEFAULT_MESH_METRICS.latencyBucketsSeconds]);
    expect(resolved.registry).toBeInstanceOf(Registry);
  });

  it('names the bad field', () => {
    expect(invalidFieldOf(() => resolveMeshMetricsOptions({ maxToolLabels: 1.5 }))).toBe('maxToolLabels');
    expect(invalidFieldOf(() => resolveMeshMetricsOptions({ latencyBucketsSeconds: [0.1, 0] }))).toBe(
      'latencyBucketsSeconds.1',
    );
  });
});

describe('resolveAcquireLockOptions and resolveWithLockOptions', () => {
  it('fill the defaults', () => {
    expect(resolveAcquireLockOptions()).toMatchObject({
      ttlMs: 300_000,
      acquireTimeoutMs: 10_000,
      owner: undefined,
      backoff: { initialDelayMs: 50, maxDelayMs: 800, multiplier: 2, jitter: 1 },
    });
    // The deprecated name is still read, and the first cap never exceeds the largest.
    expect(resolveAcquireLockOptions({ minDelayMs: 2_000 }).backoff).toMatchObject({
      initialDelayMs: 2_000,
      maxDelayMs: 2_000,
    });
    const store = createMemoryStateStore();
    const withLock = resolveWithLockOptions({ ttlMs: 30_000, deadLetter: { store, stream: 'dead' } });
    expect(withLock).toMatchObject({ ttlMs: 30_000, extendEveryMs: 10_000 });
    expect(withLock.deadLetter).toMatchObject({ stream: 'dead', maxLength: 10_000 });
    expect(resolveWithLockOptions().deadLetter).toBeUndefined();
  });

  it('name the bad field', () => {
    expect(invalidFieldOf(() => resolveAcquireLockOptions({ ttlMs: 0 }))).toBe('ttlMs');
    expect(invalidFieldOf(() => resolveAcquireLockOptions({ acquireTimeoutMs: -1 }))).toBe(
      'acquireTimeoutMs',
    );
    expect(invalidFieldOf(() => resolveWithLockOptions({ ttlMs: 3_000, extendEveryMs: 3_000 }))).toBe(
      'extendEveryMs',
    );
    expect(invalidFieldOf(() => resolveWithLockOptions({ extendEveryMs: 0 }))).toBe('extendEveryMs');
    const store = createMemoryStateStore();
    expect(
      invalidFieldOf(() => resolveWithLockOptions({ deadLetter: { store, stream: 'dead', maxLength: 0 } })),
    ).toBe('deadLetter.maxLength');
  });
});

describe('resolveLocalToolHostOptions and resolveLocalFeatureHostOptions', () => {
  it('fill the defaults', () => {
    expect(resolveLocalToolHostOptions({ id: 'story', ports })).toMatchObject({
      id: 'story',
      defaultTimeoutMs: 60_000,
    });
    expect(resolveLocalFeatureHostOptions({ id: 'docs' })).toMatchObject({
      id: 'docs',
      defaultTimeoutMs: 60_000,
    });
  });

  it('name the bad field', () => {
    expect(invalidFieldOf(() => resolveLocalToolHostOptions({ id: '', ports }))).toBe('id');
    expect(invalidFieldOf(() => resolveLocalToolHostOptions({ id: 'a', ports, defaultTimeoutMs: 0 }))).toBe(
      'defaultTimeoutMs',
    );
    expect(invalidFieldOf(() => resolveLocalFeatureHostOptions({ id: 'a', defaultTimeoutMs: -5 }))).toBe(
      'defaultTimeoutMs',
    );
  });
});

describe('resolveMcpHttpHandlerOptions', () => {
  it('fills the defaults', () => {
    expect(resolveMcpHttpHandlerOptions({})).toMatchObject({
      maxBodyBytes: 4 * 1024 * 1024,
      maxJsonDepth: 64,
      responseMode: 'auto',
    });
  });

  it('names the bad field', () => {
    expect(invalidFieldOf(() => resolveMcpHttpHandlerOptions({ maxBodyBytes: 0 }))).toBe('maxBodyBytes');
    expect(invalidFieldOf(() => resolveMcpHttpHandlerOptions({ maxJsonDepth: 2 }))).toBe('maxJsonDepth');
  });
});

describe('resolveMeshNodeMcpOptions', () => {
  it('fills the defaults', () => {
    expect(resolveMeshNodeMcpOptions()).toEqual({
      port: 0,
      hostname: '127.0.0.1',
      path: '/mcp',
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      guardedRoutes: [],
    });
    expect(resolveMeshNodeMcpOptions({ verifyBearerToken: async () => undefined }).guardedRoutes).toEqual([
      'metrics',
    ]);
  });

  it('names the bad field', () => {
    expect(invalidFieldOf(() => resolveMeshNodeMcpOptions({ path: 'mcp' }))).toBe('mcp.path');
    expect(invalidFieldOf(() => resolveMeshNodeMcpOptions({ port: 70_000 }))).toBe('mcp.port');
    expect(invalidFieldOf(() => resolveMeshNodeMcpOptions({ hostname: '' }))).toBe('mcp.hostname');
    expect(invalidFieldOf(() => resolveMeshNodeMcpOptions({ requestTimeoutMs: 0 }))).toBe(
      'mcp.requestTimeoutMs',
    );
  });
});

describe('resolveGatewayOptions', () => {
  it('fills the defaults', () => {
    expect(resolveGatewayOptions({ id: 'gw', ports })).toMatchObject({
      prefixMode: 'conditional',
      failClosed: false,
      maxHops: 8,
      listTimeoutMs: 5_000,
      replicaCooldownMs: 5_000,
      relistIntervalMs: 2_000,
      watchPeers: true,
    });
  });

  it('names the bad field', () => {
    expect(invalidFieldOf(() => resolveGatewayOptions({ id: '', ports }))).toBe('id');
    expect(invalidFieldOf(() => resolveGatewayOptions({ id: 'gw', ports, maxHops: 0 }))).toBe('maxHops');
    expect(invalidFieldOf(() => resolveGatewayOptions({ id: 'gw', ports, replicaCooldownMs: -1 }))).toBe(
      'replicaCooldownMs',
    );
  });
});
