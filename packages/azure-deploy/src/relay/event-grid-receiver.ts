import { timingSafeEqual } from 'node:crypto';
import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import {
  createMemoryStateStore,
  type Logger,
  MeshError,
  type StateStore,
  silentLogger,
} from '@kidsstories/mesh-core';
import type { GitHubDispatcher } from './github-dispatcher.js';
import { type ManifestCreated, manifestCreatedOf } from './manifest-event.js';

/** Event type the relay dispatches by default; the workflow listens for it. */
export const DEFAULT_DISPATCH_EVENT_TYPE = 'stories-published';

/** How the receiver checks that a delivery comes from your Event Grid subscription. */
export type ReceiverAuth =
  /**
   * A shared secret, sent by the subscription as the `x-relay-secret` delivery header or as the `code` query
   * parameter of the endpoint URL (both are Event Grid subscription settings).
   */
  | { kind: 'shared-secret'; secret: string }
  /**
   * Any other check, such as an Entra ID bearer token (Event Grid's "Microsoft Entra authentication" on a
   * webhook) verified against your app registration: resolve true to accept.
   */
  | { kind: 'custom'; authorize: (request: Request) => boolean | Promise<boolean> };

/** Options for {@link createEventGridReceiver}. */
export interface EventGridReceiverOptions {
  auth: ReceiverAuth;
  /** Sends the `repository_dispatch` (see `createGitHubDispatcher`). */
  dispatcher: GitHubDispatcher;
  /** `event_type` of the dispatch. Default {@link DEFAULT_DISPATCH_EVENT_TYPE}. */
  eventType?: string;
  /** Where handled event ids are remembered (share a Redis store between replicas). Default in memory. */
  store?: StateStore;
  /** How long an event id is remembered, in milliseconds. Default 86 400 000 (Event Grid retries for 24 h). */
  dedupeTtlMs?: number;
  /** Log nothing but dispatch nothing either: report what would be dispatched. Default false. */
  dryRun?: boolean;
  /** Called for every dispatch (or, with `dryRun`, every would-be dispatch). */
  onDispatch?: (manifest: ManifestCreated) => void;
  /** Default: silent. */
  logger?: Logger;
}

/** A web-standard request handler (Node, Azure Functions v4, any fetch-style server). */
export type EventGridReceiver = (request: Request) => Promise<Response>;

const SEEN_PREFIX = 'azure-deploy:eventgrid:seen:';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function secretMatches(given: string | null, secret: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The Event Grid receiver of the release chain: an HTTP handler for Blob Storage `BlobCreated` events in the Event
 * Grid schema and in CloudEvents 1.0. It answers both validation handshakes (the Event Grid
 * `SubscriptionValidationEvent` with `{ validationResponse }`, and the CloudEvents `OPTIONS` request with
 * `WebHook-Allowed-Origin`), rejects deliveries that fail `auth` (401), parses events with `@azure/eventgrid`'s
 * deserializer (400 for malformed ones), ignores every blob but `stories/{date}/{ageBand}/story-manifest.json`,
 * drops event ids it has already handled, and dispatches the site workflow through GitHub's `repository_dispatch`.
 * A dispatch that fails after its retries answers 503 so that Event Grid delivers the event again later.
 *
 * @example
 * ```ts
 * const receive = createEventGridReceiver({
 *   auth: { kind: 'shared-secret', secret: process.env.RELAY_SECRET ?? '' },
 *   dispatcher: createGitHubDispatcher({ repository: 'me/kidsstories', token: process.env.GITHUB_TOKEN ?? '' }),
 * });
 * const response = await receive(request);
 * ```
 */
export function createEventGridReceiver(options: EventGridReceiverOptions): EventGridReceiver {
  if (options.auth.kind === 'shared-secret' && options.auth.secret.length < 16) {
    throw new MeshError('the relay secret must have at least 16 characters', 'invalid_argument', {
      details: { field: 'auth.secret' },
    });
  }
  const store = options.store ?? createMemoryStateStore();
  const ttlMs = options.dedupeTtlMs ?? 86_400_000;
  const eventType = options.eventType ?? DEFAULT_DISPATCH_EVENT_TYPE;
  const logger = options.logger ?? silentLogger;
  const deserializer = new EventGridDeserializer();
  const inFlight = new Map<string, Promise<void>>();

  const authorized = async (request: Request) => {
    const { auth } = options;
    if (auth.kind === 'custom') return auth.authorize(request);
    const query = new URL(request.url).searchParams.get('code');
    return secretMatches(request.headers.get('x-relay-secret') ?? query, auth.secret);
  };

  const dispatchOnce = async (manifest: ManifestCreated): Promise<'dispatched' | 'duplicate'> => {
    const key = `${SEEN_PREFIX}${manifest.eventId}`;
    if ((await store.hashGet(key, 'at')) !== undefined) return 'duplicate';
    const running = inFlight.get(manifest.eventId);
    if (running) {
      await running;
      return 'duplicate';
    }
    const work = (async () => {
      if (!options.dryRun) {
        await options.dispatcher.dispatch({
          eventType,
          clientPayload: {
            date: manifest.date,
            ageBand: manifest.ageBand,
            container: manifest.container,
            blob: manifest.blob,
            eventId: manifest.eventId,
            ...(manifest.url !== undefined && { url: manifest.url }),
          },
        });
        await store.hashSet(key, { at: new Date().toISOString() }, { ttlMs });
      }
      options.onDispatch?.(manifest);
      logger.info(options.dryRun ? 'would dispatch' : 'dispatched', { ...manifest, eventType });
    })();
    inFlight.set(manifest.eventId, work);
    try {
      await work;
    } finally {
      inFlight.delete(manifest.eventId);
    }
    return 'dispatched';
  };

  const handleEvents = async (
    events: Array<{ id: string; topic: string; subject: string; url?: string | undefined }>,
  ) => {
    const result = { dispatched: [] as string[], duplicates: [] as string[], ignored: [] as string[] };
    for (const event of events) {
      const manifest = manifestCreatedOf(event);
      if (!manifest) {
        result.ignored.push(event.id);
        continue;
      }
      const outcome = await dispatchOnce(manifest);
      (outcome === 'dispatched' ? result.dispatched : result.duplicates).push(event.id);
    }
    return result;
  };

  return async (request) => {
    if (request.method === 'OPTIONS') {
      // CloudEvents 1.0 webhook abuse protection: echo the origin to allow deliveries from it.
      const origin = request.headers.get('webhook-request-origin');
      if (!origin) return json(400, { error: 'OPTIONS without WebHook-Request-Origin' });
      return new Response(null, {
        status: 200,
        headers: { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*', allow: 'POST, OPTIONS' },
      });
    }
    if (request.method !== 'POST')
      return json(405, { error: `${request.method} is not allowed; POST events` });
    if (!(await authorized(request))) {
      logger.warn('event delivery refused: bad or missing secret or token');
      return json(401, { error: 'unauthorized: bad or missing relay secret or token' });
    }
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return json(400, { error: 'the body is not JSON' });
    }
    const cloudEvents = (request.headers.get('content-type') ?? '').includes('cloudevents');
    try {
      if (cloudEvents) {
        const events = await deserializer.deserializeCloudEvents(body as Record<string, unknown>);
        const blobEvents = events.filter((event) => isSystemEvent('Microsoft.Storage.BlobCreated', event));
        return json(
          200,
          await handleEvents(
            blobEvents.map((event) => ({
              id: event.id,
              topic: event.source,
              subject: event.subject ?? '',
              url: event.data?.url,
            })),
          ),
        );
      }
      const events = await deserializer.deserializeEventGridEvents(body as Record<string, unknown>);
      const validation = events.find((event) =>
        isSystemEvent('Microsoft.EventGrid.SubscriptionValidationEvent', event),
      );
      if (validation && isSystemEvent('Microsoft.EventGrid.SubscriptionValidationEvent', validation)) {
        logger.info('Event Grid subscription validated', { topic: validation.topic });
        return json(200, { validationResponse: validation.data.validationCode });
      }
      const blobEvents = events.filter((event) => isSystemEvent('Microsoft.Storage.BlobCreated', event));
      const ignoredTypes = events.filter((event) => !isSystemEvent('Microsoft.Storage.BlobCreated', event));
      const result = await handleEvents(
        blobEvents.map((event) => ({
          id: event.id,
          topic: event.topic ?? '',
          subject: event.subject,
          url: event.data.url,
        })),
      );
      result.ignored.push(...ignoredTypes.map((event) => event.id));
      return json(200, result);
    } catch (error) {
      if (MeshError.isInstance(error)) {
        logger.error('dispatch failed', { error });
        return json(error.code === 'unavailable' ? 503 : 502, { error: error.message, code: error.code });
      }
      return json(400, { error: `malformed events: ${(error as Error).message}` });
    }
  };
}
