import { thrownMeshError } from '@kidsstories/mesh-core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveCloudSettings } from '../../src/providers/cloud/cloud-settings.js';
import { createProviders, parseProviderSelection } from '../../src/providers/create-providers.js';
import { type FakeHttpServer, startFakeHttpServer } from './fake-http-server.js';

let server: FakeHttpServer;
beforeAll(async () => {
  server = await startFakeHttpServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe('parseProviderSelection (KIDSSTORIES_PROVIDERS)', () => {
  it('defaults to offline, sets every kind with a plain entry and overrides kinds in order', () => {
    expect(Object.values(parseProviderSelection(undefined))).toEqual(new Array(7).fill('offline'));
    expect(parseProviderSelection('cloud').video).toBe('cloud');
    const mixed = parseProviderSelection(' cloud , video=offline, speech = offline ');
    expect(mixed).toMatchObject({ story: 'cloud', image: 'cloud', video: 'offline', speech: 'offline' });
    expect(parseProviderSelection('offline,video=cloud')).toMatchObject({ story: 'offline', video: 'cloud' });
  });

  it('names the variable and the problem for bad values', () => {
    const family = thrownMeshError(() => parseProviderSelection('online'));
    expect(family.code).toBe('invalid_argument');
    expect(family.details.field).toBe('KIDSSTORIES_PROVIDERS');
    expect(family.message).toContain('"online"');
    expect(thrownMeshError(() => parseProviderSelection('pictures=cloud')).message).toContain(
      'unknown provider kind "pictures"',
    );
  });
});

describe('resolveCloudSettings', () => {
  it('reads Azure, deployments, Phi-4 and Runware with defaults', () => {
    const settings = resolveCloudSettings({
      AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com/',
      AZURE_OPENAI_API_KEY: 'k',
      AZURE_OPENAI_IMAGE_DEPLOYMENT: 'dalle-3-prod',
      AZURE_AI_PHI4_ENDPOINT: 'https://phi.services.ai.azure.com/models',
      AZURE_AI_PHI4_KEY: 'p',
      RUNWARE_API_KEY: 'r',
    });
    expect(settings.openai).toEqual({
      kind: 'azure',
      endpoint: 'https://res.openai.azure.com',
      apiVersion: '2024-10-21',
      apiKey: 'k',
    });
    expect(settings.image).toEqual({ model: 'dall-e-3', deployment: 'dalle-3-prod' });
    expect(settings.story).toEqual({ model: 'gpt-4o', deployment: 'gpt-4o' });
    expect(settings.phi4).toEqual({
      baseURL: 'https://phi.services.ai.azure.com/models',
      apiKey: 'p',
      model: 'Phi-4',
    });
    expect(settings.runware).toEqual({
      apiKey: 'r',
      baseURL: 'https://api.runware.ai/v1',
      pollIntervalMs: 2000,
      maxWaitMs: 600_000,
    });
    expect(settings.moderation).toBeUndefined();
  });

  it('uses a static Entra ID token from AZURE_OPENAI_AD_TOKEN instead of a key', async () => {
    const settings = resolveCloudSettings({
      AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com',
      AZURE_OPENAI_AD_TOKEN: 'tok',
    });
    expect(settings.openai?.kind).toBe('azure');
    if (settings.openai?.kind !== 'azure') return;
    expect(settings.openai.apiKey).toBeUndefined();
    expect(await settings.openai.azureADTokenProvider?.()).toBe('tok');
  });

  it('rejects malformed values naming the variable', () => {
    expect(
      thrownMeshError(() => resolveCloudSettings({ AZURE_OPENAI_ENDPOINT: 'res.openai.azure.com' })).details
        .field,
    ).toBe('AZURE_OPENAI_ENDPOINT');
    expect(
      thrownMeshError(() => resolveCloudSettings({ AZURE_OPENAI_ENDPOINT: 'https://x' })).details.field,
    ).toBe('AZURE_OPENAI_API_KEY');
    expect(
      thrownMeshError(() => resolveCloudSettings({ AZURE_AI_PHI4_ENDPOINT: 'https://x' })).details.field,
    ).toBe('AZURE_AI_PHI4_KEY');
    const interval = thrownMeshError(() =>
      resolveCloudSettings({ RUNWARE_API_KEY: 'secret-runware-key', RUNWARE_POLL_INTERVAL_MS: 'fast' }),
    );
    expect(interval.details.field).toBe('RUNWARE_POLL_INTERVAL_MS');
    expect(JSON.stringify(interval.toJSON())).not.toContain('secret-runware-key');
  });
});

describe('createProviders', () => {
  it('is offline by default, with no keys and no network', () => {
    const providers = createProviders({ env: {} });
    for (const provider of Object.values(providers)) expect(provider.name).toMatch(/^offline/);
  });

  it('builds cloud providers from the environment when KIDSSTORIES_PROVIDERS=cloud', () => {
    const providers = createProviders({
      env: {
        KIDSSTORIES_PROVIDERS: 'cloud',
        AZURE_OPENAI_ENDPOINT: server.url,
        AZURE_OPENAI_API_KEY: 'k',
        OPENAI_API_KEY: 'sk',
        OPENAI_BASE_URL: `${server.url}/v1`,
        AZURE_AI_PHI4_ENDPOINT: `${server.url}/models`,
        AZURE_AI_PHI4_KEY: 'p',
        RUNWARE_API_KEY: 'r',
      },
    });
    expect(providers.story.name).toBe('azure-openai');
    expect(providers.image.name).toBe('azure-openai');
    expect(providers.speech.name).toBe('azure-openai');
    expect(providers.embedding.name).toBe('azure-openai');
    expect(providers.refine.name).toBe('azure-ai-phi4');
    expect(providers.safety.name).toBe('offline-rules+openai-moderation');
    expect(providers.video.name).toBe('runware');
  });

  it('mixes families per kind', () => {
    const providers = createProviders({
      env: { KIDSSTORIES_PROVIDERS: 'offline,video=cloud', RUNWARE_API_KEY: 'r' },
    });
    expect(providers.video.name).toBe('runware');
    expect(providers.story.name).toMatch(/^offline/);
  });

  it('fails clearly when a kind is set to cloud but not configured', () => {
    const error = thrownMeshError(() =>
      createProviders({ env: { KIDSSTORIES_PROVIDERS: 'offline,video=cloud' } }),
    );
    expect(error.code).toBe('failed_precondition');
    expect(error.message).toContain('RUNWARE_API_KEY');
  });

  it('keeps the offline rules in front of cloud moderation: an unsafe text never reaches the paid check', async () => {
    const providers = createProviders({
      env: {
        KIDSSTORIES_PROVIDERS: 'offline,safety=cloud',
        OPENAI_API_KEY: 'sk',
        OPENAI_BASE_URL: `${server.url}/v1`,
      },
    });
    const unsafe = await providers.safety.check('Call me on 555-123-4567', { ageBand: '6-8' });
    expect(unsafe.safe).toBe(false);
    expect(server.requests).toHaveLength(0);
    server.handle(() => ({
      json: {
        id: 'm',
        model: 'omni-moderation-latest',
        results: [{ flagged: true, categories: { hate: true }, category_scores: { hate: 0.9 } }],
      },
    }));
    const flagged = await providers.safety.check('A friendly walk in the park.', { ageBand: '6-8' });
    expect(flagged).toMatchObject({ safe: false, reasons: ['hate'] });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe('/v1/moderations');
  });
});
