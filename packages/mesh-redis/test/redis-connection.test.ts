import { MeshError } from '@kidsstories/mesh-core';
import { describe, expect, it } from 'vitest';
import {
  createRedisConnection,
  meshErrorFromRedis,
  reconnectDelayMs,
  resolveRedisConnectionOptions,
} from '../src/index.js';
import { freePort, openTestConnection } from './support/redis-test-env.js';

describe('resolveRedisConnectionOptions', () => {
  it('reads host, port, ACL user, password and db from a redis:// URL', () => {
    const { redisOptions } = resolveRedisConnectionOptions({
      url: 'redis://mesh:s%40cret@cache.local:6400/2',
    });
    expect(redisOptions).toMatchObject({
      host: 'cache.local',
      port: 6400,
      db: 2,
      username: 'mesh',
      password: 's@cret',
    });
    expect(redisOptions.tls).toBeUndefined();
    expect(redisOptions.enableOfflineQueue).toBe(false);
    expect(redisOptions.maxRetriesPerRequest).toBe(1);
  });

  it('turns TLS on and defaults to port 6380 for rediss:// (Azure Cache for Redis)', () => {
    const { redisOptions } = resolveRedisConnectionOptions({
      url: 'rediss://:key@kidsstories.redis.cache.windows.net',
    });
    expect(redisOptions.port).toBe(6380);
    expect(redisOptions.password).toBe('key');
    expect(redisOptions.tls).toEqual({ servername: 'kidsstories.redis.cache.windows.net' });
  });

  it('lets options override the URL credentials', () => {
    const { redisOptions } = resolveRedisConnectionOptions({
      url: 'redis://a:b@h:1',
      username: 'gateway',
      password: 'other',
    });
    expect(redisOptions).toMatchObject({ username: 'gateway', password: 'other' });
  });

  it('rejects bad input with a MeshError naming the field', () => {
    const cases = [
      [{ url: 'http://x' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ keyPrefix: 'a{b}' }, 'keyPrefix'],
      [{ connectTimeoutMs: -1 }, 'connectTimeoutMs'],
      [{ url: 'redis://h/x' }, 'url'],
    ] as const;
    for (const [options, field] of cases) {
      try {
        resolveRedisConnectionOptions(options);
        expect.unreachable(`accepted ${JSON.stringify(options)}`);
      } catch (error) {
        expect(MeshError.isInstance(error)).toBe(true);
        expect((error as MeshError).code).toBe('invalid_argument');
        expect((error as MeshError).details.field).toBe(field);
      }
    }
  });
});

describe('reconnectDelayMs', () => {
  it('uses full jitter under a cap that doubles up to the maximum', () => {
    const base = { initialDelayMs: 50, maxDelayMs: 2_000, multiplier: 2, jitter: 1 };
    expect(reconnectDelayMs(0, base, () => 0.999)).toBe(49);
    expect(reconnectDelayMs(3, base, () => 0.5)).toBe(200);
    expect(reconnectDelayMs(30, base, () => 0.999)).toBe(1_998);
    expect(reconnectDelayMs(5, base, () => 0)).toBe(1);
  });
});

describe('meshErrorFromRedis', () => {
  const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

  it('maps server replies onto mesh codes without blaming the caller', () => {
    expect(meshErrorFromRedis(reply('NOGROUP No such key or consumer group')).code).toBe('not_found');
    expect(meshErrorFromRedis(reply('NOGROUP x')).details.reason).toBe('NOGROUP');
    expect(meshErrorFromRedis(reply('WRONGTYPE Operation against a key')).code).toBe('failed_precondition');
    expect(meshErrorFromRedis(reply('NOAUTH Authentication required.')).code).toBe('unauthenticated');
    expect(meshErrorFromRedis(reply('WRONGPASS invalid username-password pair')).code).toBe(
      'unauthenticated',
    );
    expect(meshErrorFromRedis(reply('NOPERM this user has no permissions')).code).toBe('permission_denied');
    expect(meshErrorFromRedis(reply('OOM command not allowed')).code).toBe('resource_exhausted');
    expect(meshErrorFromRedis(reply('LOADING Redis is loading')).code).toBe('unavailable');
    expect(meshErrorFromRedis(reply('READONLY You cannot write against a read only replica.')).code).toBe(
      'unavailable',
    );
    expect(meshErrorFromRedis(reply('ERR syntax error')).code).toBe('internal');
  });

  it('maps connection failures and timeouts to unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(meshErrorFromRedis(refused)).toMatchObject({
      code: 'unavailable',
      details: { reason: 'ECONNREFUSED' },
    });
    expect(meshErrorFromRedis(new Error('Connection is closed.')).code).toBe('unavailable');
    expect(
      meshErrorFromRedis(new Error("Stream isn't writeable and enableOfflineQueue options is false")).code,
    ).toBe('unavailable');
    expect(meshErrorFromRedis(new Error('Command timed out')).details.reason).toBe('TIMEOUT');
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
    });
    expect(meshErrorFromRedis(maxRetries).code).toBe('unavailable');
  });

  it('keeps MeshErrors, maps caller aborts to canceled and anything else to internal', () => {
    const original = new MeshError('x', 'not_found');
    expect(meshErrorFromRedis(original)).toBe(original);
    expect(meshErrorFromRedis(new DOMException('stop', 'AbortError')).code).toBe('canceled');
    expect(meshErrorFromRedis(new TypeError('boom')).code).toBe('internal');
    expect(meshErrorFromRedis('weird').code).toBe('internal');
  });
});

describe('createRedisConnection', () => {
  it('connects, prefixes keys and reports a real WRONGTYPE reply as failed_precondition', async () => {
    const { connection, cleanup } = await openTestConnection('connection');
    try {
      expect(connection.isReady()).toBe(true);
      expect(connection.key('a')).toBe(`${connection.keyPrefix}a`);
      await connection.client.set(connection.key('plain'), 'v');
      const error = await connection.client.hget(connection.key('plain'), 'f').catch(meshErrorFromRedis);
      expect(error).toMatchObject({ code: 'failed_precondition', details: { reason: 'WRONGTYPE' } });
    } finally {
      await cleanup();
    }
  });

  it('fails fast with unavailable when nothing listens, instead of queueing', async () => {
    const port = await freePort();
    const connection = createRedisConnection({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 });
    try {
      const started = Date.now();
      const error = await connection.ready().catch((caught: unknown) => caught);
      expect(MeshError.isInstance(error) && error.code).toBe('unavailable');
      const command = await connection.client.get('x').catch(meshErrorFromRedis);
      expect(command).toMatchObject({ code: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await connection.close();
    }
  });
});
