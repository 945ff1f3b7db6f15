import { randomUUID } from 'node:crypto';
import { MeshError } from '@kidsstories/mesh-core';
import { meshErrorFromProvider } from '../provider-errors.js';
import type { FetchFunction } from './openai-client.js';

/** One task of Runware's task API: `taskType`, a client-chosen `taskUUID`, and the task's own fields. */
export interface RunwareTask {
  taskType: string;
  taskUUID: string;
  [field: string]: unknown;
}

/** One item of a Runware response's `data` array. */
export interface RunwareResult {
  taskType: string;
  taskUUID: string;
  /** `processing` / `pending` while running, then `success` or `error` (async tasks). */
  status?: string;
  videoURL?: string;
  videoUUID?: string;
  /** Cost in USD, when the task asked `includeCost`. */
  cost?: number;
  [field: string]: unknown;
}

/** An image-to-video request for {@link RunwareClient.videoInference}. */
export interface RunwareVideoRequest {
  /** Runware model id (AIR), for example `klingai:5@3`. */
  model: string;
  /** Motion and scene description sent as `positivePrompt`. */
  positivePrompt: string;
  /** Clip length in seconds. */
  durationSec: number;
  /** First frame: a data URI, base64, URL or Runware image UUID. */
  inputImage: string;
  width?: number;
  height?: number;
  seed?: number;
  /** Frames per second, sent as `fps`. */
  fps?: number;
  /** Last frame (same forms as `inputImage`), so the clip ends on it: a loop when it is the first. */
  lastImage?: string;
}

/** A finished video task. */
export interface RunwareVideo {
  taskUUID: string;
  videoURL: string;
  videoUUID?: string;
  costUsd?: number;
}

/** Options for {@link createRunwareClient}. */
export interface RunwareClientOptions {
  /** API key, sent as `Authorization: Bearer` to `baseURL` only, never to download URLs. */
  apiKey: string;
  /** Task endpoint. Default `https://api.runware.ai/v1`. */
  baseURL?: string;
  /** `fetch` for every request. Default: the global `fetch`. */
  fetch?: FetchFunction;
  /** Delay between `getResponse` polls, in milliseconds. Default 2000. */
  pollIntervalMs?: number;
  /** Longest wait for one video task, in milliseconds. Default 600 000. */
  maxWaitMs?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
  /** Task id generator. Default `crypto.randomUUID`. */
  generateId?: () => string;
}

/** A small client for Runware's task API over `fetch`. Every failure rejects with a `MeshError`. */
export interface RunwareClient {
  /** Posts a JSON array of tasks and resolves the `data` items. */
  runTasks(tasks: readonly RunwareTask[], signal?: AbortSignal): Promise<RunwareResult[]>;
  /**
   * Submits a `videoInference` task (`deliveryMethod: 'async'`, one MP4 result as a URL, cost included) and
   * polls `getResponse` until the video URL is ready.
   *
   * @throws MeshError `deadline_exceeded` after `maxWaitMs`; `canceled` when `signal` aborts; task errors and
   *   HTTP failures through `meshErrorFromProvider`.
   */
  videoInference(request: RunwareVideoRequest, signal?: AbortSignal): Promise<RunwareVideo>;
  /** Downloads a result URL (without credentials). */
  download(url: string, signal?: AbortSignal): Promise<Uint8Array>;
}

const PROVIDER = 'runware';

/**
 * Creates a {@link RunwareClient}.
 *
 * @example
 * ```ts
 * const runware = createRunwareClient({ apiKey: process.env.RUNWARE_API_KEY! });
 * const video = await runware.videoInference({ model: 'klingai:5@3', positivePrompt: 'slow zoom', durationSec: 5, inputImage });
 * const mp4 = await runware.download(video.videoURL);
 * ```
 */
export function createRunwareClient(options: RunwareClientOptions): RunwareClient {
  const baseURL = options.baseURL ?? 'https://api.runware.ai/v1';
  const fetchFn: FetchFunction = options.fetch ?? ((input, init) => fetch(input, init));
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const maxWaitMs = options.maxWaitMs ?? 600_000;
  const now = options.now ?? Date.now;
  const generateId = options.generateId ?? randomUUID;

  const request = async (input: string, init: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await fetchFn(input, init);
    } catch (error) {
      throw meshErrorFromProvider(error, { provider: PROVIDER });
    }
    if (!response.ok) {
      const body = await response.text().catch(() => '');
      const first = firstErrorOf(safeJson(body));
      throw meshErrorFromProvider(
        {
          status: response.status,
          headers: response.headers,
          ...(first?.message ? { message: first.message } : body ? { message: body.slice(0, 300) } : {}),
          ...(first?.code ? { code: first.code } : {}),
        },
        { provider: PROVIDER, now },
      );
    }
    return response;
  };

  const runTasks: RunwareClient['runTasks'] = async (tasks, signal) => {
    const response = await request(baseURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
      body: JSON.stringify(tasks),
      ...(signal ? { signal } : {}),
    });
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw meshErrorFromProvider(error, { provider: PROVIDER });
    }
    const first = firstErrorOf(body);
    if (first) {
      throw meshErrorFromProvider(
        {
          status: response.status === 200 ? 400 : response.status,
          message: first.message ?? 'task failed',
          ...(first.code ? { code: first.code } : {}),
        },
        { provider: PROVIDER, now },
      );
    }
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data)) {
      throw new MeshError(`${PROVIDER}: the response has no data array`, 'internal', {
        details: { provider: PROVIDER },
      });
    }
    return data as RunwareResult[];
  };

  return {
    runTasks,
    async videoInference(video, signal) {
      const taskUUID = generateId();
      const task: RunwareTask = {
        taskType: 'videoInference',
        taskUUID,
        model: video.model,
        positivePrompt: video.positivePrompt,
        duration: video.durationSec,
        frameImages: [
          { inputImage: video.inputImage, frame: 'first' },
          ...(video.lastImage === undefined ? [] : [{ inputImage: video.lastImage, frame: 'last' }]),
        ],
        outputType: 'URL',
        outputFormat: 'MP4',
        numberResults: 1,
        deliveryMethod: 'async',
        includeCost: true,
        ...(video.width === undefined ? {} : { width: video.width }),
        ...(video.height === undefined ? {} : { height: video.height }),
        ...(video.seed === undefined ? {} : { seed: video.seed }),
        ...(video.fps === undefined ? {} : { fps: video.fps }),
      };
      await runTasks([task], signal);
      const deadline = now() + maxWaitMs;
      for (;;) {
        const results = await runTasks([{ taskType: 'getResponse', taskUUID }], signal);
        const result = results.find(
          (item) => item.taskUUID === taskUUID && item.taskType === 'videoInference',
        );
        if (result?.status === 'success' && typeof result.videoURL === 'string') {
          return {
            taskUUID,
            videoURL: result.videoURL,
            ...(typeof result.videoUUID === 'string' ? { videoUUID: result.videoUUID } : {}),
            ...(typeof result.cost === 'number' ? { costUsd: result.cost } : {}),
          };
        }
        if (result?.status === 'error') {
          // The task ran and failed on Runware's side: a provider fault (unavailable), unless it was refused by
          // content moderation, which the code or message says.
          const message = typeof result.message === 'string' ? result.message : 'video task failed';
          const code = typeof result.code === 'string' ? result.code : undefined;
          throw meshErrorFromProvider(
            { status: 502, message, ...(code ? { code } : {}) },
            { provider: PROVIDER, now },
          );
        }
        if (now() + pollIntervalMs > deadline) {
          throw new MeshError(
            `${PROVIDER}: video task ${taskUUID} not ready after ${maxWaitMs} ms`,
            'deadline_exceeded',
            {
              details: { provider: PROVIDER, taskUUID },
            },
          );
        }
        await delay(pollIntervalMs, signal);
      }
    },
    async download(url, signal) {
      const response = await request(url, { method: 'GET', ...(signal ? { signal } : {}) });
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw meshErrorFromProvider(error, { provider: PROVIDER });
      }
    },
  };
}

/** Waits `ms`, rejecting with `canceled` when `signal` aborts. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(
        meshErrorFromProvider(signal.reason ?? new DOMException('aborted', 'AbortError'), {
          provider: PROVIDER,
        }),
      );
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(
        meshErrorFromProvider(signal?.reason ?? new DOMException('aborted', 'AbortError'), {
          provider: PROVIDER,
        }),
      );
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The first item of a Runware `errors` array (`{ code, message, parameter, taskUUID }`). */
function firstErrorOf(body: unknown): { code?: string; message?: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as Record<string, unknown>;
  const out: { code?: string; message?: string } = {};
  if (typeof first.code === 'string') out.code = first.code;
  if (typeof first.message === 'string') out.message = first.message;
  return out;
}
