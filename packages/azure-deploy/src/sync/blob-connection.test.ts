import { ClientSecretCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { createContainerClient, resolveBlobConnection } from './blob-connection.js';
import { blobHeadersOf, CACHE_CONTROL } from './blob-headers.js';

const CONNECTION_STRING =
  'DefaultEndpointsProtocol=https;AccountName=kids;AccountKey=a2V5;EndpointSuffix=core.windows.net';

describe('resolveBlobConnection', () => {
  it('prefers flags over the environment, and a SAS URL over an account URL over a connection string', () => {
    const env = {
      AZURE_STORAGE_CONNECTION_STRING: CONNECTION_STRING,
      AZURE_STORAGE_ACCOUNT_URL: 'https://kids.blob.core.windows.net',
      AZURE_STORAGE_CONTAINER: 'daily',
    };
    expect(resolveBlobConnection({}, env)).toEqual({
      kind: 'account-url',
      accountUrl: 'https://kids.blob.core.windows.net',
      containerName: 'daily',
    });
    expect(resolveBlobConnection({ sasUrl: 'https://kids.blob.core.windows.net/s?sig=x' }, env)).toEqual({
      kind: 'sas-url',
      containerUrl: 'https://kids.blob.core.windows.net/s?sig=x',
    });
    expect(
      resolveBlobConnection({ containerName: 'other' }, { AZURE_STORAGE_CONNECTION_STRING: 'x' }),
    ).toEqual({
      kind: 'connection-string',
      connectionString: 'x',
      containerName: 'other',
    });
  });

  it('names the missing setting', () => {
    expect(() => resolveBlobConnection({}, {})).toThrow(/AZURE_STORAGE_CONNECTION_STRING/);
  });
});

describe('createContainerClient', () => {
  it('builds a client for each mode', () => {
    expect(
      createContainerClient({ kind: 'connection-string', connectionString: CONNECTION_STRING }).url,
    ).toBe('https://kids.blob.core.windows.net/stories');
    const credential = new ClientSecretCredential('tenant', 'client', 'secret');
    expect(
      createContainerClient({
        kind: 'account-url',
        accountUrl: 'https://kids.blob.core.windows.net',
        containerName: 'daily',
        credential,
      }).containerName,
    ).toBe('daily');
    expect(
      createContainerClient({ kind: 'sas-url', containerUrl: 'https://kids.blob.core.windows.net/s?sig=x' })
        .containerName,
    ).toBe('s');
  });

  it('reports a malformed connection string as invalid_argument', () => {
    expect(() => createContainerClient({ kind: 'connection-string', connectionString: 'nonsense' })).toThrow(
      /bad Blob Storage connection \(connection-string\)/,
    );
  });
});

describe('blobHeadersOf', () => {
  it('caches media for a year and the manifest briefly', () => {
    expect(blobHeadersOf('stories/2026-12-06/6-8/pages/01.png')).toEqual({
      blobContentType: 'image/png',
      blobCacheControl: CACHE_CONTROL.media,
    });
    expect(blobHeadersOf('clips/01.mp4').blobCacheControl).toBe(CACHE_CONTROL.media);
    expect(blobHeadersOf('story.json').blobCacheControl).toBe(CACHE_CONTROL.json);
    expect(blobHeadersOf('x/story-manifest.json').blobCacheControl).toBe(CACHE_CONTROL.manifest);
    expect(() => blobHeadersOf('notes.txt')).toThrow(/no content type/);
  });
});
