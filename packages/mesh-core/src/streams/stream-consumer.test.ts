import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../memory/memory-state-store.js';
import { createJsonLogger } from '../observability/logger.js';
import type { StateStore, StreamEntry } from '../ports/state-store.js';
import { eventually, expectMeshError } from '../testing/index.js';
import {
  createStreamConsumer,
  isNoGroupError,
  type StreamConsumer,
  type StreamConsumerOptions,
} from './stream-consumer.js';

const open: Array<StreamConsumer | StateStore> = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

function setup(overrides: Partial<StreamConsumerOptions> & Pick<StreamConsumerOptions, 'handler'>) {
  const store = createMemoryStateStore();
  const consumer = createStreamConsumer({
    store,
    stream: 'jobs',
    group: 'workers',
    consumer: 'w1',
    visibilityTimeoutMs: 30,
    blockMs: 20,
    errorBackoffMs: 10,
    ...overrides,
  });
  open.push(consumer, store);
  return { store, consumer };
}

describe('createStreamConsumer', () => {
  it('handles entries appended before and after start, and acknowledges them', async () => {
    const seen: string[] = [];
    const { store, consumer } = setup({
      handler: async (entry) => {
        seen.push(entry.fields.n ?? '');
      },
    });
    await store.streamAppend('jobs', { n: 'early' });
    await consumer.start();
    await store.streamAppend('jobs', { n: 'late-1' });
    await store.streamAppend('jobs', { n: 'late-2' });
    await eventually(() => expect(seen).toEqual(['early', 'late-1', 'late-2']));
    await eventually(async () => expect((await store.streamPending('jobs', 'workers')).count).toBe(0));
  });

  it('leaves a failed entry pending and redelivers it after the visibility timeout', async () => {
    const deliveries: number[] = [];
    const { store, consumer } = setup({
      handler: async (entry) => {
        deliveries.push(entry.deliveryCount);
        if (entry.deliveryCount < 3) throw new Error('transient');
      },
    });
    await consumer.start();
    await store.streamAppend('jobs', { n: '1' });
    await eventually(() => expect(deliveries).toEqual([1, 2, 3]));
    await eventually(async () => expect((await store.streamPending('jobs', 'workers')).count).toBe(0));
    expect(await store.streamLength('jobs:dead-letter')).toBe(0);
  });

  it('moves an entry delivered more than maxDeliveries times to the dead-letter stream', async () => {
    let calls = 0;
    const { store, consumer } = setup({
      maxDeliveries: 2,
      deadLetterStream: 'jobs:poison',
      handler: async () => {
        calls += 1;
        throw new Error(`poison pill ${calls}`);
      },
    });
    await consumer.start();
    const id = await store.streamAppend('jobs', { storyId: '42' });
    const [dead] = await eventually(async () => {
      const entries = await store.streamRange('jobs:poison');
      expect(entries).toHaveLength(1);
      return entries;
    });
    expect(dead?.fields).toEqual({
      originalId: id,
      stream: 'jobs',
      group: 'workers',
      deliveryCount: '3',
      lastError: 'poison pill 2',
      fields: JSON.stringify({ storyId: '42' }),
    });
    expect(calls).toBe(2);
    await eventually(async () => expect((await store.streamPending('jobs', 'workers')).count).toBe(0));
  });

  it('keeps at most deadLetterMaxLength entries in the dead-letter stream (issue 20)', async () => {
    const { store, consumer } = setup({
      maxDeliveries: 1,
      deadLetterMaxLength: 3,
      handler: async () => {
        throw new Error('always fails');
      },
    });
    await consumer.start();
    for (let n = 0; n < 8; n += 1) await store.streamAppend('jobs', { n: String(n) });
    await eventually(async () => expect((await store.streamPending('jobs', 'workers')).count).toBe(0), {
      timeoutMs: 5_000,
    });
    const dead = await store.streamRange('jobs:dead-letter');
    expect(dead.map((entry) => JSON.parse(entry.fields.fields ?? '{}').n)).toEqual(['5', '6', '7']);
  });

  it('remembers the last error of at most maxRememberedErrors failing entries, the oldest forgotten first (issue 20)', async () => {
    const forgotten: string[] = [];
    const logger = createJsonLogger({
      level: 'warn',
      write: (line) => {
        const record = JSON.parse(line) as { msg: string; id?: string };
        if (record.msg.startsWith('forgot the last error')) forgotten.push(record.id ?? '');
      },
    });
    const { store, consumer } = setup({
      maxDeliveries: 1,
      maxRememberedErrors: 3,
      logger,
      handler: async (entry) => {
        throw new Error(`failed ${entry.fields.n}`);
      },
    });
    // Appended before the start, so the first read takes all 8 at once: 8 failing entries, 3 remembered.
    const ids: string[] = [];
    for (let n = 0; n < 8; n += 1) ids.push(await store.streamAppend('jobs', { n: String(n) }));
    await consumer.start();
    await eventually(async () => expect(await store.streamLength('jobs:dead-letter')).toBe(8), {
      timeoutMs: 5_000,
    });
    expect(forgotten).toEqual(ids.slice(0, 5));
    const dead = await store.streamRange('jobs:dead-letter');
    expect(dead.map((entry) => entry.fields.lastError)).toEqual([
      ...Array.from({ length: 5 }, () => 'unknown (delivered 2 times)'),
      'failed 5',
      'failed 6',
      'failed 7',
    ]);
  });

  it("forgets an entry's last error when it is acknowledged or dead-lettered, so the bound is never reached by them", async () => {
    const forgotten: string[] = [];
    const logger = createJsonLogger({
      level: 'warn',
      write: (line) => {
        if ((JSON.parse(line) as { msg: string }).msg.startsWith('forgot the last error'))
          forgotten.push(line);
      },
    });
    let succeeded = 0;
    const { store, consumer } = setup({
      maxDeliveries: 2,
      maxRememberedErrors: 2,
      logger,
      handler: async (entry) => {
        // "flaky" entries fail their first delivery and succeed on the second (acknowledged); "poison" ones
        // always fail (dead-lettered on their third delivery).
        if (entry.fields.kind === 'poison' || entry.deliveryCount === 1) {
          throw new Error(`${entry.fields.kind} ${entry.fields.n}`);
        }
        succeeded += 1;
      },
    });
    await consumer.start();
    // One entry at a time: at most one failing entry is remembered at any moment, so with its error dropped on
    // ack and on dead-letter a bound of 2 is never reached, however many entries go by. Kept, 20 of them would
    // have pushed 18 errors out.
    for (let n = 0; n < 20; n += 1) {
      const kind = n % 2 === 0 ? 'flaky' : 'poison';
      await store.streamAppend('jobs', { kind, n: String(n) });
      await eventually(
        async () => {
          expect(succeeded + (await store.streamLength('jobs:dead-letter'))).toBe(n + 1);
          expect((await store.streamPending('jobs', 'workers')).count).toBe(0);
        },
        { timeoutMs: 5_000 },
      );
    }
    expect(forgotten).toEqual([]);
    const dead = await store.streamRange('jobs:dead-letter');
    expect(dead.map((entry) => entry.fields.lastError)).toEqual(
      Array.from({ length: 10 }, (_, index) => `poison ${2 * index + 1}`),
    );
  });

  it('recreates its group after NOGROUP (the stream was deleted) and carries on', async () => {
    const seen: string[] = [];
    const { store, consumer } = setup({
      handler: async (entry) => {
        seen.push(entry.fields.n ?? '');
      },
    });
    await consumer.start();
    await store.streamAppend('jobs', { n: 'before' });
    await eventually(() => expect(seen).toEqual(['before']));
    await store.delete('jobs');
    await store.streamAppend('jobs', { n: 'after' });
    await eventually(() => expect(seen).toEqual(['before', 'after']));
  });

  it('closes promptly during a long blocking read and aborts a running handler', async () => {
    let handlerSignal: AbortSignal | undefined;
    const { store, consumer } = setup({
      blockMs: 10_000,
      handler: (_entry: StreamEntry, signal) => {
        handlerSignal = signal;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
    });
    await consumer.start();
    await store.streamAppend('jobs', { n: '1' });
    await eventually(() => expect(handlerSignal).toBeDefined());
    const started = Date.now();
    await consumer.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(handlerSignal?.aborted).toBe(true);
    await expectMeshError(consumer.start(), 'failed_precondition');

    const idle = setup({ blockMs: 10_000, handler: async () => {} });
    await idle.consumer.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const idleStart = Date.now();
    await idle.consumer.close();
    expect(Date.now() - idleStart).toBeLessThan(1_000);
  });

  it('rejects bad options and recognises NOGROUP errors', async () => {
    const store = createMemoryStateStore();
    const handler = async () => {};
    expect(() => createStreamConsumer({ store, stream: '', group: 'g', consumer: 'c', handler })).toThrow(
      /stream/,
    );
    expect(() =>
      createStreamConsumer({ store, stream: 's', group: 'g', consumer: 'c', handler, maxDeliveries: 1.5 }),
    ).toThrow(/maxDeliveries/);
    expect(() =>
      createStreamConsumer({
        store,
        stream: 's',
        group: 'g',
        consumer: 'c',
        handler,
        maxRememberedErrors: 0,
      }),
    ).toThrow(/maxRememberedErrors/);
    const noGroup = await store.streamReadGroup('s', 'g', 'c').catch((error: unknown) => error);
    expect(isNoGroupError(noGroup)).toBe(true);
    expect(isNoGroupError(new Error('NOGROUP'))).toBe(false);
  });
});
