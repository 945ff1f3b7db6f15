// The BullMQ work queue's connections keep an error listener on their sockets for life, as every other mesh-redis
// connection does (GuardedConnector): a TLS socket failing twice must not end the process there either.
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { GuardedConnector } from '../src/connection/guarded-connector.js';
import { createBullmqWorkQueue } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

beforeAll(requireRedis);

const prefix = uniquePrefix('bullmq-guarded').slice(0, -1);
afterEach(async () => {
  vi.restoreAllMocks();
  await deletePrefix(REDIS_URL, prefix);
});

it('opens every socket of its queues, workers and event readers through the guarded connector', async () => {
  const connect = vi.spyOn(GuardedConnector.prototype, 'connect');
  const work = createBullmqWorkQueue({ url: REDIS_URL, prefix });
  try {
    await work.process('pages', async ({ id }) => id);
    expect(await work.run('pages', 'page-1', {})).toBe('page-1');
    // The queue, the worker (and its blocking connection) and the event reader: four connections at least.
    expect(connect.mock.calls.length).toBeGreaterThanOrEqual(4);
  } finally {
    await work.close();
  }
});
