// A job that ends before the waiting process's event reader has sent its first XREAD is still reported to run().
// BullMQ's QueueEvents reads from `$` by default: an ending between waitUntilFinished's "not finished yet" check
// and that first read was never seen, and run() waited forever (the WorkQueue contract's counting test hung so on a
// loaded CI machine). Here a TCP proxy in front of Redis holds back the waiter's XREAD for 800 ms while the job,
// run by another process's worker, ends after 150 ms: the ending falls in that gap every time.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { createBullmqWorkQueue } from '../src/index.js';
import { deletePrefix, REDIS_URL, requireRedis, uniquePrefix } from './support/redis-test-env.js';

beforeAll(requireRedis);

const prefix = uniquePrefix('bullmq-late-reader').slice(0, -1);
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await deletePrefix(REDIS_URL, prefix);
});

/** A proxy to Redis that delays everything a connection sends from its first XREAD on by `holdMs`. */
async function slowXreadProxy(
  holdMs: number,
): Promise<{ url: string; held: () => number; close: () => Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let held = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    let holding = false;
    client.on('data', (chunk: Buffer) => {
      if (!holding && /xread/i.test(chunk.toString('latin1'))) {
        holding = true;
        held += 1;
      }
      if (holding) setTimeout(() => upstream.write(chunk), holdMs);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    held: () => held,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

it('reports a job that ends before the event reader first reads', { timeout: 20_000 }, async () => {
  const proxy = await slowXreadProxy(800);
  closers.push(proxy.close);
  const worker = createBullmqWorkQueue({ url: REDIS_URL, prefix });
  closers.push(() => worker.close());
  const waiter = createBullmqWorkQueue({ url: proxy.url, prefix });
  closers.push(() => waiter.close());
  await worker.process('pages', async ({ id }) => {
    await new Promise((resolve) => setTimeout(resolve, 150));
    return `drew ${id}`;
  });

  const started = Date.now();
  const answer = await Promise.race([
    waiter.run('pages', 'page-1', {}),
    new Promise((resolve) => setTimeout(() => resolve('no answer after 8 s'), 8_000)),
  ]);
  expect(answer).toBe('drew page-1');
  // The reader's first XREAD was held back, so the answer came through it after the job had ended.
  expect(proxy.held()).toBeGreaterThanOrEqual(1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(700);
});
