// @kidsstories/mesh-redis/testing: the private redis-server of fault tests and benchmarks (needs redis-server on
// PATH; fails without it).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startOwnRedisServer } from '../src/testing/index.js';

describe('startOwnRedisServer', () => {
  it('serves on its own port, reports its INFO figures, loses keys when killed and starts again', async () => {
    const server = await startOwnRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 20 });
    client.on('error', () => {});
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect((await server.info()).keys).toBe(0);
      await client.set('k', 'v');
      const info = await server.info();
      expect(info.keys).toBe(1);
      expect(info.usedMemoryBytes).toBeGreaterThan(0);
      expect(info.cpuUs).toBeGreaterThanOrEqual(0);

      await server.kill();
      await expect(client.ping()).rejects.toThrow();
      await server.start();
      await expect.poll(() => client.ping().catch(() => 'down')).toBe('PONG');
      expect(await client.get('k')).toBeNull();
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
