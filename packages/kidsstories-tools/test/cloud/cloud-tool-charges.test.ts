// Issue 12 item 8: the charge path of every cloud tool, end to end. Each tool runs on the cloud providers against
// the wire-level fakes, with a ledger that prices nothing itself (the tools fall back to the KidsStories list
// prices, issue 16), and is charged what its provider bills: a positive cost, settled on `server:<server>` and
// `tool:<tool>`, with nothing left reserved.
import type { AnyToolDefinition } from '@kidsstories/mesh-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProviders } from '../../src/providers/create-providers.js';
import {
  callTool,
  createTestToolContext,
  type TestToolContext,
} from '../../src/testing/test-tool-context.js';
import { createMediaTools } from '../../src/tools/media/create-media-tools.js';
import { createTextTools } from '../../src/tools/text/create-text-tools.js';
import { createVideoTools } from '../../src/tools/video/create-video-tools.js';
import { type FakeHttpServer, type RecordedRequest, startFakeHttpServer } from './fake-http-server.js';
import { makeMp3, makeMp4, makePng } from './media-fixtures.js';
import { SAMPLE_STORY } from './sample-story.js';

let openai: FakeHttpServer;
let runware: FakeHttpServer;
let cdn: FakeHttpServer;
let tools: Map<string, AnyToolDefinition>;
let harness: TestToolContext;
let mp3: Uint8Array;
const png = makePng(64, 64);

const completion = (model: string, content: string) => ({
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal: null } }],
  usage: { prompt_tokens: 1_000, completion_tokens: 500, total_tokens: 1_500 },
});

/** OpenAI and Phi-4 on one fake, answered by path. */
function openaiHandler(request: RecordedRequest) {
  if (request.path === '/v1/moderations') {
    return {
      json: {
        id: 'modr-1',
        model: 'omni-moderation-latest',
        results: [{ flagged: false, categories: {}, category_scores: {}, category_applied_input_types: {} }],
      },
    };
  }
  if (request.path === '/v1/embeddings') {
    const input = request.json().input as string[];
    return {
      json: {
        object: 'list',
        data: input.map((_, index) => ({ object: 'embedding', index, embedding: [1, index, 0, 0] })),
        usage: { prompt_tokens: 2_000, total_tokens: 2_000 },
      },
    };
  }
  if (request.path === '/v1/images/generations') {
    return {
      json: { created: 1, data: [{ b64_json: Buffer.from(makePng(1024, 1024)).toString('base64') }] },
    };
  }
  if (request.path === '/v1/audio/speech') return { headers: { 'content-type': 'audio/mpeg' }, body: mp3 };
  if (request.path === '/v1/chat/completions') {
    return { json: completion('gpt-4o-2024-08-06', JSON.stringify(SAMPLE_STORY)) };
  }
  if (request.path === '/models/chat/completions') {
    return { json: completion('Phi-4', 'Pip saw a star. It was small. Pip was glad.') };
  }
  return { status: 404, json: { error: { message: `no fake for ${request.path}` } } };
}

beforeAll(async () => {
  [openai, runware, cdn] = await Promise.all([
    startFakeHttpServer(),
    startFakeHttpServer(),
    startFakeHttpServer(),
  ]);
  mp3 = await makeMp3(4);
  const mp4 = await makeMp4(50, 10);
  openai.handle(openaiHandler);
  cdn.handle(() => ({ headers: { 'content-type': 'video/mp4' }, body: mp4 }));
  runware.handle((request) => {
    const [task] = request.json() as Array<Record<string, unknown>>;
    const taskUUID = String(task?.taskUUID);
    if (task?.taskType === 'videoInference')
      return { json: { data: [{ taskType: 'videoInference', taskUUID }] } };
    return {
      json: {
        data: [
          {
            taskType: 'videoInference',
            taskUUID,
            status: 'success',
            videoURL: `${cdn.url}/v.mp4`,
            cost: 0.3,
          },
        ],
      },
    };
  });
  const providers = createProviders({
    env: {
      KIDSSTORIES_PROVIDERS:
        'offline,story=cloud,image=cloud,speech=cloud,embedding=cloud,refine=cloud,safety=cloud,video=cloud',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      KIDSSTORIES_EMBEDDING_DIMENSIONS: '4',
      AZURE_AI_PHI4_ENDPOINT: `${openai.url}/models`,
      AZURE_AI_PHI4_KEY: 'phi4-key',
      RUNWARE_API_KEY: 'rw-key',
      RUNWARE_BASE_URL: `${runware.url}/v1`,
      RUNWARE_POLL_INTERVAL_MS: '1',
    },
  });
  tools = new Map(
    [
      ...createTextTools({ providers }),
      ...createMediaTools({ providers }),
      ...createVideoTools({ providers }),
    ].map((tool) => [tool.name, tool]),
  );
});
afterAll(async () => {
  await Promise.all([openai.close(), runware.close(), cdn.close()]);
});
beforeEach(() => {
  harness = createTestToolContext();
});
afterEach(async () => {
  await harness.close();
});

/** Runs `name` and checks what it was charged, where, and that nothing stays reserved. */
async function charged(server: string, name: string, args: Record<string, unknown>): Promise<number> {
  const result = await callTool<{ costUsd: number }>(tools.get(name)!, args, harness.ctx);
  const costUsd = result.structuredContent?.costUsd ?? Number.NaN;
  for (const scope of [`server:${server}`, `tool:${name}`, 'global']) {
    const status = await harness.ctx.ledger.status(scope);
    expect(status.spentUsd, scope).toBeCloseTo(costUsd, 12);
    expect(status.reservedUsd, scope).toBe(0);
  }
  return costUsd;
}

describe('the charge path of every cloud tool (wire-level fakes, default prices)', () => {
  it('generate_audio on gpt-4o-mini-tts: characters in and seconds of speech out', async () => {
    const text = 'Pip the fox found a small star in the grass, and it glowed.';
    const costUsd = await charged('media', 'generate_audio', { text });
    // 0.15 USD per million characters (0.60 per million tokens) plus 0.015 USD a minute of speech.
    expect(costUsd).toBeCloseTo(text.length * 0.15e-6 + 4 * 0.00025, 4);
  });

  it('generate_image on dall-e-3 (its prompt moderated for free)', async () => {
    const costUsd = await charged('media', 'generate_image', {
      prompt: 'Pip finds the star',
      sceneDescription: 'A meadow at night',
    });
    expect(costUsd).toBeCloseTo(0.04, 12);
  });

  it('embed_content on text-embedding-3-large', async () => {
    const costUsd = await charged('text', 'embed_content', { texts: ['Pip found a star.'] });
    expect(costUsd).toBeCloseTo((2_000 / 1e6) * 0.13, 12);
  });

  it('refine_readability on Phi-4 (Azure AI Foundry names it with a capital P)', async () => {
    const costUsd = await charged('text', 'refine_readability', {
      text: 'Pip observed a diminutive luminous celestial object in the meadow.',
      target_grade: 2,
    });
    expect(costUsd).toBeCloseTo((1_000 / 1e6) * 0.125 + (500 / 1e6) * 0.5, 12);
  });

  it('generate_story on gpt-4o, its text moderated and embedded', async () => {
    const costUsd = await charged('text', 'generate_story', {
      parameters: { seed: 3, page_count: 2, age_band: '6-8' },
    });
    // One draft on gpt-4o, its embedding on text-embedding-3-large; moderation is free.
    expect(costUsd).toBeCloseTo((1_000 / 1e6) * 2.5 + (500 / 1e6) * 10 + (2_000 / 1e6) * 0.13, 12);
  });

  it('animate_image on a Runware catalogue model, priced per second by the catalogue', async () => {
    const costUsd = await charged('video', 'animate_image', {
      png: Buffer.from(png).toString('base64'),
      durationSec: 5,
    });
    expect(costUsd).toBeGreaterThan(0);
  });
});
