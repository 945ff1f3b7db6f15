import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import type { PeerLink } from '../link/peer-link-types.js';
import { createReplicaRouter } from './replica-router.js';

const link = (url: string) => ({ url }) as PeerLink;
const links = [link('a'), link('b'), link('c')];

describe('createReplicaRouter', () => {
  it('spreads calls round robin', () => {
    const router = createReplicaRouter({ links, strategy: 'round_robin', cooldownMs: 1000, now: () => 0 });
    expect(Array.from({ length: 6 }, () => router.pick()?.url)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(router.peek()?.url).toBe('a');
    expect(router.peek()?.url).toBe('a');
  });

  it('picks the replica with the fewest outstanding calls, ties in turn', () => {
    const router = createReplicaRouter({
      links,
      strategy: 'least_outstanding',
      cooldownMs: 1000,
      now: () => 0,
    });
    const [a, b, c] = router.replicas;
    if (!a || !b || !c) throw new Error('three replicas expected');
    a.outstanding = 3;
    b.outstanding = 1;
    c.outstanding = 2;
    expect(router.pick()?.url).toBe('b');
    b.outstanding = 2;
    // b and c tie: rotation decides.
    expect([router.pick()?.url, router.pick()?.url].sort()).toEqual(['b', 'c']);
  });

  it('passes over a replica in its cooldown while another is available', () => {
    let now = 0;
    const router = createReplicaRouter({ links, strategy: 'round_robin', cooldownMs: 1000, now: () => now });
    const [a] = router.replicas;
    if (!a) throw new Error('replica expected');
    router.markUnavailable(a, 'refused');
    expect(Array.from({ length: 4 }, () => router.pick()?.url)).not.toContain('a');
    now = 1000;
    expect(Array.from({ length: 3 }, () => router.pick()?.url)).toContain('a');
  });

  it('fails over on unavailable and not on other failures', async () => {
    const router = createReplicaRouter({ links, strategy: 'round_robin', cooldownMs: 1000, now: () => 0 });
    const tried: string[] = [];
    const result = await router.withFailover(async (replica) => {
      tried.push(replica.url);
      if (replica.url !== 'c') throw new MeshError(`refused by ${replica.url}`, 'unavailable');
      return replica.outstanding;
    });
    expect(tried).toEqual(['a', 'b', 'c']);
    expect(result).toBe(1);
    expect(router.replicas.map((replica) => replica.outstanding)).toEqual([0, 0, 0]);
    expect(router.replicas.map((replica) => replica.unavailableCount)).toEqual([1, 1, 0]);

    const attempts: string[] = [];
    await expect(
      router.withFailover(async (replica) => {
        attempts.push(replica.url);
        throw new MeshError('bad input', 'invalid_argument');
      }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(attempts).toHaveLength(1);

    await expect(
      router.withFailover(async (replica) => {
        throw new MeshError(`refused by ${replica.url}`, 'unavailable');
      }),
    ).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^refused by/) });
  });

  it('leaves refused streams to the link: an internal failure is never sent to another replica', async () => {
    // The peer link maps NGHTTP2_REFUSED_STREAM to `unavailable` (test/link/refused-stream.test.ts); an
    // `internal` failure may have run on the peer, so it must not run again elsewhere.
    const router = createReplicaRouter({ links, strategy: 'round_robin', cooldownMs: 1000, now: () => 0 });
    const tried: string[] = [];
    await expect(
      router.withFailover(async (replica) => {
        tried.push(replica.url);
        throw new MeshError('Stream closed with error code NGHTTP2_REFUSED_STREAM', 'internal');
      }),
    ).rejects.toMatchObject({ code: 'internal' });
    expect(tried).toHaveLength(1);
    const result = await router.withFailover(async (replica) => {
      tried.push(replica.url);
      if (tried.length === 2) throw new MeshError('not processed', 'unavailable');
      return replica.url;
    });
    expect(tried).toHaveLength(3);
    expect(result).toBe(tried[2]);
    expect(router.replicas.find((replica) => replica.url === tried[1])?.unavailableCount).toBe(1);
  });

  it('runs a call on one given replica only, keeping its counters, without failover', async () => {
    const router = createReplicaRouter({ links, strategy: 'round_robin', cooldownMs: 1000, now: () => 0 });
    const [, b] = router.replicas;
    if (!b) throw new Error('replica expected');
    const seen: string[] = [];
    expect(
      await router.withReplica(b, async (replica) => {
        seen.push(replica.url);
        return replica.outstanding;
      }),
    ).toBe(1);
    await expect(
      router.withReplica(b, async (replica) => {
        seen.push(replica.url);
        throw new MeshError('gone', 'unavailable');
      }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(seen).toEqual(['b', 'b']);
    expect(router.replicas.map((replica) => [replica.calls, replica.outstanding])).toEqual([
      [0, 0],
      [2, 0],
      [0, 0],
    ]);
    expect(b.unavailableCount).toBe(1);
    expect(b.avoidUntil).toBe(1000);
    // The rotation did not move: the next pick is still the first replica.
    expect(router.pick()?.url).toBe('a');
  });
});
