import { expectMeshError } from '@kidsstories/mesh-core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudProviders } from '../../src/providers/cloud/create-cloud-providers.js';
import { mp4InfoOf } from '../../src/providers/cloud/mp4-info.js';
import { createRunwareClient } from '../../src/providers/cloud/runware-client.js';
import type { KidsStoriesProviders } from '../../src/providers/provider-types.js';
import { type FakeHttpServer, type RecordedRequest, startFakeHttpServer } from './fake-http-server.js';
import { makeMp4, makePng } from './media-fixtures.js';

let api: FakeHttpServer;
let cdn: FakeHttpServer;
let providers: Partial<KidsStoriesProviders>;
let mp4: Uint8Array;
const png = makePng(64, 64);

/** A Runware task API: accepts the videoInference task, answers `processing` `pollsBeforeReady` times, then success. */
function runwareHandler(pollsBeforeReady: number, final: (taskUUID: string) => Record<string, unknown>) {
  let polls = 0;
  return (request: RecordedRequest) => {
    const [task] = request.json() as Array<Record<string, unknown>>;
    if (task?.taskType === 'videoInference') {
      return { json: { data: [{ taskType: 'videoInference', taskUUID: task.taskUUID }] } };
    }
    polls++;
    const taskUUID = String(task?.taskUUID);
    if (polls <= pollsBeforeReady) {
      return { json: { data: [{ taskType: 'videoInference', taskUUID, status: 'processing' }] } };
    }
    return { json: { data: [{ taskType: 'videoInference', taskUUID, ...final(taskUUID) }] } };
  };
}

beforeAll(async () => {
  api = await startFakeHttpServer();
  cdn = await startFakeHttpServer();
  mp4 = await makeMp4(50, 10);
  cdn.handle(() => ({ headers: { 'content-type': 'video/mp4' }, body: mp4 }));
  providers = createCloudProviders({
    env: { RUNWARE_API_KEY: 'rw-test-key', RUNWARE_BASE_URL: `${api.url}/v1`, RUNWARE_POLL_INTERVAL_MS: '1' },
  });
});
afterAll(async () => {
  await api.close();
  await cdn.close();
});
beforeEach(() => {
  api.requests.length = 0;
  cdn.requests.length = 0;
});

describe('Runware image-to-video', () => {
  it('submits a videoInference task, polls getResponse until the URL is ready, then downloads and measures it', async () => {
    api.handle(
      runwareHandler(2, () => ({
        status: 'success',
        videoUUID: 'v-1',
        videoURL: `${cdn.url}/v-1.mp4`,
        cost: 0.25,
      })),
    );
    const result = await providers.video!.animate(
      {
        png,
        motion: 'slow zoom toward the fox',
        durationSec: 5,
        model: 'klingai:5@3',
        width: 64,
        height: 64,
      },
      { seed: 11 },
    );
    expect(api.requests).toHaveLength(4);
    const submit = api.requests[0]!;
    expect(submit.method).toBe('POST');
    expect(submit.path).toBe('/v1');
    expect(submit.headers.authorization).toBe('Bearer rw-test-key');
    expect(submit.headers['content-type']).toBe('application/json');
    const [task] = submit.json();
    expect(task).toMatchObject({
      taskType: 'videoInference',
      model: 'klingai:5@3',
      positivePrompt: 'slow zoom toward the fox',
      duration: 5,
      width: 64,
      height: 64,
      seed: 11,
      outputType: 'URL',
      outputFormat: 'MP4',
      deliveryMethod: 'async',
      includeCost: true,
      numberResults: 1,
    });
    expect(task.taskUUID).toMatch(/^[0-9a-f-]{36}$/);
    expect(task.frameImages).toEqual([
      { inputImage: `data:image/png;base64,${Buffer.from(png).toString('base64')}`, frame: 'first' },
    ]);
    for (const poll of api.requests.slice(1)) {
      expect(poll.json()).toEqual([{ taskType: 'getResponse', taskUUID: task.taskUUID }]);
    }
    // The key goes to the API only, never to the download host.
    expect(cdn.requests).toHaveLength(1);
    expect(cdn.requests[0]!.headers.authorization).toBeUndefined();
    expect(Buffer.from(result.mp4).equals(Buffer.from(mp4))).toBe(true);
    expect(result.durationSec).toBeCloseTo(5, 1);
    expect(result.frameCount).toBe(50);
    expect(mp4InfoOf(result.mp4).codec).toBe('avc1');
    expect(result.model).toBe('klingai:5@3');
    expect(result.usage).toEqual({ model: 'klingai:5@3', seconds: result.durationSec, requests: 1 });
  });

  it('maps 429 with Retry-After to resource_exhausted with retryAfterMs', async () => {
    api.handle(() => ({
      status: 429,
      headers: { 'retry-after': '4' },
      json: { errors: [{ code: 'rateLimitExceeded', message: 'Too many requests' }] },
    }));
    const error = await expectMeshError(
      providers.video!.animate({ png, motion: 'pan', durationSec: 5, model: 'vidu:1@5' }),
      'resource_exhausted',
    );
    expect(error.details.retryAfterMs).toBe(4000);
    expect(error.details.provider).toBe('runware');
    expect(error.details.providerCode).toBe('rateLimitExceeded');
  });

  it('maps 500 to unavailable and an invalid key to unauthenticated', async () => {
    api.handle(() => ({ status: 500, json: { errors: [{ code: 'internalError', message: 'boom' }] } }));
    const request = { png, motion: 'pan', durationSec: 5, model: 'vidu:1@5' };
    await expectMeshError(providers.video!.animate(request), 'unavailable');
    api.handle(() => ({
      status: 401,
      json: { errors: [{ code: 'invalidApiKey', message: 'Invalid API key' }] },
    }));
    await expectMeshError(providers.video!.animate(request), 'unauthenticated');
  });

  it('maps a content-moderation refusal (submit or async task error) to failed_precondition', async () => {
    const request = { png, motion: 'pan', durationSec: 5, model: 'vidu:1@5' };
    api.handle(() => ({
      status: 400,
      json: { errors: [{ code: 'contentModeration', message: 'Input image flagged by content moderation' }] },
    }));
    await expectMeshError(providers.video!.animate(request), 'failed_precondition');
    api.handle(
      runwareHandler(0, () => ({
        status: 'error',
        message: 'Generated video blocked: NSFW content detected',
      })),
    );
    await expectMeshError(providers.video!.animate(request), 'failed_precondition');
    api.handle(runwareHandler(0, () => ({ status: 'error', message: 'GPU worker crashed' })));
    await expectMeshError(providers.video!.animate(request), 'unavailable');
  });

  it('gives up with deadline_exceeded after maxWaitMs (fake clock) and cancels on abort', async () => {
    let clock = 0;
    const client = createRunwareClient({
      apiKey: 'k',
      baseURL: `${api.url}/v1`,
      pollIntervalMs: 1,
      maxWaitMs: 10_000,
      now: () => clock,
    });
    api.handle((request) => {
      clock += 4000;
      const [task] = request.json();
      return {
        json: { data: [{ taskType: 'videoInference', taskUUID: task.taskUUID, status: 'processing' }] },
      };
    });
    const video = {
      model: 'm',
      positivePrompt: 'p',
      durationSec: 5,
      inputImage: 'data:image/png;base64,AA==',
    };
    const _late = await expectMeshError(client.videoInference(video), 'deadline_exceeded');
    expect(api.requests.length).toBeLessThanOrEqual(4);

    const controller = new AbortController();
    const slow = createRunwareClient({ apiKey: 'k', baseURL: `${api.url}/v1`, pollIntervalMs: 5_000 });
    const pending = slow.videoInference(video, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expectMeshError(pending, 'canceled');
  });

  it('rejects bad input before calling Runware', async () => {
    const tooLong = await expectMeshError(
      providers.video!.animate({ png, motion: 'pan', durationSec: 60, model: 'vidu:1@5' }),
      'invalid_argument',
    );
    expect(tooLong.details.field).toBe('durationSec');
    const notPng = await expectMeshError(
      providers.video!.animate({
        png: new Uint8Array([1, 2, 3]),
        motion: 'pan',
        durationSec: 5,
        model: 'vidu:1@5',
      }),
      'invalid_argument',
    );
    expect(notPng.details.field).toBe('png');
    expect(api.requests).toHaveLength(0);
  });
});
