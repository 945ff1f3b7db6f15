import { describe, expect, it } from 'vitest';
import { createManualClock } from '../testing/test-helpers.js';
import { workQueueContract } from '../testing/work-queue-contract.js';
import { createMemoryWorkQueue } from './memory-work-queue.js';

workQueueContract('memory', async () => {
  const subject = createMemoryWorkQueue();
  return { subject, cleanup: () => subject.close() };
});

describe('createMemoryWorkQueue retention (issue 20)', () => {
  it('forgets finished jobs past maxRetained and after retentionMs, so a run with their id runs again', async () => {
    const clock = createManualClock();
    const queue = createMemoryWorkQueue({ maxRetained: 10, retentionMs: 60_000, now: clock.now });
    const ran: string[] = [];
    await queue.process('pages', async ({ id }) => {
      ran.push(id);
      return id;
    });
    // 100 jobs: only the 10 most recent finished ones are kept for joins by id.
    for (let index = 0; index < 100; index += 1) await queue.run('pages', `page-${index}`, {});
    await queue.run('pages', 'page-99', {});
    expect(ran.filter((id) => id === 'page-99')).toHaveLength(1);
    await queue.run('pages', 'page-0', {});
    expect(ran.filter((id) => id === 'page-0')).toHaveLength(2);
    // Past the retention even a recent job is forgotten.
    clock.advance(60_000);
    await queue.run('pages', 'page-98', {});
    expect(ran.filter((id) => id === 'page-98')).toHaveLength(2);
    await queue.close();
  });
});
