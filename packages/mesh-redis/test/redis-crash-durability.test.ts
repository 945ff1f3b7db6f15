// Issue 3: "Fault tests kill and restart Redis mid-run: nothing acknowledged is lost". With a Redis that persists
// acknowledged writes (AOF, fsync always), every entry whose append resolved is processed after a SIGKILL and
// restart, and pending (delivered, unacknowledged) entries are redelivered, not dropped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshError } from '@kidsstories/mesh-core';
import { createStreamConsumer } from '@kidsstories/mesh-core/ports';
import { eventually } from '@kidsstories/mesh-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisConnection, createRedisStateStore, type RedisConnection } from '../src/index.js';
import { type OwnRedisServer, startOwnRedisServer } from './support/redis-test-env.js';

describe('a Redis crash with persistence loses nothing acknowledged', () => {
  let server: OwnRedisServer;
  let dir: string;
  const connections: RedisConnection[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-redis-aof-'));
    server = await startOwnRedisServer({ persistDir: dir });
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('processes every appended entry exactly once in effect, across a SIGKILL mid-stream', async () => {
    const connection = createRedisConnection({
      url: server.url,
      instanceId: 'durability',
      reconnectBaseMs: 10,
      reconnectMaxMs: 100,
      commandTimeoutMs: 1_000,
    });
    connections.push(connection);
    await connection.ready();
    const store = createRedisStateStore({ connection });
    const processed = new Set<string>();
    let deliveries = 0;
    const consumer = createStreamConsumer({
      store,
      stream: 'media.complete',
      group: 'video',
      consumer: 'video-1',
      blockMs: 50,
      errorBackoffMs: 20,
      visibilityTimeoutMs: 200,
      handler: async (entry) => {
        deliveries += 1;
        // Slow enough that some entries are delivered but not yet acknowledged when Redis dies.
        await new Promise((resolve) => setTimeout(resolve, 5));
        processed.add(entry.fields.n ?? '');
      },
    });
    await consumer.start();
    const acknowledged: string[] = [];
    try {
      for (let n = 0; n < 100; n += 1) {
        await store.streamAppend('media.complete', { n: String(n) });
        acknowledged.push(String(n));
        if (n === 60) await server.kill();
        if (n === 60) {
          // Appends fail fast while Redis is down; the producer keeps what it could not hand over.
          const error = await store
            .streamAppend('media.complete', { n: 'lost' })
            .catch((caught: unknown) => caught);
          expect(MeshError.isInstance(error) && error.code).toBe('unavailable');
          await server.start();
          await eventually(() => expect(connection.isReady()).toBe(true), { timeoutMs: 5_000 });
        }
      }
      await eventually(() => expect([...processed].sort()).toEqual([...acknowledged].sort()), {
        timeoutMs: 10_000,
      });
      expect(processed.has('lost')).toBe(false);
      // At-least-once: an entry in flight at the crash may be delivered again, never skipped.
      expect(deliveries).toBeGreaterThanOrEqual(acknowledged.length);
      await eventually(async () =>
        expect((await store.streamPending('media.complete', 'video')).count).toBe(0),
      );
    } finally {
      await consumer.close();
      await store.close();
    }
  });
});
