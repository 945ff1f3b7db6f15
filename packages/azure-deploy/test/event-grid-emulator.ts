import { randomUUID } from 'node:crypto';
import type { ProxiedRequest } from '../src/testing/index.js';

/** The resource id Event Grid puts in `topic` (Event Grid schema) or `source` (CloudEvents) for a storage account. */
export const STORAGE_TOPIC =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kidsstories/providers/Microsoft.Storage/storageAccounts/devstoreaccount1';

/** One delivery the emulator made and the receiver's answer. */
export interface Delivery {
  status: number;
  body: unknown;
  eventIds: string[];
}

/** Options for {@link createEventGridEmulator}. */
export interface EventGridEmulatorOptions {
  /** The subscription's webhook URL (with `?code=` when the secret travels in the query). */
  endpoint: string;
  schema: 'eventgrid' | 'cloudevents';
  /** Delivery headers of the subscription (such as `x-relay-secret`). */
  headers?: Record<string, string>;
  /** The blob endpoint the events' `data.url` points at. */
  blobOrigin: string;
}

/**
 * A small Event Grid stand-in (nothing on npm emulates Event Grid, and Azurite emits no events): it turns
 * successful blob writes seen by a proxy in front of Azurite (Put Blob, Put Block List) into
 * `Microsoft.Storage.BlobCreated` events shaped as the real service sends them, `topic` included, and posts them to
 * the receiver in the Event Grid schema or as CloudEvents 1.0. It also performs both validation handshakes.
 */
export function createEventGridEmulator(options: EventGridEmulatorOptions) {
  const deliveries: Delivery[] = [];
  const pending = new Set<Promise<void>>();

  const blobCreated = (container: string, blob: string, api: 'PutBlob' | 'PutBlockList') => {
    const id = randomUUID();
    const subject = `/blobServices/default/containers/${container}/blobs/${blob}`;
    const data = {
      api,
      clientRequestId: randomUUID(),
      requestId: randomUUID(),
      eTag: '0x8DC0000000000',
      contentType: 'application/octet-stream',
      contentLength: 1,
      blobType: 'BlockBlob',
      url: `${options.blobOrigin}/devstoreaccount1/${container}/${blob}`,
      sequencer: '0000000000000000000000000000000000000000000000000',
      storageDiagnostics: { batchId: randomUUID() },
    };
    const time = new Date().toISOString();
    return options.schema === 'eventgrid'
      ? {
          id,
          topic: STORAGE_TOPIC,
          subject,
          eventType: 'Microsoft.Storage.BlobCreated',
          eventTime: time,
          data,
          dataVersion: '',
          metadataVersion: '1',
        }
      : {
          specversion: '1.0',
          id,
          source: STORAGE_TOPIC,
          subject,
          type: 'Microsoft.Storage.BlobCreated',
          time,
          datacontenttype: 'application/json',
          data,
        };
  };

  const post = async (events: Array<Record<string, unknown>>, extraHeaders: Record<string, string> = {}) => {
    const response = await fetch(options.endpoint, {
      method: 'POST',
      headers: {
        'content-type':
          options.schema === 'eventgrid'
            ? 'application/json'
            : 'application/cloudevents-batch+json; charset=utf-8',
        'aeg-event-type': 'Notification',
        ...options.headers,
        ...extraHeaders,
      },
      body: JSON.stringify(events),
    });
    const text = await response.text();
    const delivery = {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      eventIds: events.map((event) => String(event.id)),
    };
    deliveries.push(delivery);
    return delivery;
  };

  return {
    deliveries,
    blobCreated,
    post,
    /** Forward this to the recording proxy's `onForwarded`. */
    onForwarded(request: ProxiedRequest) {
      const comp = request.query.get('comp');
      if (request.method !== 'PUT' || request.status !== 201) return;
      if (comp !== null && comp !== 'blocklist') return;
      const [, , container, ...blob] = request.path.split('/');
      if (!container || blob.length === 0 || request.query.get('restype') === 'container') return;
      const sent = post([blobCreated(container, blob.join('/'), comp ? 'PutBlockList' : 'PutBlob')]).then(
        () => undefined,
      );
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
    },
    /** Resolves once every delivery started so far has been answered. */
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    /** The Event Grid schema handshake: resolves the receiver's answer. */
    async validateSubscription(validationCode: string) {
      const response = await fetch(options.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'aeg-event-type': 'SubscriptionValidation',
          ...options.headers,
        },
        body: JSON.stringify([
          {
            id: randomUUID(),
            topic: STORAGE_TOPIC,
            subject: '',
            eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
            eventTime: new Date().toISOString(),
            data: { validationCode, validationUrl: 'https://rp-eastus.eventgrid.azure.net/validate?code=x' },
            dataVersion: '2',
            metadataVersion: '1',
          },
        ]),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    },
    /** The CloudEvents 1.0 abuse-protection handshake. */
    async validateCloudEvents(origin = 'eventgrid.azure.net') {
      const response = await fetch(options.endpoint, {
        method: 'OPTIONS',
        headers: { 'WebHook-Request-Origin': origin, 'WebHook-Request-Rate': '120' },
      });
      return { status: response.status, allowedOrigin: response.headers.get('webhook-allowed-origin') };
    },
  };
}
