import { expectMeshError } from '@kidsstories/mesh-core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudProviders } from '../../src/providers/cloud/create-cloud-providers.js';
import type { KidsStoriesProviders } from '../../src/providers/provider-types.js';
import { type FakeHttpServer, startFakeHttpServer } from './fake-http-server.js';

let server: FakeHttpServer;
let providers: Partial<KidsStoriesProviders>;

const moderation = (flagged: boolean, scores: Record<string, number>) => ({
  id: 'modr-1',
  model: 'omni-moderation-latest',
  results: [
    {
      flagged,
      categories: Object.fromEntries(
        Object.keys(scores).map((key) => [key, flagged && (scores[key] ?? 0) > 0.5]),
      ),
      category_scores: scores,
      category_applied_input_types: {},
    },
  ],
});

const completion = (content: string) => ({
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model: 'Phi-4',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal: null } }],
  usage: { prompt_tokens: 50, completion_tokens: 40, total_tokens: 90 },
});

beforeAll(async () => {
  server = await startFakeHttpServer();
  providers = createCloudProviders({
    env: {
      OPENAI_API_KEY: 'sk-test-openai',
      OPENAI_BASE_URL: `${server.url}/v1`,
      AZURE_AI_PHI4_ENDPOINT: `${server.url}/models`,
      AZURE_AI_PHI4_KEY: 'phi4-test-key',
      AZURE_AI_PHI4_API_VERSION: '2024-05-01-preview',
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe('OpenAI (not Azure)', () => {
  it('sends the model in the body, a bearer key and no api-version', async () => {
    server.handle(() => ({
      json: {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: new Array(3072).fill(0.1) }],
      },
    }));
    await providers.embedding!.embed(['hello']);
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/embeddings');
    expect(request.headers.authorization).toBe('Bearer sk-test-openai');
    expect(request.query.has('api-version')).toBe(false);
    expect(request.json()).toMatchObject({ model: 'text-embedding-3-large', encoding_format: 'float' });
    expect(providers.embedding!.name).toBe('openai');
  });
});

describe('OpenAI moderation (safety provider)', () => {
  it('passes safe text and reports usage', async () => {
    server.handle(() => ({ json: moderation(false, { violence: 0.01, 'self-harm': 0.0 }) }));
    const verdict = await providers.safety!.check('Pip shares a cake with friends.');
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/moderations');
    expect(request.json()).toEqual({
      model: 'omni-moderation-latest',
      input: 'Pip shares a cake with friends.',
    });
    expect(verdict).toEqual({
      safe: true,
      reasons: [],
      usage: { model: 'omni-moderation-latest', characters: 31, requests: 1 },
    });
  });

  it('flags text the API flags, and text above the stricter child threshold', async () => {
    server.handle(() => ({ json: moderation(true, { violence: 0.9, harassment: 0.1 }) }));
    expect(await providers.safety!.check('x')).toMatchObject({ safe: false, reasons: ['violence'] });
    server.handle(() => ({ json: moderation(false, { violence: 0.35, harassment: 0.1 }) }));
    expect(await providers.safety!.check('y')).toMatchObject({ safe: false, reasons: ['violence'] });
  });

  it('fails closed: a failed moderation call rejects, it never counts as safe', async () => {
    server.handle(() => ({ status: 500, json: { error: { message: 'down' } } }));
    await expectMeshError(providers.safety!.check('z'), 'unavailable');
  });
});

describe('Phi-4 refinement on an OpenAI-compatible Azure AI endpoint', () => {
  it('posts chat completions with api-version, both auth headers and the target grade', async () => {
    server.handle(() => ({ json: completion('  Pip saw a star. It was small.  ') }));
    const result = await providers.refine!.refine(
      { text: 'Pip observed a diminutive luminous celestial object.', targetGrade: 1.5, ageBand: '3-5' },
      { seed: 7 },
    );
    const request = server.requests[0]!;
    expect(request.path).toBe('/models/chat/completions');
    expect(request.query.get('api-version')).toBe('2024-05-01-preview');
    expect(request.headers.authorization).toBe('Bearer phi4-test-key');
    expect(request.headers['api-key']).toBe('phi4-test-key');
    const body = request.json();
    expect(body.model).toBe('Phi-4');
    expect(body.seed).toBe(7);
    expect(body.messages[0].content).toContain('aged 3-5');
    expect(body.messages[0].content).toContain('grade level is about 1.5');
    expect(body.messages[1]).toEqual({
      role: 'user',
      content: 'Pip observed a diminutive luminous celestial object.',
    });
    expect(result).toEqual({
      text: 'Pip saw a star. It was small.',
      usage: { model: 'phi-4', inputTokens: 50, outputTokens: 40, requests: 1 },
    });
    expect(providers.refine!.name).toBe('azure-ai-phi4');
  });

  it('maps 429 (Retry-After), 500 and a content-policy 400 from Phi-4', async () => {
    const request = { text: 'text', targetGrade: 2, ageBand: '6-8' };
    server.handle(() => ({
      status: 429,
      headers: { 'retry-after': '3' },
      json: { error: { message: 'busy' } },
    }));
    const limited = await expectMeshError(providers.refine!.refine(request), 'resource_exhausted');
    expect(limited.details.retryAfterMs).toBe(3000);
    expect(limited.details.provider).toBe('azure-ai-phi4');
    server.handle(() => ({ status: 500, json: { error: { message: 'boom' } } }));
    await expectMeshError(providers.refine!.refine(request), 'unavailable');
    server.handle(() => ({
      status: 400,
      json: {
        error: { code: 'content_filter', message: 'The response was filtered (content management policy).' },
      },
    }));
    await expectMeshError(providers.refine!.refine(request), 'failed_precondition');
    expect(server.requests).toHaveLength(3);
  });
});
