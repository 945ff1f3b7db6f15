/**
 * `@kidsstories/azure-deploy/testing`: what the tests of this package and of the apps that sync to Blob Storage
 * share. Azurite (the `azurite` package, 3.35.0 on Node 20, must be installed) started in memory on a free port,
 * and a recording HTTP proxy to put in front of it. Not for production code.
 */

export type { Azurite, StartAzuriteOptions } from './start-azurite.js';
export { AZURITE_ACCOUNT, startAzurite } from './start-azurite.js';
export type { ProxiedRequest, RecordingProxy, RecordingProxyOptions } from './recording-proxy.js';
export { startRecordingProxy } from './recording-proxy.js';
