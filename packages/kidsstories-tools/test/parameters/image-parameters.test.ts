import type { AnyToolDefinition } from '@kidsstories/mesh-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCharacterGuide } from '../../src/media/character-guide.js';
import { imageSizeOf } from '../../src/media/image-encoding.js';
import { bytesOfResource } from '../../src/media/media-artifact.js';
import {
  type GenerationParametersInput,
  PARAMETER_TABLE,
  type ParameterName,
} from '../../src/parameters/generation-parameters.js';
import { IMAGE_PARAMETERS } from '../../src/parameters/media-parameters.js';
import type { ParameterSpec } from '../../src/parameters/parameter-spec.js';
import { createCloudProviders } from '../../src/providers/cloud/create-cloud-providers.js';
import { createOfflineImageProvider } from '../../src/providers/offline/image-provider.js';
import { createOfflineSafetyProvider } from '../../src/providers/offline/safety-provider.js';
import { createOfflineSpeechProvider } from '../../src/providers/offline/speech-provider.js';
import type { ImageProvider } from '../../src/providers/provider-types.js';
import { callTool, createTestToolContext, TEST_CHARACTERS } from '../../src/testing/test-tool-context.js';
import { createMediaTools } from '../../src/tools/media/create-media-tools.js';
import { type FakeHttpServer, startFakeHttpServer } from '../cloud/fake-http-server.js';
import { makePng } from '../cloud/media-fixtures.js';
import { alternativeOf, fingerprintOf, type ParameterChange, sha256 } from './parameter-changes.js';

// Every image synthesis parameter, from the table: adding one without an effect fails this test.
const NAMES = Object.keys(IMAGE_PARAMETERS) as Array<keyof typeof IMAGE_PARAMETERS>;

/** Every run starts from these (small pictures keep the offline runs quick). */
const BASE: GenerationParametersInput = { size_spec: '512x512', seed: 5 };

/** Parameters whose generic other value shows nothing in this scene, or that need another starting point. */
const CHANGES: Partial<Record<(typeof NAMES)[number], ParameterChange>> = {
  // Three characters are on the page: keep one.
  characters_per_image_max: { value: 1 },
  // The prompt here is shorter than the far end of the range.
  prompt_max_chars: { value: 200 },
  // JPEG quality shows only in a lossy format.
  image_quality: { base: { output_format: 'jpeg' } },
  // A word the rules allow 9-12 year olds but not the youngest band.
  image_safety_level: { base: { age_band: '9-12' }, input: { prompt: 'Pip tells a ghost story.' } },
};

const guide = buildCharacterGuide({ id: 'story-params', characters: TEST_CHARACTERS }, { now: () => 1 });
const INPUT = {
  prompt: 'Pip, Mia and Bolt fly a kite on the hill.',
  sceneDescription: 'A sunny forest at the edge of a village. Objects: kite, tree.',
  characterGuide: guide,
  page: 3,
};

let openai: FakeHttpServer;
let cloudImage: ImageProvider;
const offlineImage = createOfflineImageProvider();
const speech = createOfflineSpeechProvider({ maxConcurrency: 1 });
const safety = createOfflineSafetyProvider();

beforeAll(async () => {
  openai = await startFakeHttpServer();
  const picture = Buffer.from(makePng(64, 64)).toString('base64');
  openai.handle(() => ({ json: { created: 1, data: [{ b64_json: picture }] } }));
  const providers = createCloudProviders({
    env: {
      AZURE_OPENAI_ENDPOINT: `${openai.url}/`,
      AZURE_OPENAI_API_KEY: 'test-key',
      AZURE_OPENAI_IMAGE_DEPLOYMENT: 'dalle-3-prod',
    },
  });
  cloudImage = providers.image as ImageProvider;
});
afterAll(() => openai.close());

/** Runs generate_image with these parameters and input; the fingerprint of what came out (and was sent). */
async function run(
  family: 'offline' | 'cloud',
  parameters: GenerationParametersInput,
  input: Record<string, unknown>,
): Promise<string> {
  const harness = createTestToolContext();
  const [generateImage] = createMediaTools({
    providers: { image: family === 'offline' ? offlineImage : cloudImage, speech, safety },
    now: () => 1_000,
  });
  const sentBefore = openai.requests.length;
  try {
    return await fingerprintOf(async () => {
      const result = await callTool<{
        width: number;
        height: number;
        format: string;
        alternatives: unknown[];
      }>(generateImage as AnyToolDefinition, { ...INPUT, ...input, parameters }, harness.ctx);
      const pictures = (result.content ?? []).map(bytesOfResource).filter((bytes) => bytes !== undefined);
      const { width, height, format } = result.structuredContent ?? { width: 0, height: 0, format: '' };
      const sent = openai.requests.slice(sentBefore).map((request) => `${request.path} ${request.body}`);
      return JSON.stringify({ width, height, format, pictures: pictures.map(sha256), sent });
    });
  } finally {
    await harness.close();
  }
}

describe('image synthesis parameters: each one changes the picture or the request', () => {
  it('covers every image parameter, each applied offline, in the cloud or both', () => {
    expect(NAMES).toHaveLength(28);
    for (const name of NAMES) {
      const applied = (PARAMETER_TABLE[name as ParameterName] as ParameterSpec).applied;
      expect(applied?.offline ?? applied?.cloud, name).toBeTruthy();
    }
  });

  it('is deterministic for the same parameters (so a difference is the parameter)', async () => {
    for (const family of ['offline', 'cloud'] as const) {
      expect(await run(family, BASE, {})).toBe(await run(family, BASE, {}));
    }
  });

  for (const name of NAMES) {
    const spec = PARAMETER_TABLE[name as ParameterName] as ParameterSpec;
    const change = CHANGES[name] ?? {};
    const base = { ...BASE, ...change.base };
    const start = (base as Record<string, unknown>)[name] ?? spec.default;
    const value = change.value ?? alternativeOf(spec, start);
    for (const family of ['offline', 'cloud'] as const) {
      if (!spec.applied?.[family]) continue;
      it(`${name} (${family}): ${JSON.stringify(start)} -> ${JSON.stringify(value)}`, async () => {
        const before = await run(family, base, change.input ?? {});
        const after = await run(family, { ...base, [name]: value }, change.input ?? {});
        expect(after).not.toBe(before);
      });
    }
  }
});

describe('image parameters: decoded facts', () => {
  it('size_spec and output_format give pictures of that size and format, offline and in the cloud', async () => {
    for (const image of [offlineImage, cloudImage]) {
      const harness = createTestToolContext();
      const [generateImage] = createMediaTools({ providers: { image, speech, safety } });
      const result = await callTool<{ width: number; mimeType: string; format: string }>(
        generateImage as AnyToolDefinition,
        { ...INPUT, parameters: { size_spec: '768x768', output_format: 'webp' } },
        harness.ctx,
      );
      const bytes = (result.content ?? [])
        .map(bytesOfResource)
        .find((entry) => entry !== undefined) as Uint8Array;
      expect(await imageSizeOf(bytes)).toEqual({ width: 768, height: 768, format: 'webp' });
      expect(result.structuredContent).toMatchObject({ width: 768, mimeType: 'image/webp', format: 'webp' });
      await harness.close();
    }
  });

  it('draws a picture with every image parameter changed at once (the effects combine)', async () => {
    const everything = Object.fromEntries(
      NAMES.filter((name) => name !== 'image_safety_level').map((name) => {
        const spec = PARAMETER_TABLE[name as ParameterName] as ParameterSpec;
        return [name, CHANGES[name]?.value ?? alternativeOf(spec, spec.default)];
      }),
    ) as GenerationParametersInput;
    const harness = createTestToolContext();
    const [generateImage] = createMediaTools({ providers: { image: offlineImage, speech, safety } });
    const result = await callTool<{ width: number; height: number; format: string }>(
      generateImage as AnyToolDefinition,
      {
        ...INPUT,
        parameters: { ...everything, size_spec: '1792x1024', camera_angle: 'birds_eye', shot_type: 'wide' },
      },
      harness.ctx,
    );
    const bytes = (result.content ?? [])
      .map(bytesOfResource)
      .find((entry) => entry !== undefined) as Uint8Array;
    expect(await imageSizeOf(bytes)).toEqual({ width: 1792, height: 1024, format: everything.output_format });
    await harness.close();
  }, 120_000);

  it('images_per_page returns the alternatives as embedded resources', async () => {
    const harness = createTestToolContext();
    const [generateImage] = createMediaTools({ providers: { image: offlineImage, speech, safety } });
    const result = await callTool<{ alternatives: Array<{ seed: number }>; seed: number }>(
      generateImage as AnyToolDefinition,
      { ...INPUT, parameters: { ...BASE, images_per_page: 3 } },
      harness.ctx,
    );
    const pictures = (result.content ?? []).map(bytesOfResource).filter((bytes) => bytes !== undefined);
    expect(pictures).toHaveLength(3);
    expect(new Set(pictures.map(sha256)).size).toBe(3);
    const output = result.structuredContent!;
    expect(output.alternatives.map((entry) => entry.seed)).toEqual([output.seed + 1, output.seed + 2]);
    await harness.close();
  });
});
