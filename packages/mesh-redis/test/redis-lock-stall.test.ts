// Fault test: its own `redis-server` on a free port, stalled with SIGSTOP past the lease TTL, then resumed.
import { MeshError, withLock } from '@kidsstories/mesh-core';
import type { LockLease, LockLossReason } from '@kidsstories/mesh-core/ports';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisLock, type RedisConnection } from '../src/index.js';
import { connectToOwnServer, type OwnRedisServer, startOwnRedisServer } from './support/redis-test-env.js';

/**
 * The resource fencing tokens exist for: it remembers the highest token that wrote and refuses any write
 * carrying a lower one (Kleppmann's storage-side check), so a holder whose lease ran out cannot overwrite the
 * work of the holder after it.
 */
class FencedResource {
  highestToken = 0;
  readonly writes: Array<{ token: number; value: string }> = [];

  write(token: number, value: string): void {
    if (token < this.highestToken) {
      throw new MeshError(
        `stale fencing token ${token}; ${this.highestToken} already wrote`,
        'failed_precondition',
        {
          details: { fencingToken: token, highestToken: this.highestToken },
        },
      );
    }
    this.highestToken = token;
    this.writes.push({ token, value });
  }
}

describe('a lease lost in the middle of a critical section (issue 12 item 15)', () => {
  let server: OwnRedisServer;
  const connections: RedisConnection[] = [];
  const connect = (instanceId: string) =>
    connectToOwnServer(server, instanceId, connections, { commandTimeoutMs: 300 });

  beforeEach(async () => {
    server = await startOwnRedisServer();
  });
  afterEach(async () => {
    server.resume();
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await server.stop();
  });

  it('fires onLost and aborts the holder when Redis stalls past the TTL; its stale token is refused afterwards', async () => {
    const holderLock = createRedisLock({ connection: await connect('holder') });
    const contenderLock = createRedisLock({ connection: await connect('contender') });
    const resource = new FencedResource();
    const key = 'generation:2026-11-24:4-6';
    const lost: Array<{ reason: LockLossReason; token: number }> = [];
    let staleWrite: unknown;
    let contenderToken = 0;

    const holding = withLock(
      holderLock,
      key,
      async (signal, lease) => {
        resource.write(lease.fencingToken, 'holder: first page');
        // Redis freezes past the TTL (a stalled primary, a partition): the watchdog cannot extend the lease.
        server.pause();
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        expect(signal.reason).toMatchObject({ code: 'aborted', details: { key, reason: 'expired' } });
        // Redis comes back; the key expired meanwhile, so another process takes the lock and writes.
        server.resume();
        const next = await contenderLock.tryAcquire(key, { ttlMs: 5_000, owner: 'contender' });
        expect(next).toBeDefined();
        contenderToken = next!.fencingToken;
        resource.write(contenderToken, 'contender: its own story');
        // The old holder, unaware (paused by GC, or ignoring its signal), writes with its stale token.
        try {
          resource.write(lease.fencingToken, 'holder: second page');
        } catch (error) {
          staleWrite = error;
        }
        await contenderLock.release(next!);
      },
      {
        ttlMs: 600,
        extendEveryMs: 150,
        onLost: (lease: LockLease, reason) => lost.push({ reason, token: lease.fencingToken }),
      },
    );

    await expect(holding).rejects.toMatchObject({ code: 'aborted', details: { key, reason: 'expired' } });
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBe('expired');
    expect(contenderToken).toBeGreaterThan(lost[0]!.token);
    expect(staleWrite).toMatchObject({
      code: 'failed_precondition',
      details: { fencingToken: lost[0]!.token },
    });
    expect(resource.writes.map((write) => write.value)).toEqual([
      'holder: first page',
      'contender: its own story',
    ]);
    await holderLock.close();
    await contenderLock.close();
  }, 20_000);
});
