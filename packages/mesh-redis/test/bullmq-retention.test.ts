// Issue 20 item 2: BullMQ keeps at most `maxRetained` finished jobs per queue (and none past `retentionMs`), so a
// pipeline that runs every day does not fill Redis with job records. Real Redis, a prefix of its own.
import { Redis } from 'ioredis';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { createBullmqWorkQueue } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

const prefix = uniquePrefix('bullmq-retention').slice(0, -1);
const client = new Redis(REDIS_URL, { lazyConnect: true });
beforeAll(requireRedis);
afterEach(async () => {
  await deletePrefix(REDIS_URL, prefix);
  client.disconnect();
});

it('keeps at most maxRetained finished jobs, failed ones included; a forgotten id runs again', {
  timeout: 60_000,
}, async () => {
  const work = createBullmqWorkQueue({ url: REDIS_URL, prefix, maxRetained: 5 });
  const ran: string[] = [];
  try {
    await work.process('pages', async ({ id }) => {
      ran.push(id);
      if (id.startsWith('bad-')) throw new Error('no page');
      return id;
    });
    for (let index = 0; index < 30; index += 1) await work.run('pages', `page-${index}`, {});
    for (let index = 0; index < 12; index += 1) {
      await expect(work.run('pages', `bad-${index}`, {})).rejects.toThrow();
    }
    await client.connect();
    // BullMQ trims each set to the newest `count` when a job finishes.
    expect(await client.zcard(`${prefix}:pages:completed`)).toBeLessThanOrEqual(5);
    expect(await client.zcard(`${prefix}:pages:failed`)).toBeLessThanOrEqual(5);
    const jobKeys = await client.keys(`${prefix}:pages:*`);
    const jobRecords = jobKeys.filter((key) => /:pages:(page|bad)-\d+$/.test(key));
    expect(jobRecords.length).toBeLessThanOrEqual(10);
    // The newest finished job is still joined by id; the first one was forgotten and runs again.
    await work.run('pages', 'page-29', {});
    expect(ran.filter((id) => id === 'page-29')).toHaveLength(1);
    await work.run('pages', 'page-0', {});
    expect(ran.filter((id) => id === 'page-0')).toHaveLength(2);
  } finally {
    await work.close();
  }
});
