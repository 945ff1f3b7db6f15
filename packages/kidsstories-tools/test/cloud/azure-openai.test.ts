import { expectMeshError } from '@kidsstories/mesh-core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudProviders } from '../../src/providers/cloud/create-cloud-providers.js';
import { mp3InfoOf } from '../../src/providers/cloud/mp3-info.js';
import { strictJsonSchema } from '../../src/providers/cloud/strict-json-schema.js';
import type { CharacterLook, KidsStoriesProviders } from '../../src/providers/provider-types.js';
import { parseStory, storyJsonSchema } from '../../src/story/story-schema.js';
import { type FakeHttpServer, startFakeHttpServer } from './fake-http-server.js';
import { makeMp3, makePng } from './media-fixtures.js';
import { SAMPLE_STORY } from './sample-story.js';

const API_VERSION = '2024-10-21';
const KEY = 'azure-test-key-123';
let server: FakeHttpServer;
let providers: Partial<KidsStoriesProviders>;

const chatCompletion = (content: string, finishReason = 'stop') => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-2024-08-06',
  choices: [
    { index: 0, finish_reason: finishReason, message: { role: 'assistant', content, refusal: null } },
  ],
  usage: { prompt_tokens: 321, completion_tokens: 654, total_tokens: 975 },
});

const PIP: CharacterLook = {
  name: 'Pip',
  species: 'fox',
  physicalFeatures: ['bushy tail'],
  clothing: ['green scarf'],
  colorPalette: ['#E07A2F', '#2F8F4E'],
  distinctiveMarks: ['notch in left ear'],
};

beforeAll(async () => {
  server = await startFakeHttpServer();
  providers = createCloudProviders({
    env: {
      AZURE_OPENAI_ENDPOINT: `${server.url}/`,
      AZURE_OPENAI_API_KEY: KEY,
      AZURE_OPENAI_API_VERSION: API_VERSION,
      AZURE_OPENAI_STORY_DEPLOYMENT: 'gpt-4o-prod',
      AZURE_OPENAI_IMAGE_DEPLOYMENT: 'dalle-3-prod',
      AZURE_OPENAI_SPEECH_DEPLOYMENT: 'tts-hd-prod',
      KIDSSTORIES_SPEECH_MODEL: 'tts-1-hd',
      AZURE_OPENAI_EMBEDDING_DEPLOYMENT: 'embed-prod',
      KIDSSTORIES_EMBEDDING_DIMENSIONS: '4',
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe('Azure OpenAI story provider (structured output)', () => {
  it('posts to the deployment with api-version and api-key, sending the strict story schema', async () => {
    server.handle(() => ({ json: chatCompletion(JSON.stringify({ ...SAMPLE_STORY, extraNull: null })) }));
    const jsonSchema = storyJsonSchema();
    const result = await providers.story!.generateStory(
      {
        prompt: 'A 2-page story about a fox.',
        jsonSchema,
        parameters: {
          temperature: 0.8,
          top_p: 0.9,
          presence_penalty: 0.1,
          frequency_penalty: 0.2,
          max_tokens: 3000,
        },
      },
      { seed: 42 },
    );
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/openai/deployments/gpt-4o-prod/chat/completions');
    expect(request.query.get('api-version')).toBe(API_VERSION);
    expect(request.headers['api-key']).toBe(KEY);
    expect(request.headers.authorization).toBeUndefined();
    const body = request.json();
    expect(body.model).toBe('gpt-4o-prod');
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'story', strict: true, schema: strictJsonSchema(jsonSchema) },
    });
    const schema = body.response_format.json_schema.schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['title', 'ageBand', 'readingLevel', 'pages', 'characters', 'moral']);
    expect(schema.properties.pages.items.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).not.toContain('minLength');
    expect(body).toMatchObject({
      temperature: 0.8,
      top_p: 0.9,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      max_tokens: 3000,
      seed: 42,
    });
    expect(body.messages[1]).toEqual({ role: 'user', content: 'A 2-page story about a fox.' });
    expect(parseStory(result.story).title).toBe('Pip and the Lost Star');
    expect(result.usage).toEqual({ model: 'gpt-4o', inputTokens: 321, outputTokens: 654, requests: 1 });
  });

  it('maps a content_filter finish reason and a refusal to failed_precondition, and non-JSON to internal', async () => {
    server.handle(() => ({ json: chatCompletion('', 'content_filter') }));
    const request = { prompt: 'x', jsonSchema: storyJsonSchema(), parameters: {} };
    await expectMeshError(providers.story!.generateStory(request), 'failed_precondition');
    server.handle(() => {
      const completion = chatCompletion('');
      (completion.choices[0]!.message as { refusal: string | null }).refusal = 'I cannot help with that.';
      return { json: completion };
    });
    await expectMeshError(providers.story!.generateStory(request), 'failed_precondition');
    server.handle(() => ({ json: chatCompletion('Once upon a time') }));
    await expectMeshError(providers.story!.generateStory(request), 'internal');
  });

  it('maps 429 with Retry-After to resource_exhausted with retryAfterMs, without retrying', async () => {
    server.handle(() => ({
      status: 429,
      headers: { 'retry-after': '12' },
      json: { error: { code: '429', message: 'Rate limit is exceeded. Try again in 12 seconds.' } },
    }));
    const error = await expectMeshError(
      providers.story!.generateStory({ prompt: 'x', jsonSchema: storyJsonSchema(), parameters: {} }),
      'resource_exhausted',
    );
    expect(error.details.retryAfterMs).toBe(12_000);
    expect(server.requests).toHaveLength(1);
  });

  it('maps 500 to unavailable after exactly one attempt (the mesh does the retries)', async () => {
    server.handle(() => ({ status: 500, json: { error: { message: 'The server had an error' } } }));
    const _error = await expectMeshError(
      providers.story!.generateStory({ prompt: 'x', jsonSchema: storyJsonSchema(), parameters: {} }),
      'unavailable',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('maps an Azure content-policy 400 to failed_precondition and a plain 400 to invalid_argument', async () => {
    server.handle(() => ({
      status: 400,
      json: {
        error: {
          code: 'content_filter',
          status: 400,
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { violence: { filtered: true } },
          },
        },
      },
    }));
    const request = { prompt: 'x', jsonSchema: storyJsonSchema(), parameters: {} };
    await expectMeshError(providers.story!.generateStory(request), 'failed_precondition');
    server.handle(() => ({
      status: 400,
      json: { error: { code: 'invalid_value', message: 'bad temperature' } },
    }));
    await expectMeshError(providers.story!.generateStory(request), 'invalid_argument');
    server.handle(() => ({
      status: 401,
      json: { error: { code: '401', message: 'Access denied: invalid key' } },
    }));
    await expectMeshError(providers.story!.generateStory(request), 'unauthenticated');
  });

  it('maps an aborted call to canceled', async () => {
    server.handle(() => ({ json: chatCompletion(JSON.stringify(SAMPLE_STORY)), delayMs: 2000 }));
    const controller = new AbortController();
    const pending = providers.story!.generateStory(
      { prompt: 'x', jsonSchema: storyJsonSchema(), parameters: {} },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    await expectMeshError(pending, 'canceled');
  });
});

describe('Azure OpenAI with a Microsoft Entra ID token', () => {
  it('sends the token as a bearer and no api-key', async () => {
    let calls = 0;
    const entra = createCloudProviders({
      env: {
        AZURE_OPENAI_ENDPOINT: server.url,
        AZURE_OPENAI_API_KEY: KEY,
        AZURE_OPENAI_API_VERSION: API_VERSION,
      },
      azureADTokenProvider: async () => `entra-token-${++calls}`,
    });
    server.handle(() => ({
      json: {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: new Array(3072).fill(0.5) }],
      },
    }));
    await entra.embedding!.embed(['hello']);
    // The aborted call of the test before may reach the fake server late: pick this test's own request.
    const request = server.requests.find((recorded) => recorded.path.endsWith('/embeddings'))!;
    expect(request.headers.authorization).toBe('Bearer entra-token-1');
    expect(request.headers['api-key']).toBeUndefined();
    expect(request.path).toBe('/openai/deployments/text-embedding-3-large/embeddings');
  });
});

describe('Azure OpenAI image provider (DALL-E 3)', () => {
  it('requests one 1024x1024 b64_json image on the deployment with the character guide in the prompt', async () => {
    const png = makePng(1024, 1024);
    server.handle(() => ({
      json: {
        created: 1,
        data: [{ b64_json: Buffer.from(png).toString('base64'), revised_prompt: 'A fox in a meadow' }],
      },
    }));
    const result = await providers.image!.generateImage({
      prompt: 'Pip finds the star',
      sceneDescription: 'A meadow at night',
      characters: [PIP],
      size: '1024x1024',
      style: 'watercolor',
    });
    const request = server.requests[0]!;
    expect(request.path).toBe('/openai/deployments/dalle-3-prod/images/generations');
    expect(request.query.get('api-version')).toBe(API_VERSION);
    const body = request.json();
    expect(body).toMatchObject({
      model: 'dalle-3-prod',
      n: 1,
      size: '1024x1024',
      response_format: 'b64_json',
    });
    expect(body.prompt).toContain('A meadow at night');
    expect(body.prompt).toContain('#E07A2F, #2F8F4E');
    expect(body.prompt).toContain('notch in left ear');
    expect(body.prompt).toContain('watercolor');
    expect(result.width).toBe(1024);
    expect(result.height).toBe(1024);
    expect(Buffer.from(result.png).equals(Buffer.from(png))).toBe(true);
    expect(result.revisedPrompt).toBe('A fox in a meadow');
    expect(result.usage).toEqual({ model: 'dall-e-3', images: 1, requests: 1 });
  });

  it('maps content_policy_violation to failed_precondition and rejects sizes DALL-E 3 cannot make', async () => {
    server.handle(() => ({
      status: 400,
      json: {
        error: {
          code: 'content_policy_violation',
          message: 'Your request was rejected as a result of our safety system.',
        },
      },
    }));
    const request = { prompt: 'p', sceneDescription: 's', characters: [PIP], size: '1024x1024' };
    await expectMeshError(providers.image!.generateImage(request), 'failed_precondition');
    const before = server.requests.length;
    const badSize = await expectMeshError(
      providers.image!.generateImage({ ...request, size: '640x480' }),
      'invalid_argument',
    );
    expect(badSize.details.field).toBe('size');
    expect(server.requests.length).toBe(before);
  });
});

describe('Azure OpenAI speech provider', () => {
  it('requests mp3 with the mapped voice and speed, and measures the returned 24 kHz mono MP3', async () => {
    const mp3 = await makeMp3(2);
    server.handle(() => ({ headers: { 'content-type': 'audio/mpeg' }, body: mp3 }));
    const result = await providers.speech!.synthesize({
      text: 'Pip the fox found a star.',
      voice: 'slt',
      speed: 0.9,
      instructions: 'Warm and slow',
    });
    const request = server.requests[0]!;
    expect(request.path).toBe('/openai/deployments/tts-hd-prod/audio/speech');
    expect(request.query.get('api-version')).toBe(API_VERSION);
    const body = request.json();
    // tts-1-hd does not take instructions: they are left out.
    expect(body).toEqual({
      model: 'tts-hd-prod',
      input: 'Pip the fox found a star.',
      voice: 'nova',
      response_format: 'mp3',
      speed: 0.9,
    });
    expect(result.sampleRate).toBe(24_000);
    expect(mp3InfoOf(result.mp3).channels).toBe(1);
    expect(result.durationSec).toBeGreaterThan(1.9);
    expect(result.durationSec).toBeLessThan(2.2);
    expect(result.usage).toMatchObject({ model: 'tts-1-hd', characters: 25, requests: 1 });
    expect(result.usage.seconds).toBeCloseTo(result.durationSec);
  });

  it('maps 429 with retry-after-ms on speech to resource_exhausted', async () => {
    server.handle(() => ({
      status: 429,
      headers: { 'retry-after-ms': '850' },
      json: { error: { message: 'busy' } },
    }));
    const error = await expectMeshError(
      providers.speech!.synthesize({ text: 'Hello', voice: 'nova' }),
      'resource_exhausted',
    );
    expect(error.details.retryAfterMs).toBe(850);
  });
});

describe('Azure OpenAI embedding provider', () => {
  it("requests encoding_format 'float' and the configured dimensions, and keeps input order", async () => {
    server.handle(() => ({
      json: {
        object: 'list',
        data: [
          { object: 'embedding', index: 1, embedding: [0, 1, 0, 0] },
          { object: 'embedding', index: 0, embedding: [1, 0, 0, 0] },
        ],
        usage: { prompt_tokens: 9, total_tokens: 9 },
      },
    }));
    const result = await providers.embedding!.embed(['first text', 'second text']);
    const request = server.requests[0]!;
    expect(request.path).toBe('/openai/deployments/embed-prod/embeddings');
    expect(request.json()).toEqual({
      model: 'embed-prod',
      input: ['first text', 'second text'],
      encoding_format: 'float',
      dimensions: 4,
    });
    expect(result.vectors).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ]);
    expect(providers.embedding!.dimensions).toBe(4);
    expect(result.usage).toEqual({ model: 'text-embedding-3-large', inputTokens: 9, requests: 1 });
  });

  it('maps 503 to unavailable', async () => {
    server.handle(() => ({ status: 503, json: { error: { message: 'overloaded' } } }));
    await expectMeshError(providers.embedding!.embed(['x']), 'unavailable');
  });
});

describe('connection failures', () => {
  it('maps a refused connection to unavailable and a slow server to deadline_exceeded', async () => {
    const closed = await startFakeHttpServer();
    const url = closed.url;
    await closed.close();
    const offline = createCloudProviders({
      env: { AZURE_OPENAI_ENDPOINT: url, AZURE_OPENAI_API_KEY: KEY },
    });
    await expectMeshError(offline.embedding!.embed(['x']), 'unavailable');

    const slow = createCloudProviders({
      env: {
        AZURE_OPENAI_ENDPOINT: server.url,
        AZURE_OPENAI_API_KEY: KEY,
        KIDSSTORIES_CLOUD_TIMEOUT_MS: '50',
      },
    });
    server.handle(() => ({ json: {}, delayMs: 1000 }));
    await expectMeshError(slow.embedding!.embed(['x']), 'deadline_exceeded');
  });
});
