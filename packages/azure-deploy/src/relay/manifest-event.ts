import { AGE_BANDS, type AgeBand, BUNDLE_FILES, isBundleDate } from '@kidsstories/kidsstories-tools/bundle';

/** A `BlobCreated` event for a bundle's `story-manifest.json`: a story is fully online. */
export interface ManifestCreated {
  /** Event id (the deduplication key). */
  eventId: string;
  /** Storage account resource id (the event's `topic`). */
  topic: string;
  container: string;
  /** Blob name, `…stories/{date}/{ageBand}/story-manifest.json`. */
  blob: string;
  date: string;
  ageBand: AgeBand;
  /** The blob's URL, when the event carries it. */
  url?: string;
}

const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;

/**
 * Reads a `Microsoft.Storage.BlobCreated` event's subject (`/blobServices/default/containers/{c}/blobs/{name}`)
 * and resolves the manifest it announces, or `undefined` for any other blob (pictures, narration, lock blobs,
 * manifests outside `stories/{date}/{ageBand}/`).
 */
export function manifestCreatedOf(event: {
  id: string;
  topic: string;
  subject: string;
  url?: string | undefined;
}): ManifestCreated | undefined {
  const match = SUBJECT.exec(event.subject);
  if (!match) return undefined;
  const [, container = '', blob = ''] = match;
  const parts = blob.split('/');
  const [name, ageBand, date, stories] = parts.slice(-4).reverse();
  if (name !== BUNDLE_FILES.manifest || stories !== 'stories') return undefined;
  if (!date || !isBundleDate(date) || !(AGE_BANDS as readonly string[]).includes(ageBand ?? ''))
    return undefined;
  return {
    eventId: event.id,
    topic: event.topic,
    container,
    blob,
    date,
    ageBand: ageBand as AgeBand,
    ...(event.url !== undefined && { url: event.url }),
  };
}
