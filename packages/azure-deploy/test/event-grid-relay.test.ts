import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createEventGridReceiver,
  createGitHubDispatcher,
  type ReceiverServer,
  type RelayAlert,
  serveEventGridReceiver,
  syncBundle,
} from '../src/index.js';
import { type Azurite, startAzurite, startRecordingProxy } from '../src/testing/index.js';
import { createEventGridEmulator } from './event-grid-emulator.js';
import { type StandIn, startStandIn } from './github-stand-in.js';
import { writeTestBundle } from './write-test-bundle.js';

const SECRET = 'a-relay-secret-of-32-characters!';
let azurite: Azurite;
let root: string;
let github: StandIn;
let relay: ReceiverServer;
let alerts: RelayAlert[];
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  azurite = await startAzurite();
  root = await mkdtemp(join(tmpdir(), 'azure-deploy-relay-'));
});
afterAll(async () => {
  await azurite?.close();
  await rm(root, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function startRelay() {
  github = await startStandIn();
  alerts = [];
  const dispatcher = createGitHubDispatcher({
    repository: 'me/kidsstories',
    token: 'ghp_test',
    baseUrl: github.origin,
    initialDelayMs: 1,
    maxDelayMs: 5,
    maxAttempts: 3,
    onAlert: (alert) => alerts.push(alert),
  });
  relay = await serveEventGridReceiver(
    createEventGridReceiver({ auth: { kind: 'shared-secret', secret: SECRET }, dispatcher }),
    { port: 0, hostname: '127.0.0.1' },
  );
  closers.push(
    () => github.close(),
    () => relay.close(),
  );
}

const dispatches = () => github.calls.filter((call) => call.path === '/repos/me/kidsstories/dispatches');

describe.each(['eventgrid', 'cloudevents'] as const)('Event Grid receiver (%s schema)', (schema) => {
  it('turns the Azurite writes of a sync into exactly one repository_dispatch', async () => {
    await startRelay();
    const emulator = createEventGridEmulator({
      endpoint: `${relay.url}/api/events`,
      schema,
      headers: { 'x-relay-secret': SECRET },
      blobOrigin: azurite.origin,
    });
    if (schema === 'eventgrid') {
      expect(await emulator.validateSubscription('512d38b6-c7b8-40c8-89fe-f46f9e9622b6')).toEqual({
        status: 200,
        body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' },
      });
    } else {
      expect(await emulator.validateCloudEvents('eventgrid.azure.net')).toEqual({
        status: 200,
        allowedOrigin: 'eventgrid.azure.net',
      });
    }
    const proxy = await startRecordingProxy({ target: azurite.origin, onForwarded: emulator.onForwarded });
    closers.push(() => proxy.close());
    const container = BlobServiceClient.fromConnectionString(
      azurite.connectionString(proxy.origin),
    ).getContainerClient(`relay-${schema}`);
    await syncBundle(await writeTestBundle(join(root, schema)), { container });
    await emulator.idle();

    // One event per blob (9 files, the manifest and the lock blob), every delivery accepted, one dispatch.
    expect(emulator.deliveries).toHaveLength(11);
    expect(emulator.deliveries.every((delivery) => delivery.status === 200)).toBe(true);
    expect(dispatches()).toHaveLength(1);
    const [call] = dispatches();
    expect(call?.method).toBe('POST');
    expect(call?.headers.authorization).toBe('token ghp_test');
    const manifestDelivery = emulator.deliveries.find(
      (delivery) => (delivery.body as { dispatched: string[] }).dispatched.length === 1,
    );
    expect(call?.body).toEqual({
      event_type: 'stories-published',
      client_payload: {
        date: '2026-12-06',
        ageBand: '6-8',
        container: `relay-${schema}`,
        blob: 'stories/2026-12-06/6-8/story-manifest.json',
        eventId: manifestDelivery?.eventIds[0],
        url: `${azurite.origin}/devstoreaccount1/relay-${schema}/stories/2026-12-06/6-8/story-manifest.json`,
      },
    });

    // Event Grid delivers at least once: the same event again is a duplicate, not a second dispatch.
    const again = emulator.blobCreated(
      `relay-${schema}`,
      'stories/2026-12-06/6-8/story-manifest.json',
      'PutBlob',
    );
    expect((await emulator.post([again])).body).toMatchObject({ dispatched: [again.id] });
    expect((await emulator.post([again])).body).toMatchObject({ duplicates: [again.id], dispatched: [] });
    expect(dispatches()).toHaveLength(2);
  });

  it('refuses a bad or missing secret with 401 and dispatches nothing', async () => {
    await startRelay();
    const event = (secret?: string) =>
      createEventGridEmulator({
        endpoint: `${relay.url}/api/events`,
        schema,
        ...(secret !== undefined && { headers: { 'x-relay-secret': secret } }),
        blobOrigin: azurite.origin,
      });
    const wrong = event('not-the-secret-but-as-long-as-it!');
    const none = event();
    const manifest = (emulator: ReturnType<typeof event>) =>
      emulator.blobCreated('c', 'stories/2026-12-06/6-8/story-manifest.json', 'PutBlob');
    expect((await wrong.post([manifest(wrong)])).status).toBe(401);
    expect((await none.post([manifest(none)])).status).toBe(401);
    // The secret may also travel in the endpoint URL's query.
    const inQuery = createEventGridEmulator({
      endpoint: `${relay.url}/api/events?code=${encodeURIComponent(SECRET)}`,
      schema,
      blobOrigin: azurite.origin,
    });
    expect((await inQuery.post([manifest(inQuery)])).status).toBe(200);
    expect(dispatches()).toHaveLength(1);
  });
});

describe('Event Grid receiver: filtering, malformed events and GitHub failures', () => {
  it('ignores other blobs, rejects events without topic, retries GitHub 5xx and alerts on a bad token', async () => {
    await startRelay();
    const emulator = createEventGridEmulator({
      endpoint: `${relay.url}/`,
      schema: 'eventgrid',
      headers: { 'x-relay-secret': SECRET },
      blobOrigin: azurite.origin,
    });
    const picture = emulator.blobCreated('c', 'stories/2026-12-06/6-8/pages/01.png', 'PutBlob');
    const elsewhere = emulator.blobCreated('c', 'drafts/story-manifest.json', 'PutBlob');
    expect((await emulator.post([picture, elsewhere])).body).toEqual({
      dispatched: [],
      duplicates: [],
      ignored: [picture.id, elsewhere.id],
    });
    const { topic: _topic, ...withoutTopic } = emulator.blobCreated(
      'c',
      'stories/2026-12-06/3-5/story-manifest.json',
      'PutBlob',
    ) as Record<string, unknown>;
    const malformed = await emulator.post([withoutTopic]);
    expect(malformed.status).toBe(400);
    expect(dispatches()).toHaveLength(0);

    // Two 502s, then GitHub accepts: three calls, one dispatch.
    github.script.push({ status: 502 }, { status: 502 });
    const manifest = emulator.blobCreated('c', 'stories/2026-12-06/9-12/story-manifest.json', 'PutBlockList');
    expect((await emulator.post([manifest])).body).toMatchObject({ dispatched: [manifest.id] });
    expect(dispatches()).toHaveLength(3);

    // A bad token: a clear error, an alert, no retry, and the event stays undelivered for Event Grid to retry.
    github.script.push({ status: 401, body: { message: 'Bad credentials' } });
    const next = emulator.blobCreated('c', 'stories/2026-12-07/6-8/story-manifest.json', 'PutBlob');
    const refused = await emulator.post([next]);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ code: 'unauthenticated' });
    expect((refused.body as { error: string }).error).toMatch(/GitHub rejected the token \(401\)/);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'github-unauthorized', status: 401 })]);
    expect((await emulator.post([next])).body).toMatchObject({ dispatched: [next.id] });

    // Persistent 503: the receiver answers 503 so that Event Grid redelivers later.
    github.fallback = () => ({ status: 503 });
    const later = emulator.blobCreated('c', 'stories/2026-12-08/6-8/story-manifest.json', 'PutBlob');
    expect((await emulator.post([later])).status).toBe(503);
  });

  it('checks GitHub limits before calling it', async () => {
    const dispatcher = createGitHubDispatcher({
      repository: 'me/kidsstories',
      token: 't',
      baseUrl: 'http://127.0.0.1:9',
    });
    await expect(dispatcher.dispatch({ eventType: 'x'.repeat(101), clientPayload: {} })).rejects.toThrow(
      /event_type must have 1 to 100 characters/,
    );
    const payload = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`k${index}`, index]));
    await expect(dispatcher.dispatch({ eventType: 'x', clientPayload: payload })).rejects.toThrow(
      /at most 10 top-level keys/,
    );
    expect(() => createGitHubDispatcher({ repository: 'nope', token: 't' })).toThrow(/owner\/name/);
  });
});
