import { type TransferListItem, Worker } from 'node:worker_threads';
import { MeshError } from '@kidsstories/mesh-core';

/** One job for {@link runWorkerJob}. */
export interface WorkerJob {
  /** The worker script (a plain `.mjs` file). */
  script: string | URL;
  /** `workerData` for the script. */
  workerData: unknown;
  /** Buffers moved (not copied) to the worker. */
  transferList?: readonly TransferListItem[];
  /** What the job is, for error messages: `speech synthesis`, `video encoding`. */
  label: string;
  /** Deadline of the job, in milliseconds. */
  timeoutMs: number;
  /** Cancels the job (the worker is terminated). */
  signal?: AbortSignal | undefined;
}

/** What a worker script posts back: its result bytes, or why it failed. */
export type WorkerAnswer = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

/**
 * Runs one job in a fresh `worker_threads` Worker and resolves the bytes it posts back. The worker is always
 * terminated: on its answer, on the deadline (`deadline_exceeded`), on cancellation (`canceled`), or when it
 * fails or exits without answering (`internal`). A fresh worker per job keeps WASM instances (Flite, the
 * H.264 encoder) out of the main thread, where repeated instantiation crashes Node 20.
 */
export function runWorkerJob(job: WorkerJob): Promise<Uint8Array> {
  if (job.signal?.aborted) {
    return Promise.reject(new MeshError(`${job.label} canceled`, 'canceled', { cause: job.signal.reason }));
  }
  const worker = new Worker(job.script, {
    workerData: job.workerData,
    transferList: job.transferList ? [...job.transferList] : [],
    // Do not inherit the parent's loaders or flags; silence the experimental WASI warning.
    execArgv: ['--no-warnings'],
  });
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const fail = (message: string, code: 'canceled' | 'deadline_exceeded' | 'internal', cause?: unknown) =>
      finish(() => reject(new MeshError(message, code, cause === undefined ? {} : { cause })));
    const onAbort = () => fail(`${job.label} canceled`, 'canceled', job.signal?.reason);
    const timer = setTimeout(
      () => fail(`${job.label} took over ${job.timeoutMs} ms`, 'deadline_exceeded'),
      job.timeoutMs,
    );
    job.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (answer: WorkerAnswer) =>
      answer.ok
        ? finish(() => resolve(answer.bytes))
        : fail(`${job.label} failed: ${answer.message}`, 'internal'),
    );
    worker.once('error', (error) => fail(`${job.label} worker failed: ${error.message}`, 'internal', error));
    worker.once('exit', (code) =>
      fail(`${job.label} worker exited with code ${code} before answering`, 'internal'),
    );
  });
}
