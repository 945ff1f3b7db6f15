import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import type { WorkQueue } from '../ports/work-queue.js';
import { type ContractFactory, delay, eventually, expectMeshError, uniquePrefix } from './test-helpers.js';

/**
 * The contract every {@link WorkQueue} must pass: results, joins by id (while running and after), failures that
 * keep their code and run again, concurrency, a start rate, counts of waiting jobs, jobs added before the handler,
 * schedules, and cancellation of a wait.
 *
 * @example
 * ```ts
 * workQueueContract('memory', async () => {
 *   const subject = createMemoryWorkQueue();
 *   return { subject, cleanup: () => subject.close() };
 * });
 * ```
 */
export function workQueueContract(name: string, factory: ContractFactory<WorkQueue>): void {
  describe(`WorkQueue contract: ${name}`, () => {
    let work: WorkQueue;
    let cleanup: () => Promise<void>;
    let q: string;

    beforeEach(async () => {
      ({ subject: work, cleanup } = await factory());
      q = uniquePrefix('queue').replace(/:/g, '-');
    });
    afterEach(async () => {
      await cleanup();
    });

    it('runs a job with its payload and id, and resolves its result', async () => {
      await work.process<{ n: number }, { doubled: number; id: string }>(q, async (job) => ({
        doubled: job.payload.n * 2,
        id: job.id,
      }));
      expect(await work.run(q, 'job-1', { n: 21 })).toEqual({ doubled: 42, id: 'job-1' });
    });

    it('joins a job by id while it runs and after it finished: the handler runs once', async () => {
      let runs = 0;
      await work.process(q, async () => {
        runs += 1;
        await delay(50);
        return { runs };
      });
      const [first, second] = await Promise.all([work.run(q, 'same', {}), work.run(q, 'same', {})]);
      expect(first).toEqual({ runs: 1 });
      expect(second).toEqual({ runs: 1 });
      expect(await work.run(q, 'same', {})).toEqual({ runs: 1 });
      expect(runs).toBe(1);
    });

    it('rejects with the handler error code, and runs a failed job again on the next run', async () => {
      let runs = 0;
      await work.process(q, async () => {
        runs += 1;
        if (runs === 1) throw new MeshError('provider down', 'unavailable', { details: { provider: 'x' } });
        return 'ok';
      });
      const error = await expectMeshError(work.run(q, 'flaky', {}), 'unavailable');
      expect(error.message).toBe('provider down');
      expect(error.details).toEqual({ provider: 'x' });
      expect(await work.run(q, 'flaky', {})).toBe('ok');
      expect(runs).toBe(2);
    });

    it('runs at most `concurrency` jobs at once', async () => {
      let running = 0;
      let most = 0;
      await work.process(
        q,
        async () => {
          running += 1;
          most = Math.max(most, running);
          await delay(30);
          running -= 1;
          return null;
        },
        { concurrency: 2 },
      );
      await Promise.all(Array.from({ length: 6 }, (_, index) => work.run(q, `c${index}`, {})));
      expect(most).toBe(2);
    });

    it('lets more than ten running jobs listen to their signal without a listener warning', async () => {
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
      process.on('warning', onWarning);
      try {
        await work.process(
          q,
          async (job) => {
            const onAbort = () => {};
            job.signal.addEventListener('abort', onAbort, { once: true });
            await delay(50);
            job.signal.removeEventListener('abort', onAbort);
            return null;
          },
          { concurrency: 16 },
        );
        await Promise.all(Array.from({ length: 16 }, (_, index) => work.run(q, `l${index}`, {})));
        await delay(10);
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.filter((warning) => warning.includes('MaxListeners'))).toEqual([]);
    });

    it('starts at most rateLimit.max jobs per rateLimit.durationMs', async () => {
      const starts: number[] = [];
      await work.process(
        q,
        async () => {
          starts.push(Date.now());
          return null;
        },
        { concurrency: 4, rateLimit: { max: 2, durationMs: 400 } },
      );
      await Promise.all(Array.from({ length: 6 }, (_, index) => work.run(q, `r${index}`, {})));
      starts.sort((a, b) => a - b);
      // Any three consecutive starts span at least one window (a little slack for timer granularity).
      for (let index = 2; index < starts.length; index++) {
        expect(starts[index]! - starts[index - 2]!).toBeGreaterThanOrEqual(350);
      }
    });

    it('counts waiting and running jobs', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      await work.process(q, async () => {
        await gate;
        return null;
      });
      const runs = [work.run(q, 'a', {}), work.run(q, 'b', {}), work.run(q, 'c', {})];
      try {
        // A worker on a busy machine may take a while to pick the first job up.
        await eventually(async () => expect(await work.counts(q)).toMatchObject({ waiting: 2, active: 1 }), {
          timeoutMs: 10_000,
        });
      } finally {
        // Never leave the handler blocked: closing the queue waits for running jobs.
        release();
      }
      await Promise.all(runs);
      await eventually(async () => expect(await work.counts(q)).toMatchObject({ waiting: 0, active: 0 }), {
        timeoutMs: 10_000,
      });
      // Longer than its two waits of up to 10 s each, so a slow machine fails an assertion that says what it
      // waited for, not the test's own timeout.
    }, 30_000);

    it('keeps jobs added before the handler and runs them once it is registered', async () => {
      const pending = work.run(q, 'early', { n: 1 });
      await eventually(async () => expect((await work.counts(q)).waiting).toBe(1), { timeoutMs: 10_000 });
      await work.process<{ n: number }, number>(q, async (job) => job.payload.n + 1);
      expect(await pending).toBe(2);
    });

    it('stops waiting when the signal aborts, without failing the job', async () => {
      let finished = false;
      await work.process(q, async () => {
        await delay(100);
        finished = true;
        return 'done';
      });
      const controller = new AbortController();
      const waiting = work.run(q, 'slow', {}, { signal: controller.signal });
      controller.abort();
      await expectMeshError(waiting, 'canceled');
      expect(await work.run(q, 'slow', {})).toBe('done');
      expect(finished).toBe(true);
    });

    it('adds a job at every tick of a schedule until it is removed', async () => {
      const ticks: unknown[] = [];
      await work.process(q, async (job) => {
        ticks.push(job.payload);
        return null;
      });
      await work.schedule(`${q}-every-second`, { pattern: '* * * * * *' }, q, { kind: 'tick' });
      await eventually(() => expect(ticks.length).toBeGreaterThanOrEqual(2), { timeoutMs: 5_000 });
      await work.unschedule(`${q}-every-second`);
      await delay(1_100);
      const seen = ticks.length;
      await delay(1_200);
      expect(ticks.length).toBe(seen);
      expect(ticks[0]).toEqual({ kind: 'tick' });
    });

    it('refuses an empty job id and bad limits, naming them', async () => {
      await expectMeshError(work.run(q, '', {}), 'invalid_argument');
      await expectMeshError(
        work.process(q, async () => null, { concurrency: 0 }),
        'invalid_argument',
      );
    });
  });
}
