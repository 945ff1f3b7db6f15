import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { CdnManagementClient } from '@azure/arm-cdn';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReleaseProgress, releaseSite } from '../src/index.js';
import { type RecordedCall, type StandIn, startStandIn } from './github-stand-in.js';

const APP_PATH = '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.App/containerApps/site';
const PURGE_PATH =
  '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Cdn/profiles/cdn/endpoints/web/purge';
const credential = {
  getToken: async () => ({ token: 'arm-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};
let arm: StandIn;
afterEach(async () => {
  await arm?.close();
});

/** A stand-in for Azure Resource Manager holding one multiple-revision Container App. */
async function startArm() {
  const app = {
    id: APP_PATH,
    name: 'site',
    location: 'westeurope',
    properties: {
      configuration: {
        activeRevisionsMode: 'Multiple',
        ingress: { external: true, targetPort: 80, traffic: [{ revisionName: 'site--r0', weight: 100 }] },
      },
      template: { revisionSuffix: 'r0', containers: [{ name: 'site', image: 'acr/story-site:old' }] },
    },
  };
  const revisions = new Set(['site--r0']);
  arm = await startStandIn((call: RecordedCall) => {
    if (call.path === APP_PATH && call.method === 'GET') return { status: 200, body: app };
    if (call.path === APP_PATH && call.method === 'PATCH') {
      const properties = (call.body as { properties: typeof app.properties }).properties;
      if (properties.template) {
        app.properties.template = properties.template;
        revisions.add(`site--${properties.template.revisionSuffix}`);
      }
      if (properties.configuration?.ingress)
        app.properties.configuration.ingress = properties.configuration.ingress;
      return { status: 200, body: app };
    }
    const revision = /\/revisions\/([^/]+)(\/deactivate)?$/.exec(call.path);
    if (revision?.[1] && call.path.startsWith(APP_PATH)) {
      if (revision[2]) return { status: 200 };
      return revisions.has(revision[1])
        ? { status: 200, body: { name: revision[1], properties: { fqdn: `${revision[1]}.example.test` } } }
        : { status: 404, body: { error: { code: 'ContainerAppRevisionNotFound', message: 'not found' } } };
    }
    if (call.path === PURGE_PATH && call.method === 'POST') return { status: 200 };
    return { status: 400, body: { error: { code: 'Unexpected', message: `${call.method} ${call.path}` } } };
  });
  // The real SDK clients, with their transport pointed at the stand-in.
  const inner = createDefaultHttpClient();
  const httpClient: HttpClient = {
    sendRequest: (request) => {
      request.url = request.url.replace('https://management.azure.com', arm.origin);
      request.allowInsecureConnection = true;
      return inner.sendRequest(request);
    },
  };
  return {
    app,
    containerApps: new ContainerAppsAPIClient(credential, 'sub-1', { httpClient }),
    cdn: new CdnManagementClient(credential, 'sub-1', { httpClient }),
  };
}

const healthFetch = (ok: boolean) =>
  (async () => new Response(null, { status: ok ? 200 : 503 })) as typeof fetch;

describe('releaseSite, through the real Container Apps and CDN SDK clients', () => {
  it('creates the revision, checks it, shifts traffic 0 -> 100% and purges the CDN; a rerun resumes', async () => {
    const { app, containerApps, cdn } = await startArm();
    const progress: ReleaseProgress[] = [];
    const options = {
      containerApps,
      cdn,
      resourceGroup: 'rg',
      appName: 'site',
      image: 'acr/story-site:abc1234',
      revisionSuffix: 'rabc1234',
      cdnProfile: 'cdn',
      cdnEndpoint: 'web',
      fetch: healthFetch(true),
      onProgress: (event: ReleaseProgress) => progress.push(event),
    };
    const report = await releaseSite(options);
    expect(report).toMatchObject({ revision: 'site--rabc1234', previous: 'site--r0', outcome: 'released' });
    expect(progress.map((event) => `${event.step}:${event.status}`)).toEqual([
      'revision:done',
      'health:done',
      'traffic:done',
      'purge:done',
    ]);
    const calls = arm.calls.map((call) => `${call.method} ${call.path} ${call.query.get('api-version')}`);
    expect(calls).toContain(`PATCH ${APP_PATH} 2025-07-01`);
    expect(calls).toContain(`POST ${PURGE_PATH} 2024-02-01`);
    const patches = arm.calls.filter((call) => call.method === 'PATCH');
    expect(patches[0]?.body).toMatchObject({
      properties: {
        template: { revisionSuffix: 'rabc1234', containers: [{ image: 'acr/story-site:abc1234' }] },
      },
    });
    expect(patches[1]?.body).toMatchObject({
      properties: {
        configuration: { ingress: { traffic: [{ revisionName: 'site--rabc1234', weight: 100 }] } },
      },
    });
    expect(arm.calls.find((call) => call.path === PURGE_PATH)?.body).toEqual({ contentPaths: ['/*'] });
    expect(arm.calls[0]?.headers.authorization).toBe('Bearer arm-token');
    expect(app.properties.configuration.ingress.traffic).toEqual([
      { revisionName: 'site--rabc1234', weight: 100 },
    ]);

    // The same release again: nothing to create or shift, only the (idempotent) purge.
    progress.length = 0;
    const again = await releaseSite(options);
    expect(again.outcome).toBe('released');
    expect(progress.map((event) => `${event.step}:${event.status}`)).toEqual([
      'revision:skipped',
      'health:done',
      'traffic:skipped',
      'purge:done',
    ]);
  });

  it('a failed health check rolls back: traffic stays on the previous revision and the new one is deactivated', async () => {
    const { app, containerApps, cdn } = await startArm();
    const report = await releaseSite({
      containerApps,
      cdn,
      resourceGroup: 'rg',
      appName: 'site',
      image: 'acr/story-site:bad',
      revisionSuffix: 'rbad',
      cdnProfile: 'cdn',
      cdnEndpoint: 'web',
      fetch: healthFetch(false),
      healthAttempts: 3,
      sleep: async () => {},
    });
    expect(report.outcome).toBe('rolled-back');
    expect(report.steps.map((step) => `${step.step}:${step.status}`)).toEqual([
      'revision:done',
      'health:failed',
      'rollback:done',
    ]);
    expect(
      arm.calls.some(
        (call) => call.method === 'POST' && call.path === `${APP_PATH}/revisions/site--rbad/deactivate`,
      ),
    ).toBe(true);
    expect(arm.calls.some((call) => call.path === PURGE_PATH)).toBe(false);
    expect(app.properties.configuration.ingress.traffic).toEqual([{ revisionName: 'site--r0', weight: 100 }]);
  });
});
